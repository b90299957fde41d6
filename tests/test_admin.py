"""The Django admin as a newsroom uses it: pages, permissions, a whole fact-check, history, stale forms, the trash."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    ArticleFactory,
    ClaimantFactory,
    OutletFactory,
    SourceFactory,
    add_evidence,
    make_claim,
    make_user,
    ready_for_review,
)
from tracker import claims, workflow
from tracker.models import (
    Appearance,
    Article,
    Claim,
    Claimant,
    Correction,
    Evidence,
    Outlet,
    Rating,
    Source,
    Tag,
    TrashedClaim,
    VerificationEvent,
)

BODY = (
    "KYIV, Ukraine (AP) — Officials said the Patriot batteries shot down 30 missiles overnight. "
    "The defence minister said the country needs at least 10 more systems. "
    "Officials said the Patriot batteries were moved west."
)
QUOTE = "the country needs at least 10 more systems"


class FormReader(HTMLParser):
    """Collect what a browser would submit from one form of a page."""

    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in {"submit", "button", "file", "image", "reset"}:
            if attrs.get("type") in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # A browser drops the one newline that follows <textarea>.
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.inside:
            self.inside = False


def form_data(response, form_id: str, **changes) -> dict:
    """Return the fields a browser would post from the page's form, with changes applied."""
    reader = FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.fields, f"no form #{form_id} on the page"
    data: dict[str, list[str]] = {}
    for name, value in reader.fields:
        data.setdefault(name, []).append(value)
    data.update({name: value if isinstance(value, list) else [value] for name, value in changes.items()})
    return {name: values if len(values) != 1 else values[0] for name, values in data.items()}


