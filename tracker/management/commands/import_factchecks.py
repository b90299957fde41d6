"""python manage.py import_factchecks FILE...: bring an archive of fact-checks into the desk."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.finding import factchecks


class Command(BaseCommand):
    help = (
        "Import fact-checks (DESIGN §6) from files: schema.org ClaimReview JSON-LD (.json/.jsonld: one object, a "
        "list, a DataFeed or ItemList), JSON lines (.jsonl), CSV with a header row naming at least claim_reviewed "
        "and url (.csv), or saved HTML pages with embedded ClaimReview (.html). Upserts by url; a bad item is "
        "reported and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="Files to import.")
        parser.add_argument("--format", choices=["json", "jsonl", "csv", "html"], help="Override the file type.")

    def handle(self, *args, **options):
        failed = False
        for name in options["files"]:
            path = Path(name)
            try:
                content = path.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{name}: cannot be read as UTF-8 text ({exc}).") from exc
            kind = options["format"] or factchecks.kind_of(path.name)
            started = time.perf_counter()
            try:
                result = factchecks.import_text(content, kind, by=None)
            except factchecks.ImportRefused as exc:
                raise CommandError(f"{name}: {exc}") from exc
            seconds = time.perf_counter() - started
            for error in result["errors"][:20]:
                self.stderr.write(f"{name}: item {error['index']}: {error['message']}")
            if len(result["errors"]) > 20:
                self.stderr.write(f"{name}: … and {len(result['errors']) - 20} more bad items")
            failed = failed or bool(result["errors"])
            self.stdout.write(
                f"{name}: {result['created']} created, {result['updated']} updated, {result['skipped']} skipped "
                f"({len(result['errors'])} bad) in {seconds:.1f} s"
            )
        if failed:
            self.stdout.write(self.style.WARNING("Some items were bad and skipped; the others are stored."))
