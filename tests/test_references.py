"""Find-or-create of outlets, claimants, sources and tags: racing writers end with one row and no error."""

import threading

import pytest
from django.db import connection

from tests.api.test_concurrency import client_as, race
from tests.factories import make_claim, make_user
from tracker import references
from tracker.models import Claimant, Evidence, Outlet, Source, Tag


def together(count: int, work) -> list:
    """Run work(index) in count threads released at once; return each result (or the exception raised)."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except Exception as exc:  # surfaced by the assertions of the test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db
class FindOrCreateTests:
    def test_outlets_match_case_insensitively(self):
        first = references.outlet_named({"name": "The  Guardian", "country": "gb"})
        assert (first.name, first.country) == ("The Guardian", "GB")
        assert references.outlet_named("the guardian") == first
        assert Outlet.objects.count() == 1

    def test_claimants_match_by_name_and_kind_when_given(self):
        person = references.claimant_named("Marco Rubio", "US Secretary of State")
        assert references.claimant_named("marco rubio") == person
        assert references.claimant_named("Marco Rubio", kind="organisation") != person
        assert references.claimant_named("   ") is None

    def test_tags_match_unicode_case_insensitively(self):
        tag = references.tag_named("НАТО")
        assert references.tag_named("нато") == tag
        assert Tag.objects.count() == 1

    def test_sources_are_reused_by_normalised_url(self, editor):
        source, created = references.source_for({"url": "HTTPS://NATO.int/a#x", "title": "A"}, by=editor)
        again, created_again = references.source_for({"url": "https://nato.int/a", "title": "B"}, by=editor)
        assert (created, created_again, again) == (True, False, source)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class RaceTests:
    COUNT = 6

    def test_racing_outlets_claimants_and_tags_make_one_row_each(self):
        results = together(self.COUNT, lambda i: references.outlet_named("Racing Outlet"))
        assert all(isinstance(r, Outlet) for r in results), results
        assert Outlet.objects.filter(name="Racing Outlet").count() == 1
        results = together(self.COUNT, lambda i: references.claimant_named("Racing Claimant"))
        assert all(isinstance(r, Claimant) for r in results), results
        assert Claimant.objects.filter(name="Racing Claimant").count() == 1
        results = together(self.COUNT, lambda i: references.tag_named("racing-tag"))
        assert all(isinstance(r, Tag) for r in results), results
        assert Tag.objects.filter(name="racing-tag").count() == 1

    def test_racing_evidence_with_one_new_source_url_all_succeed(self):
        editor = make_user("editor")
        claims_ = [make_claim(by=editor) for _ in range(self.COUNT)]
        body = {"source_url": "https://example.org/racing-report", "source_title": "Report", "stance": "supports"}
        results = race(
            [
                (lambda c=c: client_as(editor).post(f"/api/v1/claims/{c.pk}/evidence/", body, format="json"))
                for c in claims_
            ]
        )
        assert results == [201] * self.COUNT
        assert Source.objects.filter(url="https://example.org/racing-report").count() == 1
        assert Evidence.objects.filter(source__url="https://example.org/racing-report").count() == self.COUNT

    def test_racing_new_outlets_over_the_api_answer_201_once_and_400_otherwise(self):
        editor = make_user("editor")
        results = race(
            [lambda: client_as(editor).post("/api/v1/outlets/", {"name": "Same Name"}, format="json")] * self.COUNT
        )
        assert sorted(results) == [201] + [400] * (self.COUNT - 1), results
        assert Outlet.objects.filter(name="Same Name").count() == 1