def url(name: str, *args) -> str:
    return reverse(f"admin:tracker_{name}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def article(db):
    return ArticleFactory(body=BODY)


def move(client, claim: Claim, to: str, note: str = ""):
    """Make a move through the claim's transition page, as the panel's link leads there."""
    page = client.get(url("claim_transition", claim.pk) + f"?to={to}")
    assert page.status_code == 200
    return client.post(url("claim_transition", claim.pk), form_data(page, "transition-form", note=note), follow=True)


# -- every page renders ----------------------------------------------------


def one_of_each(admin_user) -> dict:
    editor, reviewer = make_user("editor"), make_user("reviewer")
    claim = make_claim(by=editor)
    ready_for_review(claim, by=editor)
    workflow.transition(claim, to="researching", by=editor)
    workflow.transition(claim, to="in_review", by=editor)
    workflow.transition(claim, to="published", by=reviewer)
    workflow.transition(claim, to="researching", by=editor, note="A new figure from the ministry.")
    claims.edit_claim(claim, {"rating": Rating.objects.get(slug="mostly-true")}, by=editor, expected_version=None)
    workflow.transition(claim, to="in_review", by=editor)
    workflow.transition(claim, to="published", by=reviewer)
    trashed = make_claim(by=editor, text="A claim nobody needs.")
    workflow.trash(trashed, by=editor)
    Tag.objects.get_or_create(name="air defence")
    return {
        "outlet": Outlet.objects.first(),
        "article": Article.objects.first(),
        "claimant": Claimant.objects.first(),
        "tag": Tag.objects.first(),
        "rating": Rating.objects.first(),
        "claim": claim,
        "appearance": claim.appearances.first(),
        "source": Source.objects.first(),
        "evidence": claim.evidence.first(),
        "verificationevent": VerificationEvent.objects.first(),
        "correction": Correction.objects.get(claim=claim),
        "trashedclaim": TrashedClaim.all_objects.get(pk=trashed.pk),
    }


EDITABLE_MODELS = ["outlet", "article", "claimant", "tag", "rating", "claim", "appearance", "source", "evidence"]
READ_ONLY_MODELS = ["verificationevent", "correction", "trashedclaim"]


@pytest.mark.django_db
class AdminPagesTests:
    @pytest.mark.parametrize("model", EDITABLE_MODELS + READ_ONLY_MODELS)
    def test_changelist_and_change_page_render_for_an_admin(self, client, admin_user, model):
        obj = one_of_each(admin_user)[model]
        client.force_login(admin_user)
        listing = client.get(url(f"{model}_changelist"))
        assert listing.status_code == 200
        assert listing.context["cl"].result_count >= 1
        page = client.get(url(f"{model}_change", obj.pk))
        assert page.status_code == 200
        assert str(obj)[:20] in page.content.decode()
        history = client.get(url(f"{model}_history", obj.pk))
        assert history.status_code == 200

    @pytest.mark.parametrize("model", EDITABLE_MODELS)
    def test_add_page_renders_for_an_admin(self, client, admin_user, model):
        client.force_login(admin_user)
        page = client.get(url(f"{model}_add"))
        assert page.status_code == 200
        assert b'type="submit"' in page.content

    @pytest.mark.parametrize("model", READ_ONLY_MODELS)
    def test_records_cannot_be_added_or_changed_even_by_an_admin(self, client, admin_user, model):
        obj = one_of_each(admin_user)[model]
        client.force_login(admin_user)
        assert client.get(url(f"{model}_add")).status_code == 403
        assert client.post(url(f"{model}_change", obj.pk), {}).status_code == 403
        assert client.post(url(f"{model}_delete", obj.pk), {"post": "yes"}).status_code == 403

    @pytest.mark.parametrize("model", EDITABLE_MODELS + READ_ONLY_MODELS)
    def test_changelist_costs_the_same_queries_at_any_length(self, client, admin_user, model):
        one_of_each(admin_user)
        client.force_login(admin_user)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url(f"{model}_changelist")).status_code == 200
            return len(queries)

        few = count()
        for _ in range(3):
            one_of_each(admin_user)
        assert count() == few

    def test_claim_search_and_filters_work(self, client, editor):
        make_claim(by=editor, text="Patriot missiles cost four million dollars each.")
        make_claim(by=editor, text="Nothing about air defence.")
        client.force_login(editor)
        found = client.get(url("claim_changelist"), {"q": "four million"})
        assert [c.text for c in found.context["cl"].result_list] == [
            "Patriot missiles cost four million dollars each."
        ]
        by_quote = client.get(url("claim_changelist"), {"q": "NATO announced"})
        assert by_quote.context["cl"].result_count == 2
        filtered = client.get(url("claim_changelist"), {"status__exact": "published"})
        assert filtered.context["cl"].result_count == 0

    def test_claim_list_costs_the_same_queries_at_any_length(self, client, editor):
        client.force_login(editor)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url("claim_changelist")).status_code == 200
            return len(queries)

        for _ in range(3):
            claim = make_claim(by=editor, assignee=editor, tags=["patriot"])
            ready_for_review(claim, by=editor)
        count()  # the first request caches the user's permissions (tracker.auth); compare later ones
        few = count()
        for _ in range(12):
            claim = make_claim(by=editor, assignee=make_user("editor"), tags=["patriot", "nato"])
            ready_for_review(claim, by=editor)
        assert count() == few

    def test_claim_page_shows_the_quote_in_context_escaped(self, client, editor):
        article = ArticleFactory(body="Intro. <script>alert(1)</script> said the minister. More.")
        claim = make_claim(by=editor, article=article, quote="<script>alert(1)</script>")
        client.force_login(editor)
        page = client.get(url("claim_change", claim.pk)).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in page


# -- roles -------------------------------------------------------------------


