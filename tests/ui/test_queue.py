"""The claim queue: the API's filters, sorting and pagination."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ArticleFactory, ClaimantFactory, OutletFactory, make_claim, ready_for_review
from tracker import claims, workflow
from tracker.models import Claim


def shown(client, **params) -> list[str]:
    response = client.get(reverse("claim-list"), params)
    assert response.status_code == 200, response.content
    return [c.text for c in response.context["page"].object_list]


@pytest.fixture
def desk(editor, other_editor):
    """Three claims that differ in every filtered field."""
    outlet = OutletFactory(name="Wire")
    wire_article = ArticleFactory(outlet=outlet)
    speaker = ClaimantFactory(name="Speaker")
    patriots = make_claim(
        text="Patriot deliveries doubled.",
        article=wire_article,
        tags=["air defence"],
        claimant=speaker,
        assignee=editor,
    )
    budget = make_claim(text="The budget is 5.5 billion.", quote="around $5.5 billion", tags=["money"])
    old = make_claim(text="An old claim about drones.", quote="Marco Rubio said", assignee=other_editor)
    Claim.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=30))
    workflow.transition(budget, to="researching", by=editor)
    ready_for_review(budget, by=editor, rating="false")
    return {"patriots": patriots, "budget": budget, "old": old, "outlet": outlet, "article": wire_article}


@pytest.mark.django_db
class QueueFilterTests:
    def test_status_rating_and_tag(self, client_for, desk):
        client = client_for("reporter")
        assert shown(client, status="researching") == ["The budget is 5.5 billion."]
        assert shown(client, rating="false") == ["The budget is 5.5 billion."]
        assert shown(client, tag="AIR DEFENCE") == ["Patriot deliveries doubled."]

    def test_claimant_article_and_outlet(self, client_for, desk):
        client = client_for("reporter")
        patriots = desk["patriots"]
        assert shown(client, claimant=patriots.claimant_id) == ["Patriot deliveries doubled."]
        assert shown(client, article=desk["article"].pk) == ["Patriot deliveries doubled."]
        assert shown(client, outlet=desk["outlet"].pk) == ["Patriot deliveries doubled."]

    def test_assignee_by_username_or_me(self, client_for, editor, other_editor, desk):
        client = client_for(editor)
        assert shown(client, assignee="me") == ["Patriot deliveries doubled."]
        assert shown(client, assignee=other_editor.username) == ["An old claim about drones."]
        assert shown(client, assignee="none") == ["The budget is 5.5 billion."]

    def test_created_range(self, client_for, desk):
        client = client_for("reporter")
        cutoff = (timezone.now() - datetime.timedelta(days=7)).date().isoformat()
        assert shown(client, created_before=cutoff) == ["An old claim about drones."]
        assert sorted(shown(client, created_after=cutoff)) == [
            "Patriot deliveries doubled.",
            "The budget is 5.5 billion.",
        ]

    def test_search_covers_text_verdict_and_quotes(self, client_for, desk):
        client = client_for("reporter")
        assert shown(client, search="drones") == ["An old claim about drones."]
        assert shown(client, search="agency's release") == ["The budget is 5.5 billion."]  # the verdict summary
        assert shown(client, search="Rubio") == ["An old claim about drones."]  # only in the quote

    def test_bad_filter_values_are_a_400_not_a_500(self, client_for, desk):
        client = client_for("reporter")
        for params in ({"claimant": "x"}, {"article": 10**30}, {"created_after": "yesterday"}, {"status": "nope"}):
            response = client.get(reverse("claim-list"), params)
            assert response.status_code == 400, params
        assert client.get(reverse("claim-list"), {"search": "a\x00b"}).status_code == 400

    def test_trashed_claims_are_not_listed(self, client_for, editor, desk):
        workflow.trash(desk["old"], by=editor)
        assert "An old claim about drones." not in shown(client_for("reporter"))

    def test_htmx_gets_only_the_table(self, client_for, desk):
        response = client_for("reporter").get(reverse("claim-list"), {"status": "new"}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert "<html" not in body and "Patriot deliveries doubled." in body


@pytest.mark.django_db
class QueueSortTests:
    def test_sorts(self, client_for, editor, desk):
        client = client_for("reporter")
        claims.edit_claim(desk["old"], {"priority": "high"}, by=editor, expected_version=None)
        assert shown(client, sort="priority")[0] == "An old claim about drones."
        assert shown(client, sort="created")[0] == "An old claim about drones."
        assert shown(client, sort="-created")[-1] == "An old claim about drones."
        assert shown(client, sort="-updated")[0] == "An old claim about drones."
        assert shown(client, sort="status")[-1] == "The budget is 5.5 billion."  # "researching" sorts last

    def test_pagination_keeps_the_filters(self, client_for):
        for i in range(30):
            make_claim(text=f"Numbered claim {i}.", tags=["bulk"])
        client = client_for("reporter")
        response = client.get(reverse("claim-list"), {"tag": "bulk", "page": 2})
        assert len(response.context["page"].object_list) == 5
        assert "tag=bulk&amp;page=1" in response.content.decode()
