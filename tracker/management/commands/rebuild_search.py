"""python manage.py rebuild_search: recompute every claim's search document (and the matching index)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tracker.finding import matching, search


class Command(BaseCommand):
    help = (
        "Recompute the search document of every claim (text, quotes, verdict, claimant, tags, stemmed in their "
        "languages) and write it to PostgreSQL's full-text index or SQLite's FTS5 table. The domain keeps them "
        "current, and the matching index (POST match/) with them; run this after loading claims behind its back "
        "(raw SQL, bulk fills, a restored backup)."
    )

    def handle(self, *args, **options):
        def progress(done: int) -> None:
            if done % 10000 == 0:
                self.stdout.write(f"… {done} claims")

        count = search.rebuild(progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Rebuilt the search documents of {count} claims."))
        indexed = matching.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt the matching index: {indexed['claim']} claims, {indexed['factcheck']} fact-checks."
            )
        )