@pytest.mark.django_db
class AdminPermissionTests:
    def test_reporter_cannot_add_or_change_ratings(self, client, reporter):
        client.force_login(reporter)
        rating = Rating.objects.get(slug="true")
        assert client.get(url("rating_add")).status_code == 403
        assert client.post(url("rating_change", rating.pk), {"label": "Truthy", "slug": "true"}).status_code == 403
        assert client.post(url("rating_delete", rating.pk), {"post": "yes"}).status_code == 403
        rating.refresh_from_db()
        assert rating.label == "True"

    @pytest.mark.parametrize("role", ["reporter", "editor", "reviewer"])
    def test_only_admins_manage_users_and_groups(self, client, role):
        client.force_login(make_user(role))
        assert client.get(reverse("admin:auth_user_changelist")).status_code == 403
        assert client.get(reverse("admin:auth_user_add")).status_code == 403
        assert client.get(reverse("admin:auth_group_changelist")).status_code == 403
        assert client.post(url("rating_change", Rating.objects.first().pk), {}).status_code == 403

    def test_reporter_cannot_trash_claims(self, client, reporter):
        claim = make_claim(by=reporter)
        client.force_login(reporter)
        assert client.get(url("claim_delete", claim.pk)).status_code == 403
        assert client.post(url("claim_delete", claim.pk), {"post": "yes"}).status_code == 403
        listing = client.get(url("claim_changelist"))
        assert "delete_selected" not in listing.content.decode()
        assert Claim.objects.filter(pk=claim.pk).exists()

    def test_reporter_sees_someone_elses_claim_read_only(self, client, reporter, editor):
        claim = make_claim(by=editor)
        client.force_login(reporter)
        page = client.get(url("claim_change", claim.pk))
        assert page.status_code == 200
        assert page.context["title"] == "View claim"
        assert b'name="_save"' not in page.content
        response = client.post(url("claim_change", claim.pk), {"text": "Rewritten by a reporter."})
        assert response.status_code == 403
        claim.refresh_from_db()
        assert claim.text == "NATO will help buy up to 1,000 Patriot missiles."

    def test_reporter_edits_own_claim_only_while_new_or_researching(self, client, reporter, editor):
        claim = make_claim(by=reporter)
        client.force_login(reporter)
        page = client.get(url("claim_change", claim.pk))
        assert page.context["title"] == "Change claim"
        response = client.post(url("claim_change", claim.pk), form_data(page, "claim_form", priority="high"))
        assert response.status_code == 302
        ready_for_review(claim, by=editor)
        workflow.transition(claim, to="researching", by=editor)
        workflow.transition(claim, to="in_review", by=editor)
        assert client.get(url("claim_change", claim.pk)).context["title"] == "View claim"
        assert client.post(url("claim_change", claim.pk), {}).status_code == 403

    def test_reporter_cannot_move_claims_or_restore_from_the_trash(self, client, reporter, editor):
        claim = make_claim(by=reporter)
        client.force_login(reporter)
        assert client.get(url("claim_transition", claim.pk) + "?to=researching").status_code == 403
        response = client.post(url("claim_transition", claim.pk), {"to": "researching", "version": claim.version})
        assert response.status_code == 403
        page = client.get(url("claim_change", claim.pk)).content.decode()
        assert "Not available: Your role cannot move claims through the workflow." in page
        workflow.trash(claim, by=editor)
        assert client.get(url("trashedclaim_changelist")).status_code == 200
        assert client.post(url("trashedclaim_restore", claim.pk)).status_code == 403
        assert Claim.all_objects.get(pk=claim.pk).deleted_at is not None

    def test_reporter_adds_an_article_and_a_claim_with_an_appearance(self, client, reporter):
        client.force_login(reporter)
        response = client.post(
            url("article_add"),
            {
                "title": "Air defence story",
                "url": "",
                "authors": "Ann Author\nBob Writer",
                "language": "en",
                "body": BODY,
            },
        )
        assert response.status_code == 302
        article = Article.objects.get(title="Air defence story")
        assert article.created_by == reporter
        assert article.authors == ["Ann Author", "Bob Writer"]
        page = client.get(url("claim_add"))
        data = form_data(
            page,
            "claim_form",
            **{"text": "Ukraine needs ten more Patriot systems.", "appearances-0-article": str(article.pk)},
            **{"appearances-0-quote": QUOTE},
        )
        response = client.post(url("claim_add"), data)
        assert response.status_code == 302
        claim = Claim.objects.get()
        assert claim.created_by == reporter
        appearance = claim.appearances.get()
        assert BODY[appearance.start : appearance.end] == QUOTE


# -- a whole fact-check --------------------------------------------------------


