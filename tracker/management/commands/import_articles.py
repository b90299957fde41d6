"""python manage.py import_articles PATH...: store articles from .txt and .json files."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker import importing
from tracker.models import validate_language


class Command(BaseCommand):
    help = (
        "Import articles from .txt files (the first non-empty line is the title, the rest the text) and .json "
        "files (one article object or a list of them, with the Article fields). A directory stands for the "
        ".txt and .json files in it. A text already stored is skipped, never duplicated; an article whose URL is "
        "stored with other text updates the stored one (its quotes are found again in the new text); a file "
        "with an error "
        "imports nothing and is reported on stderr, and the others still import. Exits non-zero when any file "
        "failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A .txt or .json file, or a directory.")
        parser.add_argument(
            "--outlet", help="Outlet name for articles that name none (a new name creates the outlet)."
        )
        parser.add_argument("--language", help="BCP 47 language (en, ru, ...) for articles that give none.")
        parser.add_argument("--url", help="The article's address; only with a single file holding one article.")

    def handle(self, *args, paths, outlet, language, url, **options):
        defaults = self._defaults(paths, outlet, language, url)
        created = updated = skipped = failed = 0
        for path, results in importing.import_many(importing.expand_paths(paths), defaults=defaults):
            if isinstance(results, importing.ImportFileError):
                failed += 1
                self.stderr.write(f"{path}: FAILED: {results} Nothing from this file was saved.")
                continue
            for result in results:
                self.stdout.write(f"{path}: {result.describe()}")
                created += result.created
                updated += result.updated
                skipped += not (result.created or result.updated)
        reimported = f"{updated} updated (same URL, new text), " if updated else ""
        summary = f"{created} imported, {reimported}{skipped} skipped (already stored), {failed} file(s) failed."
        if failed:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))

    def _defaults(self, paths: list[str], outlet: str | None, language: str | None, url: str | None) -> dict:
        defaults = {}
        if outlet is not None:
            if not outlet.strip():
                raise CommandError("--outlet needs a name.")
            defaults["outlet"] = outlet.strip()
        if language is not None:
            try:
                validate_language(language.strip())
            except ValidationError:
                raise CommandError(f"--language “{language}” is not a BCP 47 tag such as en, ru or pt-BR.") from None
            defaults["language"] = language.strip()
        if url is not None:
            files = importing.expand_paths(paths)
            if len(paths) != 1 or len(files) != 1 or files[0][0].is_dir():
                raise CommandError("--url names one article: give exactly one file with it.")
            defaults["url"] = url.strip()
        return defaults
