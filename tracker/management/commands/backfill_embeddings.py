"""python manage.py backfill_embeddings: embed the claims and fact-checks that have no vector yet."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tracker.finding import semantic


class Command(BaseCommand):
    help = (
        "Compute the sentence embedding of every claim and fact-check that has none (the semantic layer of "
        "POST match/, DESIGN §6): those imported or logged before `make semantic` installed the extra. Imports "
        "and saves embed their texts themselves once it is installed."
    )

    def handle(self, *args, **options):
        if not semantic.enabled():
            raise CommandError(
                "The semantic layer is off: install it with `make semantic` (and leave FACTDESK_SEMANTIC unset or 1)."
            )

        def progress(kind: str, done: int) -> None:
            self.stdout.write(f"… {done} {kind}s")

        counts = semantic.embed_missing(progress=progress)
        self.stdout.write(
            self.style.SUCCESS(f"Embedded {counts['factcheck']} fact-checks and {counts['claim']} claims.")
        )