@pytest.mark.django_db
class AdminFactCheckTests:
    def test_whole_fact_check_in_the_admin(self, client, editor, reviewer, other_reviewer):
        client.force_login(editor)
        outlet = OutletFactory(name="AP")
        response = client.post(
            url("article_add"),
            {"title": "Patriots over Kyiv", "outlet": outlet.pk, "url": "https://apnews.example/patriots"}
            | {"authors": "Ann Author", "language": "en", "body": BODY.replace("\n", "\r\n")},
        )
        assert response.status_code == 302
        article = Article.objects.get(title="Patriots over Kyiv")

        # An absent quote: the error stands on the field and nothing is written.
        source = SourceFactory(title="Ministry statement")
        claimant = ClaimantFactory(name="Defence minister")
        add = client.get(url("claim_add"))
        fields = {"text": "Ukraine needs at least ten more Patriot systems.", "claimant": str(claimant.pk)}
        fields |= {"appearances-0-article": str(article.pk), "appearances-0-attribution": "the defence minister said"}
        bad = client.post(
            url("claim_add"), form_data(add, "claim_form", **fields, **{"appearances-0-quote": "needs 12"})
        )
        assert bad.status_code == 200
        assert "The quote does not occur in the article text" in bad.content.decode()
        assert Claim.all_objects.count() == 0
        assert Appearance.objects.count() == 0

        # Repeated quote without start: asks for start; with start, anchored there.
        repeated = "Officials said the Patriot batteries"
        ambiguous = client.post(
            url("claim_add"), form_data(add, "claim_form", **fields, **{"appearances-0-quote": repeated})
        )
        assert "occurs 2 times" in ambiguous.content.decode()
        assert Claim.all_objects.count() == 0

        good = form_data(add, "claim_form", **fields, **{"appearances-0-quote": QUOTE, "evidence-TOTAL_FORMS": "1"})
        good |= {"evidence-0-source": str(source.pk), "evidence-0-stance": "supports"}
        good |= {"evidence-0-excerpt": "We need ten more systems, the minister told reporters.", "evidence-0-note": ""}
        response = client.post(url("claim_add"), good)
        assert response.status_code == 302, response.context["errors"] if response.context else ""
        claim = Claim.objects.get()
        appearance = claim.appearances.get()
        assert (appearance.start, appearance.end) == (BODY.index(QUOTE), BODY.index(QUOTE) + len(QUOTE))
        assert appearance.attribution == "the defence minister said"
        evidence = claim.evidence.get()
        assert (evidence.source, evidence.stance, evidence.added_by) == (source, "supports", editor)

        # Research, then the verdict through the change form.
        moved = move(client, claim, "researching")
        assert "The claim is now researching." in messages_of(moved)
        page = client.get(url("claim_change", claim.pk))
        rating = Rating.objects.get(slug="mostly-true")
        data = form_data(page, "claim_form", rating=str(rating.pk), verdict_summary="He said ten; the plan is nine.")
        assert client.post(url("claim_change", claim.pk), data).status_code == 302
        claim.refresh_from_db()
        assert (claim.rating, claim.status) == (rating, "researching")

        move(client, claim, "in_review")
        claim.refresh_from_db()
        assert claim.status == "in_review"

        # The editor cannot publish; the panel says why, the view refuses.
        page = client.get(url("claim_change", claim.pk)).content.decode()
        assert "Not available: Only a reviewer can move a claim from in review to published." in page
        refused = move(client, claim, "published")
        assert "Only a reviewer can move a claim from in review to published." in refused.content.decode()

        # A reviewer sends it back with a note; the note is required.
        client.force_login(reviewer)
        no_note = move(client, claim, "researching")
        assert "A note is required: say why it is sent back." in no_note.content.decode()
        move(client, claim, "researching", note="Give the plan's exact figure.")
        claim.refresh_from_db()
        assert claim.status == "researching"

        # The reviewer sends it to review: the four-eyes rule stops them publishing.
        move(client, claim, "in_review")
        four_eyes = move(client, claim, "published")
        assert "You sent this claim to review; a second person must publish it." in four_eyes.content.decode()
        claim.refresh_from_db()
        assert claim.status == "in_review"

        client.force_login(other_reviewer)
        published = move(client, claim, "published")
        assert "The claim is now published." in messages_of(published)
        claim.refresh_from_db()
        assert claim.status == "published"
        assert claim.public_snapshot["rating"]["slug"] == "mostly-true"
        assert "He said ten; the plan is nine." in client.get(url("claim_change", claim.pk)).content.decode()

        history = client.get(url("claim_history", claim.pk)).content.decode()
        assert "researching → in_review" in history
        assert "in_review → published" in history
        assert "Give the plan&#x27;s exact figure." in history
        assert "Evidence added" in history
        assert f"source:</strong> — → Ministry statement (Example Ministry) (#{source.pk})" in history
        assert "Appearance added" in history
        assert "verdict_summary:</strong> — → He said ten; the plan is nine." in history

    def test_frozen_claim_shows_its_verdict_read_only(self, client, editor):
        claim = make_claim(by=editor)
        ready_for_review(claim, by=editor)
        workflow.transition(claim, to="researching", by=editor)
        workflow.transition(claim, to="in_review", by=editor)
        client.force_login(editor)
        page = client.get(url("claim_change", claim.pk))
        text = page.content.decode()
        assert 'name="verdict_summary"' not in text
        assert 'name="text"' not in text
        assert "Confirmed by the agency&#x27;s release." in text
        # A forged value for a frozen field is not taken; fields that are not frozen still change.
        response = client.post(
            url("claim_change", claim.pk),
            {**form_data(page, "claim_form", priority="high"), "verdict_summary": "Changed."},
        )
        assert response.status_code == 302
        claim.refresh_from_db()
        assert claim.verdict_summary == "Confirmed by the agency's release."
        assert claim.priority == "high"

    def test_frozen_claims_evidence_cannot_be_removed(self, client, editor):
        claim = make_claim(by=editor)
        ready_for_review(claim, by=editor)
        workflow.transition(claim, to="researching", by=editor)
        workflow.transition(claim, to="in_review", by=editor)
        client.force_login(editor)
        page = client.get(url("claim_change", claim.pk))
        response = client.post(
            url("claim_change", claim.pk), form_data(page, "claim_form", **{"evidence-0-DELETE": "on"})
        )
        assert response.status_code == 200
        assert "its evidence can change only while it is new or researching" in response.content.decode()
        assert claim.evidence.count() == 1

    def test_removing_evidence_and_appearances_keeps_their_history(self, client, editor):
        claim = make_claim(by=editor)
        claims.add_appearance(
            claim, claims.AppearanceInput(article=ArticleFactory(), quote="Patriot systems"), by=editor
        )
        add_evidence(claim, by=editor)
        client.force_login(editor)
        page = client.get(url("claim_change", claim.pk))
        data = form_data(page, "claim_form", **{"evidence-0-DELETE": "on", "appearances-1-DELETE": "on"})
        assert client.post(url("claim_change", claim.pk), data).status_code == 302
        assert claim.evidence.count() == 0
        assert claim.appearances.count() == 1
        assert Evidence.history.filter(claim_id=claim.pk, history_type="-").get().history_user == editor
        assert Appearance.history.filter(claim_id=claim.pk, history_type="-").get().history_user == editor

    def test_the_last_appearance_cannot_be_removed(self, client, editor):
        claim = make_claim(by=editor)
        client.force_login(editor)
        page = client.get(url("claim_change", claim.pk))
        response = client.post(
            url("claim_change", claim.pk), form_data(page, "claim_form", **{"appearances-0-DELETE": "on"})
        )
        assert response.status_code == 200
        assert "A claim needs at least one appearance" in response.content.decode()
        assert claim.appearances.count() == 1

    def test_claim_needs_an_appearance_when_added(self, client, editor):
        client.force_login(editor)
        page = client.get(url("claim_add"))
        response = client.post(url("claim_add"), form_data(page, "claim_form", text="A claim from nowhere."))
        assert response.status_code == 200
        assert "A claim needs at least one appearance" in response.content.decode()
        assert Claim.all_objects.count() == 0

    def test_duplicate_article_text_is_refused_naming_the_stored_one(self, client, editor, article):
        client.force_login(editor)
        response = client.post(
            url("article_add"), {"title": "Copy", "language": "en", "authors": "", "body": "\r\n" + BODY + "\r\n"}
        )
        assert response.status_code == 200
        assert f"An article with the same text is already stored: “{article.title}” (id {article.pk})." in (
            response.content.decode()
        )
        assert Article.objects.count() == 1
        same_url = client.post(
            url("article_add"),
            {"title": "Other", "language": "en", "authors": "", "body": "Other.", "url": article.url},
        )
        assert same_url.content.decode().count("Article with this Url already exists.") == 1
        assert Article.objects.count() == 1

    def test_bulk_transition_reports_each_refusal(self, client, editor):
        ready = make_claim(by=editor, text="Ready for review.")
        ready_for_review(ready, by=editor)
        workflow.transition(ready, to="researching", by=editor)
        bare = make_claim(by=editor, text="Not researched.")
        workflow.transition(bare, to="researching", by=editor)
        client.force_login(editor)
        selection = {"action": "change_status", "_selected_action": [ready.pk, bare.pk]}
        confirm = client.post(url("claim_changelist"), selection)
        assert confirm.status_code == 200
        assert "Move claims through the workflow" in confirm.content.decode()
        data = form_data(confirm, "action-confirmation-form", to="in_review")
        done = client.post(url("claim_changelist"), data, follow=True)
        texts = messages_of(done)
        assert "Moved 1 claim to in review." in texts
        assert any(t.startswith("“Not researched.”: Before review the claim needs a rating") for t in texts)
        assert Claim.objects.get(pk=ready.pk).status == "in_review"
        assert Claim.objects.get(pk=bare.pk).status == "researching"


