"""Logging and editing claims, appearances, tags, sources and evidence (tracker.claims)."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from tests.factories import ArticleFactory, ClaimantFactory, SourceFactory, make_claim, make_user, ready_for_review
from tracker import claims, references, workflow
from tracker.claims import AppearanceError, AppearanceInput, ClaimInput, DuplicateEvidence
from tracker.models import Appearance, Claim, Evidence, Rating, Source, Tag
from tracker.workflow import ClaimFrozen, EditForbidden

BODY = (
    "Secretary of State Marco Rubio said the United States does not have spare Patriot systems. "
    "NATO announced Wednesday that it would help buy up to 1,000 Patriot missiles."
)


def nothing_written() -> bool:
    return (
        not Claim.all_objects.exists()
        and not Appearance.objects.exists()
        and not Claim.history.exists()
        and not Appearance.history.exists()
    )


class LogClaimTests:
    @pytest.mark.django_db
    def test_logs_an_anchored_claim(self, reporter):
        article = ArticleFactory(body=BODY)
        claimant = ClaimantFactory(name="Marco Rubio")
        claim = claims.log_claim(
            ClaimInput(
                text="The US has no spare Patriot systems.",
                claimant=claimant,
                appearances=[
                    AppearanceInput(
                        article=article,
                        quote="does not have spare Patriot systems",
                        attribution="Secretary of State Marco Rubio said",
                    )
                ],
                tags=["Air defence"],
                priority="high",
            ),
            by=reporter,
        )
        row = Claim.objects.get(pk=claim.pk)
        assert (row.status, row.version, row.created_by, row.claimant, row.priority) == (
            "new",
            1,
            reporter,
            claimant,
            "high",
        )
        assert [t.name for t in row.tags.all()] == ["Air defence"]
        appearance = row.appearances.get()
        assert (appearance.start, appearance.end) == (54, 89)
        assert article.body[appearance.start : appearance.end] == "does not have spare Patriot systems"
        assert appearance.prefix == "rco Rubio said the United States "[-32:]
        assert len(appearance.prefix) == 32
        assert appearance.suffix == ". NATO announced Wednesday that "
        assert appearance.attribution == "Secretary of State Marco Rubio said"
        assert appearance.anchor_state == "anchored"
        assert appearance.created_by == reporter

    @pytest.mark.django_db
    def test_repeated_quote_with_start_is_anchored_there(self, reporter):
        article = ArticleFactory(body=BODY)
        claim = claims.log_claim(
            ClaimInput(text="Patriots.", appearances=[AppearanceInput(article=article, quote="Patriot", start=151)]),
            by=reporter,
        )
        assert claim.appearances.get().start == 151

    @pytest.mark.django_db
    @pytest.mark.parametrize(
        ("quote", "start", "field", "message"),
        [
            ("Patriot", None, "quote", "occurs 2 times"),
            ("Iron Dome", None, "quote", "does not occur"),
            ("Patriot", 75, "start", "does not match"),
            ("   ", None, "quote", "empty"),
            ("NATO\x00", None, "quote", "NUL"),
        ],
        ids=["ambiguous", "absent", "wrong-start", "blank", "nul"],
    )
    def test_unanchorable_quote_writes_nothing(self, quote, start, field, message, reporter):
        good = ArticleFactory(body=BODY)
        other = ArticleFactory()
        with pytest.raises(AppearanceError) as caught:
            claims.log_claim(
                ClaimInput(
                    text="NATO will buy Patriots.",
                    appearances=[
                        AppearanceInput(article=good, quote="NATO announced Wednesday"),
                        AppearanceInput(article=other, quote=quote, start=start),
                    ],
                    tags=["brand-new-tag"],
                ),
                by=reporter,
            )
        assert caught.value.index == 1
        assert caught.value.field == field
        assert message in str(caught.value)
        assert nothing_written()
        assert not Tag.objects.exists()

    @pytest.mark.django_db
    @pytest.mark.parametrize(
        ("attribution", "message"),
        [("x" * 501, "at most 500 characters"), ("Said \x00 by", "NUL")],
        ids=["too-long", "nul"],
    )
    def test_bad_attribution_writes_nothing(self, attribution, message, reporter):
        article = ArticleFactory(body=BODY)
        with pytest.raises(AppearanceError) as caught:
            claims.log_claim(
                ClaimInput(
                    text="Fine.", appearances=[AppearanceInput(article=article, quote="NATO", attribution=attribution)]
                ),
                by=reporter,
            )
        assert (caught.value.index, caught.value.field) == (0, "attribution")
        assert message in str(caught.value)
        assert nothing_written()

    @pytest.mark.django_db
    def test_start_that_is_not_a_number_is_a_start_error(self, reporter):
        article = ArticleFactory(body=BODY)
        with pytest.raises(AppearanceError) as caught:
            claims.log_claim(
                ClaimInput(text="Fine.", appearances=[AppearanceInput(article=article, quote="NATO", start="91")]),
                by=reporter,
            )
        assert (caught.value.index, caught.value.field) == (0, "start")
        assert nothing_written()

    @pytest.mark.django_db
    def test_no_appearance_is_refused(self, reporter):
        with pytest.raises(AppearanceError) as caught:
            claims.log_claim(ClaimInput(text="Floating claim.", appearances=[]), by=reporter)
        assert caught.value.field == "appearances"
        assert nothing_written()

    @pytest.mark.django_db
    def test_same_quote_twice_is_refused(self, reporter):
        article = ArticleFactory(body=BODY)
        twice = [AppearanceInput(article=article, quote="NATO announced")] * 2
        with pytest.raises(AppearanceError) as caught:
            claims.log_claim(ClaimInput(text="Twice.", appearances=twice), by=reporter)
        assert caught.value.index == 1
        assert nothing_written()

    @pytest.mark.django_db
    @pytest.mark.parametrize(
        ("changes", "field"),
        [({"text": ""}, "text"), ({"text": "Bad \x00 text"}, "text"), ({"priority": "urgent"}, "priority")],
        ids=["blank-text", "nul-text", "bad-priority"],
    )
    def test_invalid_fields_write_nothing(self, changes, field, reporter):
        article = ArticleFactory(body=BODY)
        data = {"text": "Fine.", "appearances": [AppearanceInput(article=article, quote="NATO")], **changes}
        with pytest.raises(ValidationError) as caught:
            claims.log_claim(ClaimInput(**data), by=reporter)
        assert field in caught.value.message_dict
        assert nothing_written()

    @pytest.mark.django_db
    @pytest.mark.parametrize("field", ["claimant", "assignee"])
    def test_wrong_kind_of_related_value_writes_nothing(self, field, reporter):
        article = ArticleFactory(body=BODY)
        data = {"text": "Fine.", "appearances": [AppearanceInput(article=article, quote="NATO")], field: 7}
        with pytest.raises(ValidationError) as caught:
            claims.log_claim(ClaimInput(**data), by=reporter)
        assert field in caught.value.message_dict
        assert nothing_written()

    @pytest.mark.django_db
    @pytest.mark.parametrize("who", ["no-group", "anonymous", "inactive"])
    def test_only_the_desk_can_log(self, who, reporter):
        user = {"no-group": make_user(None), "anonymous": AnonymousUser(), "inactive": reporter}[who]
        if who == "inactive":
            user.is_active = False
            user.save()
        article = ArticleFactory(body=BODY)
        with pytest.raises(EditForbidden):
            claims.log_claim(
                ClaimInput(text="Fine.", appearances=[AppearanceInput(article=article, quote="NATO")]), by=user
            )
        assert nothing_written()


class AddAppearanceTests:
    @pytest.mark.django_db
    def test_adds_an_appearance_in_another_article(self, reporter):
        claim = make_claim(by=reporter)
        translation = ArticleFactory(
            body="В среду НАТО объявило, что поможет купить до 1000 ракет Patriot.", language="ru"
        )
        appearance = claims.add_appearance(
            claim, AppearanceInput(article=translation, quote="НАТО объявило", attribution="InoSMI"), by=reporter
        )
        assert (appearance.start, appearance.end) == (8, 21)
        assert claim.appearances.count() == 2
        assert Appearance.objects.get(pk=appearance.pk).article == translation

    @pytest.mark.django_db
    def test_duplicate_appearance_is_refused(self, reporter):
        claim = make_claim(by=reporter)
        article = claim.appearances.get().article
        with pytest.raises(AppearanceError) as caught:
            claims.add_appearance(
                claim, AppearanceInput(article=article, quote="NATO announced Wednesday"), by=reporter
            )
        assert "already recorded" in str(caught.value)
        assert claim.appearances.count() == 1

    @pytest.mark.django_db
    def test_other_span_in_the_same_article_is_fine(self, reporter):
        claim = make_claim(by=reporter)
        article = claim.appearances.get().article
        claims.add_appearance(
            claim, AppearanceInput(article=article, quote="up to 1,000 Patriot missiles"), by=reporter
        )
        assert claim.appearances.count() == 2

    @pytest.mark.django_db
    def test_ambiguous_quote_is_refused(self, reporter):
        claim = make_claim(by=reporter)
        with pytest.raises(AppearanceError) as caught:
            claims.add_appearance(claim, AppearanceInput(article=ArticleFactory(), quote="Patriot"), by=reporter)
        assert caught.value.index is None
        assert caught.value.field == "quote"
        assert claim.appearances.count() == 1

    @pytest.mark.django_db
    def test_refused_for_trashed_claims_and_outsiders(self, reporter, editor):
        claim = make_claim(by=reporter)
        other = ArticleFactory()
        with pytest.raises(EditForbidden):
            claims.add_appearance(claim, AppearanceInput(article=other, quote="NATO"), by=make_user(None))
        workflow.trash(claim, by=editor)
        with pytest.raises(EditForbidden):
            claims.add_appearance(claim, AppearanceInput(article=other, quote="NATO"), by=editor)
        assert Appearance.objects.filter(article=other).count() == 0


class EditClaimTests:
    @pytest.mark.django_db
    @pytest.mark.parametrize("status", ["new", "researching"])
    def test_reporter_edits_own_claim_while_open(self, status, reporter, editor):
        claim = make_claim(by=reporter)
        if status == "researching":
            claim = workflow.transition(claim, to="researching", by=editor)
        claim = claims.edit_claim(claim, {"text": "Reworded by the reporter."}, by=reporter, expected_version=None)
        row = Claim.objects.get(pk=claim.pk)
        assert row.text == "Reworded by the reporter."
        assert row.history.latest().history_user == reporter

    @pytest.mark.django_db
    @pytest.mark.parametrize("status", ["in_review", "published", "dismissed"])
    def test_reporter_cannot_edit_own_claim_once_closed(self, status, reporter, editor, reviewer):
        claim = ready_for_review(make_claim(by=reporter), by=editor)
        path = {
            "in_review": ["researching", "in_review"],
            "published": ["researching", "in_review", "published"],
            "dismissed": ["dismissed"],
        }[status]
        for to in path:
            by = reviewer if to == "published" else editor
            claim = workflow.transition(claim, to=to, by=by, note="Not checkable.")
        with pytest.raises(EditForbidden) as caught:
            claims.edit_claim(claim, {"priority": "high"}, by=reporter, expected_version=claim.version)
        assert "only while they are new or researching" in str(caught.value)
        assert Claim.objects.get(pk=claim.pk).priority == "normal"

    @pytest.mark.django_db
    def test_reporter_cannot_edit_someone_elses_claim(self, reporter, editor):
        claim = make_claim(by=editor)
        with pytest.raises(EditForbidden) as caught:
            claims.edit_claim(claim, {"text": "Hijacked."}, by=reporter, expected_version=1)
        assert str(caught.value) == "You may not edit this claim."
        row = Claim.objects.get(pk=claim.pk)
        assert (row.text, row.version) == ("NATO will help buy up to 1,000 Patriot missiles.", 1)

    @pytest.mark.django_db
    @pytest.mark.parametrize("role", ["editor", "reviewer", "admin"])
    def test_editors_edit_any_claim(self, role, reporter):
        claim = make_claim(by=reporter)
        actor = make_user(role)
        claim = claims.edit_claim(
            claim,
            {"verdict_summary": "Checked.", "rating": Rating.objects.get(slug="half-true"), "assignee": actor},
            by=actor,
            expected_version=1,
        )
        row = Claim.objects.get(pk=claim.pk)
        assert (row.verdict_summary, row.rating.slug, row.assignee, row.version) == ("Checked.", "half-true", actor, 2)

    @pytest.mark.django_db
    @pytest.mark.parametrize("user", ["no-group", "anonymous"])
    def test_outsiders_cannot_edit(self, user, reporter):
        claim = make_claim(by=reporter)
        actor = make_user(None) if user == "no-group" else AnonymousUser()
        with pytest.raises(EditForbidden):
            claims.edit_claim(claim, {"priority": "low"}, by=actor, expected_version=None)
        assert Claim.objects.get(pk=claim.pk).priority == "normal"

    @pytest.mark.django_db
    def test_unchanged_values_keep_the_version(self, editor):
        claim = make_claim(by=editor, tags=["NATO"])
        records = claim.history.count()
        claim = claims.edit_claim(
            claim, {"text": claim.text, "tags": ["nato"], "priority": "normal"}, by=editor, expected_version=1
        )
        assert claim.version == 1
        assert Claim.objects.get(pk=claim.pk).history.count() == records

    @pytest.mark.django_db
    def test_date_given_as_text_is_compared_as_a_date(self, editor):
        claim = make_claim(by=editor, claim_date=datetime.date(2025, 6, 25))
        claim = claims.edit_claim(claim, {"claim_date": "2025-06-25"}, by=editor, expected_version=1)
        assert claim.version == 1
        claim = claims.edit_claim(claim, {"claim_date": "2025-06-26"}, by=editor, expected_version=1)
        assert Claim.objects.get(pk=claim.pk).claim_date == datetime.date(2025, 6, 26)
        with pytest.raises(ValidationError) as caught:
            claims.edit_claim(claim, {"claim_date": "26 June"}, by=editor, expected_version=2)
        assert "claim_date" in caught.value.message_dict

    @pytest.mark.django_db
    def test_invalid_value_writes_nothing(self, editor):
        claim = make_claim(by=editor)
        for changes in ({"priority": "urgent"}, {"verdict_summary": "x" * 501}, {"text": "NUL \x00"}):
            with pytest.raises(ValidationError):
                claims.edit_claim(claim, changes, by=editor, expected_version=1)
        row = Claim.objects.get(pk=claim.pk)
        assert (row.priority, row.verdict_summary, row.version) == ("normal", "", 1)

    @pytest.mark.django_db
    @pytest.mark.parametrize("field", ["rating", "claimant", "assignee"])
    def test_wrong_kind_of_value_is_a_validation_error(self, field, editor):
        claim = make_claim(by=editor)
        with pytest.raises(ValidationError) as caught:
            claims.edit_claim(claim, {field: "true"}, by=editor, expected_version=1)
        assert field in caught.value.message_dict
        assert Claim.objects.get(pk=claim.pk).version == 1

    @pytest.mark.django_db
    def test_unknown_field_is_refused(self, editor):
        claim = make_claim(by=editor)
        with pytest.raises(ValueError, match="status is not an editable claim field"):
            claims.edit_claim(claim, {"status": "published"}, by=editor, expected_version=1)
        assert Claim.objects.get(pk=claim.pk).status == "new"


class TagTests:
    @pytest.mark.django_db
    def test_tags_are_created_on_the_fly_case_insensitively(self, editor):
        Tag.objects.create(name="NATO")
        claim = make_claim(by=editor, tags=["nato", "Air defence", "AIR DEFENCE", "  ", "Ukraine"])
        assert sorted(t.name for t in claim.tags.all()) == ["Air defence", "NATO", "Ukraine"]
        assert Tag.objects.count() == 3

        claim = claims.edit_claim(claim, {"tags": ["ukraine", "Patriot"]}, by=editor, expected_version=1)
        assert sorted(t.name for t in Claim.objects.get(pk=claim.pk).tags.all()) == ["Patriot", "Ukraine"]
        assert Tag.objects.count() == 4

    @pytest.mark.django_db
    def test_tags_are_normalised(self, editor):
        tags = claims.resolve_tags(["Cafe\u0301", "  spaced  "])
        assert [t.name for t in tags] == ["Café", "spaced"]
        assert claims.resolve_tags(["CAFÉ"]) == tags[:1]

    @pytest.mark.django_db
    def test_cyrillic_tags_match_case_insensitively(self, editor):
        claim = make_claim(by=editor, tags=["ПВО"])
        claim = claims.edit_claim(claim, {"tags": ["пво", "Ракеты"]}, by=editor, expected_version=1)
        assert sorted(t.name for t in Claim.objects.get(pk=claim.pk).tags.all()) == ["ПВО", "Ракеты"]
        assert claims.resolve_tags(["РАКЕТЫ"]) == [Tag.objects.get(name="Ракеты")]
        assert Tag.objects.count() == 2

    @pytest.mark.django_db
    @pytest.mark.parametrize(
        ("names", "message"),
        [(["x" * 65], "at most 64"), (["bad\x00tag"], "NUL"), ("air defence", "list"), (None, "list"), (5, "list")],
        ids=["too-long", "nul", "string", "none", "number"],
    )
    def test_bad_tags_are_refused_and_nothing_is_written(self, names, message, editor):
        claim = make_claim(by=editor, tags=["Kept"])
        with pytest.raises(ValidationError) as caught:
            claims.edit_claim(claim, {"tags": names, "priority": "high"}, by=editor, expected_version=1)
        assert message in caught.value.message_dict["tags"][0]
        row = Claim.objects.get(pk=claim.pk)
        assert [t.name for t in row.tags.all()] == ["Kept"]
        assert (row.priority, row.version) == ("normal", 1)
        assert Tag.objects.count() == 1

    @pytest.mark.django_db
    def test_a_64_character_tag_is_reused_not_duplicated(self, editor):
        name = "t" * 64
        first = claims.resolve_tags([name])
        assert claims.resolve_tags([name.upper()]) == first
        assert Tag.objects.count() == 1


class SourceTests:
    @pytest.mark.django_db
    def test_sources_are_reused_by_normalised_url(self, editor):
        first = references.source_for(
            {"url": "HTTPS://WWW.NATO.INT/cps/en/natohq/news.htm?id=1#top", "title": "NATO release"}, by=editor
        )[0]
        assert first.url == "https://www.nato.int/cps/en/natohq/news.htm?id=1"
        assert first.created_by == editor
        again = references.source_for(
            {"url": "https://www.nato.int/cps/en/natohq/news.htm?id=1", "title": "Another title"}, by=editor
        )[0]
        assert again == first
        assert Source.objects.get().title == "NATO release"

    @pytest.mark.django_db
    def test_path_and_query_stay_case_sensitive(self, editor):
        first = references.source_for({"url": "https://example.org/Report", "title": "A"}, by=editor)[0]
        second = references.source_for({"url": "https://example.org/report", "title": "B"}, by=editor)[0]
        assert first != second
        assert Source.objects.count() == 2

    @pytest.mark.django_db
    def test_source_without_url_is_created_each_time(self, editor):
        references.source_for({"url": "", "title": "Phone call with the ministry"}, by=editor)[0]
        references.source_for({"title": "Phone call with the ministry"}, by=editor)[0]
        assert list(Source.objects.values_list("url", flat=True)) == [None, None]

    @pytest.mark.django_db
    @pytest.mark.parametrize(
        "url", ["ftp://example.org/file", "javascript:alert(1)", "https://exa\x00mple.org/", "http://[::1"]
    )
    def test_bad_urls_are_refused(self, url, editor):
        with pytest.raises(ValidationError) as caught:
            references.source_for({"url": url, "title": "Bad"}, by=editor)[0]
        assert "url" in caught.value.message_dict
        assert not Source.objects.exists()

    @pytest.mark.django_db
    def test_missing_title_is_refused(self, editor):
        with pytest.raises(ValidationError) as caught:
            references.source_for({"url": "https://example.org/x"}, by=editor)[0]
        assert "title" in caught.value.message_dict
        assert not Source.objects.exists()


class EvidenceTests:
    @pytest.mark.django_db
    def test_add_and_remove_evidence(self, reporter, editor):
        claim = make_claim(by=reporter)
        source = references.source_for({"url": "https://www.nato.int/release", "title": "Release"}, by=reporter)[0]
        evidence = claims.add_evidence(
            claim, source=source, stance="supports", by=reporter, excerpt="up to 1,000 missiles", note="Primary."
        )
        row = Evidence.objects.get(pk=evidence.pk)
        assert (row.claim, row.source, row.stance, row.excerpt, row.added_by) == (
            claim,
            source,
            "supports",
            "up to 1,000 missiles",
            reporter,
        )
        claims.remove_evidence(row, by=editor)
        assert not Evidence.objects.exists()
        assert Source.objects.filter(pk=source.pk).exists()

    @pytest.mark.django_db
    def test_reused_source_on_two_claims(self, reporter):
        first, second = make_claim(by=reporter), make_claim(by=reporter)
        for claim in (first, second):
            source = references.source_for({"url": "https://example.org/r#a", "title": "R"}, by=reporter)[0]
            claims.add_evidence(claim, source=source, stance="refutes", by=reporter)
        assert Source.objects.count() == 1
        assert Evidence.objects.count() == 2

    @pytest.mark.django_db
    def test_duplicate_evidence_is_refused(self, reporter):
        claim = make_claim(by=reporter)
        source = SourceFactory()
        existing = claims.add_evidence(claim, source=source, stance="supports", by=reporter)
        with pytest.raises(DuplicateEvidence) as caught:
            claims.add_evidence(claim, source=source, stance="refutes", by=reporter)
        assert caught.value.existing == existing
        assert Evidence.objects.get().stance == "supports"

    @pytest.mark.django_db
    @pytest.mark.parametrize("stance", ["", "agrees", None])
    def test_bad_stance_is_refused(self, stance, reporter):
        claim = make_claim(by=reporter)
        with pytest.raises(ValidationError) as caught:
            claims.add_evidence(claim, source=SourceFactory(), stance=stance, by=reporter)
        assert "stance" in caught.value.message_dict
        assert not Evidence.objects.exists()

    @pytest.mark.django_db
    def test_outsiders_cannot_add_or_remove(self, reporter, other_editor):
        claim = make_claim(by=other_editor)
        with pytest.raises(EditForbidden):
            claims.add_evidence(claim, source=SourceFactory(), stance="supports", by=make_user(None))
        evidence = claims.add_evidence(claim, source=SourceFactory(), stance="supports", by=reporter)
        # A reporter may add evidence to any claim but remove it only from their own.
        with pytest.raises(EditForbidden):
            claims.remove_evidence(evidence, by=reporter)
        assert Evidence.objects.filter(pk=evidence.pk).exists()

    @pytest.mark.django_db
    @pytest.mark.parametrize("status", ["in_review", "published", "dismissed"])
    def test_evidence_is_frozen_outside_new_and_researching(self, status, editor, reviewer):
        claim = ready_for_review(make_claim(by=editor), by=editor)
        path = {
            "in_review": ["researching", "in_review"],
            "published": ["researching", "in_review", "published"],
            "dismissed": ["dismissed"],
        }[status]
        for to in path:
            claim = workflow.transition(claim, to=to, by=reviewer if to == "published" else editor, note="Opinion.")
        existing = claim.evidence.get()
        with pytest.raises(ClaimFrozen):
            claims.add_evidence(claim, source=SourceFactory(), stance="context", by=editor)
        with pytest.raises(ClaimFrozen):
            claims.remove_evidence(existing, by=editor)
        assert list(Evidence.objects.filter(claim=claim)) == [existing]