# -- history -------------------------------------------------------------------


@pytest.mark.django_db
class AdminHistoryTests:
    def test_change_form_edit_is_recorded_with_its_user(self, client, editor):
        claim = make_claim(by=editor)
        client.force_login(editor)
        page = client.get(url("claim_change", claim.pk))
        tag = Tag.objects.create(name="patriot")
        data = form_data(page, "claim_form", verdict_summary="Nine, not ten.", tags=[str(tag.pk)])
        assert client.post(url("claim_change", claim.pk), data).status_code == 302
        record = Claim.history.filter(id=claim.pk).latest("history_date", "history_id")
        assert record.history_user == editor
        assert record.verdict_summary == "Nine, not ten."
        assert [t.tag.name for t in record.tags.all()] == ["patriot"]
        assert record.version == claim.version + 1

    def test_bulk_actions_are_recorded_per_claim_with_their_user(self, client, editor, other_editor):
        first, second = make_claim(by=editor), make_claim(by=editor)
        client.force_login(other_editor)
        selected = {"_selected_action": [first.pk, second.pk]}
        client.post(url("claim_changelist"), {"action": "assign_to_me", **selected})
        confirmed = {"action": "set_priority", "apply": "yes", "priority": "high", **selected}
        done = client.post(url("claim_changelist"), confirmed, follow=True)
        assert "Set the priority of 2 claims to high." in messages_of(done)
        client.post(url("claim_changelist"), {"action": "add_tag", "apply": "yes", "tag": "NATO", **selected})
        for claim in (first, second):
            records = list(Claim.history.filter(id=claim.pk).order_by("history_date", "history_id"))
            assigned, prioritised, tagged = records[-3:]
            assert (assigned.history_user, assigned.assignee_id) == (other_editor, other_editor.pk)
            assert (prioritised.history_user, prioritised.priority) == (other_editor, "high")
            assert tagged.history_user == other_editor
            assert [t.tag.name for t in tagged.tags.all()] == ["NATO"]

    def test_bulk_edit_refuses_claims_the_user_may_not_edit(self, client, reporter, editor):
        own, foreign = make_claim(by=reporter, text="Mine."), make_claim(by=editor, text="Theirs.")
        client.force_login(reporter)
        done = client.post(
            url("claim_changelist"), {"action": "assign_to_me", "_selected_action": [own.pk, foreign.pk]}, follow=True
        )
        assert "“Theirs.”: You may not edit this claim." in messages_of(done)
        assert Claim.objects.get(pk=own.pk).assignee == reporter
        assert Claim.objects.get(pk=foreign.pk).assignee is None

    def test_past_versions_cannot_be_posted_back(self, client, admin_user, editor):
        claim = make_claim(by=editor)
        record = Claim.history.filter(id=claim.pk).first()
        client.force_login(admin_user)
        assert client.get(url("claim_simple_history", claim.pk, record.history_id)).status_code == 200
        response = client.post(url("claim_simple_history", claim.pk, record.history_id), {"text": "Reverted."})
        assert response.status_code == 405
        assert Claim.objects.get(pk=claim.pk).text == claim.text


# -- stale forms and the trash -----------------------------------------------------


@pytest.mark.django_db
class AdminConcurrencyTests:
    def test_stale_form_is_refused_naming_what_changed(self, client, editor, other_editor):
        claim = make_claim(by=editor, tags=["patriot"])
        client.force_login(editor)
        page = client.get(url("claim_change", claim.pk))
        claims.edit_claim(
            claim, {"verdict_summary": "Erin's summary.", "priority": "high"}, by=other_editor, expected_version=None
        )
        response = client.post(url("claim_change", claim.pk), form_data(page, "claim_form", verdict_summary="Mine."))
        assert response.status_code == 200
        text = response.content.decode()
        assert "Not saved: this claim was changed by erin after you opened it (version 1 → 2)" in text
        assert "verdict summary (now “Erin&#x27;s summary.”)" in text
        assert "priority (now “High”)" in text
        assert "tags" not in text.split("Not saved:")[1].split("Reload")[0]
        claim.refresh_from_db()
        assert (claim.verdict_summary, claim.version) == ("Erin's summary.", 2)

    @pytest.mark.parametrize("version", ["", "abc", "99999999999999999999", "1\x00"])
    def test_form_without_a_usable_version_is_refused(self, client, editor, version):
        claim = make_claim(by=editor)
        client.force_login(editor)
        page = client.get(url("claim_change", claim.pk))
        data = form_data(page, "claim_form", expected_version=version, verdict_summary="Blind write.")
        response = client.post(url("claim_change", claim.pk), data)
        assert response.status_code == 200
        assert "does not say which version of the claim it was opened at" in response.content.decode()
        assert Claim.objects.get(pk=claim.pk).verdict_summary == ""

    def test_stale_transition_is_refused(self, client, editor, other_editor):
        claim = make_claim(by=editor)
        client.force_login(editor)
        page = client.get(url("claim_transition", claim.pk) + "?to=researching")
        claims.edit_claim(claim, {"priority": "low"}, by=other_editor, expected_version=None)
        response = client.post(url("claim_transition", claim.pk), form_data(page, "transition-form"))
        assert "Not saved: this claim was changed by erin" in response.content.decode()
        assert Claim.objects.get(pk=claim.pk).status == "new"


@pytest.mark.django_db
class AdminTrashTests:
    def test_delete_moves_the_claim_to_the_trash_and_restore_brings_it_back(self, client, editor):
        claim = make_claim(by=editor)
        client.force_login(editor)
        confirm = client.get(url("claim_delete", claim.pk)).content.decode()
        assert "Move the claim" in confirm and "to the trash?" in confirm
        done = client.post(url("claim_delete", claim.pk), {"post": "yes"}, follow=True)
        assert "was moved to the trash" in messages_of(done)[0]
        trashed = Claim.all_objects.get(pk=claim.pk)
        assert trashed.deleted_at is not None and trashed.deleted_by == editor
        assert not Claim.objects.filter(pk=claim.pk).exists()
        assert trashed.appearances.count() == 1

        listing = client.get(url("trashedclaim_changelist"))
        assert [c.pk for c in listing.context["cl"].result_list] == [claim.pk]
        page = client.get(url("trashedclaim_change", claim.pk)).content.decode()
        assert "Restore it" in page
        restored = client.post(url("trashedclaim_restore", claim.pk), follow=True)
        assert "is back on the desk" in messages_of(restored)[0]
        assert Claim.objects.get(pk=claim.pk).deleted_at is None

    def test_bulk_delete_trashes_each_claim_and_restore_action_brings_them_back(self, client, editor):
        first, second = make_claim(by=editor), make_claim(by=editor)
        client.force_login(editor)
        selected = {"action": "delete_selected", "_selected_action": [first.pk, second.pk]}
        confirm = client.post(url("claim_changelist"), selected)
        assert "Nothing is deleted" in confirm.content.decode()
        done = client.post(url("claim_changelist"), selected | {"apply": "yes"}, follow=True)
        assert "Moved 2 claims to the trash." in messages_of(done)
        assert Claim.all_objects.trashed().count() == 2
        assert Claim.objects.count() == 0
        restore = {"action": "restore_selected", "_selected_action": [first.pk, second.pk]}
        done = client.post(url("trashedclaim_changelist"), restore, follow=True)
        assert "Restored 2 claim(s)." in messages_of(done)
        assert Claim.objects.count() == 2
        assert [r.history_user for r in Claim.history.filter(id=first.pk).order_by("-history_id")[:2]] == [editor] * 2


@pytest.mark.django_db
class AdminPartsTests:
    def test_evidence_cannot_be_linked_to_a_frozen_claim(self, client, editor):
        claim = make_claim(by=editor)
        ready_for_review(claim, by=editor)
        workflow.transition(claim, to="researching", by=editor)
        workflow.transition(claim, to="in_review", by=editor)
        source = SourceFactory()
        client.force_login(editor)
        response = client.post(
            url("evidence_add"),
            {"claim": claim.pk, "source": source.pk, "stance": "refutes", "excerpt": "", "note": ""},
        )
        assert response.status_code == 200
        assert "its evidence can change only while it is new or researching" in response.content.decode()
        assert claim.evidence.count() == 1

    def test_evidence_added_on_its_own_page_goes_through_the_domain(self, client, reporter, editor):
        claim = make_claim(by=editor)
        source = SourceFactory()
        client.force_login(reporter)
        data = {"claim": claim.pk, "source": source.pk, "stance": "refutes", "excerpt": "Not so.", "note": ""}
        assert client.post(url("evidence_add"), data).status_code == 302
        evidence = claim.evidence.get()
        assert (evidence.added_by, evidence.stance) == (reporter, "refutes")
        assert Evidence.history.get(id=evidence.pk).history_user == reporter
        again = client.post(url("evidence_add"), data)
        assert again.status_code == 200
        assert "Evidence with this Claim and Source already exists." in again.content.decode()

    def test_appearance_added_on_its_own_page_is_anchored(self, client, editor, article):
        claim = make_claim(by=editor)
        client.force_login(editor)
        data = {"claim": claim.pk, "article": article.pk, "quote": QUOTE, "start": "", "attribution": ""}
        assert client.post(url("appearance_add"), data).status_code == 302
        appearance = claim.appearances.get(article=article)
        assert (appearance.start, appearance.end, appearance.created_by) == (
            BODY.index(QUOTE),
            BODY.index(QUOTE) + len(QUOTE),
            editor,
        )
        twice = client.post(url("appearance_add"), data)
        assert "This quote is already recorded as an appearance of the claim." in twice.content.decode()
        wrong_start = client.post(url("appearance_add"), data | {"start": "3"})
        assert "The article text at 3 does not match the quote." in wrong_start.content.decode()
        assert claim.appearances.count() == 2

    def test_source_urls_are_normalised_so_duplicates_are_caught(self, client, editor):
        SourceFactory(url="https://example.org/report")
        client.force_login(editor)
        response = client.post(
            url("source_add"), {"url": "HTTPS://EXAMPLE.org/report#page=2", "title": "Same report", "kind": "other"}
        )
        assert response.status_code == 200
        assert "Source with this Url already exists." in response.content.decode()
        assert Source.objects.count() == 1
