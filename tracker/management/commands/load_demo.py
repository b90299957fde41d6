"""python manage.py load_demo [--users]: the demo desk, loaded once."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tracker.demo import data
from tracker.demo.loader import DemoLoadError, DemoReport, load_demo
from tracker.models import Article, Claim

STATUS_ORDER = [status for status, _ in Claim.Status.choices]


class Command(BaseCommand):
    help = (
        "Load the demo desk: the three seed articles in tracker/demo/seeds/ with their real metadata (and the "
        "Washington Post original the InoSMI piece translates), and real claims anchored in them in every "
        "workflow state. Safe to run again: what is loaded stays as it is. --users also creates (or refreshes) "
        "the demo logins reporter, editor, reviewer and admin, and prints them; no user is created without it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--users",
            action="store_true",
            help="Create or refresh the demo users (fixed, published passwords: for a local desk only).",
        )
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the desk is served, for the login addresses printed (default: %(default)s).",
        )

    def handle(self, *args, users: bool, base_url: str, **options):
        try:
            report = load_demo(with_users=users)
        except DemoLoadError as exc:
            raise CommandError(f"{exc} Nothing was loaded.") from exc
        self._report_data(report)
        if users:
            self._report_logins(report, base_url.rstrip("/"))
        else:
            self.stdout.write("No demo users were created; run `python manage.py load_demo --users` for demo logins.")

    def _report_data(self, report: DemoReport) -> None:
        out = self.stdout
        if not report.changed:
            out.write(
                self.style.SUCCESS(
                    f"The demo desk is already loaded ({Article.objects.count()} articles, "
                    f"{Claim.all_objects.count()} claims): nothing changed."
                )
            )
            return
        out.write(self.style.MIGRATE_HEADING("Loading the demo desk (tracker/demo/):"))
        for outlet in report.outlets:
            out.write(f"  outlet   {outlet.name} ({outlet.domain}, {outlet.country})")
        for article in report.articles:
            when = f"{article.published_at.day} {article.published_at:%b %Y}" if article.published_at else "no date"
            kind = "metadata only" if not article.body else f"{len(article.body):,} characters"
            out.write(f"  article  {article.pk}: “{article.title}” ({article.outlet}, {when}; {kind})")
        for article in report.completed_articles:
            out.write(f"  article  {article.pk}: “{article.title}” was already stored; its metadata was filled in")
        for claim in report.claims:
            rating = f", {claim.rating.label}" if claim.rating_id else ""
            corrected = ", with a correction" if claim.corrections.exists() else ""
            out.write(f"  claim    {claim.pk} [{claim.get_status_display()}{rating}{corrected}]: {claim.text}")
        counts = report.status_counts()
        by_status = ", ".join(
            f"{counts[status]} {Claim.Status(status).label.lower()}" for status in STATUS_ORDER if counts[status]
        )
        stories = sum(1 for article in report.articles if article.body)
        originals = len(report.articles) - stories
        known = f" and {originals} original known only by its metadata" if originals else ""
        out.write(
            self.style.SUCCESS(
                f"Demo desk loaded: {stories} stories{known}, {len(report.claims)} claims ({by_status}), "
                f"{report.sources} sources."
            )
        )

    def _report_logins(self, report: DemoReport, base_url: str) -> None:
        out = self.stdout
        if report.users_created:
            out.write(f"Created demo users: {', '.join(report.users_created)}.")
        for username in report.users_refused:
            self.stderr.write(
                f"A user named “{username}” already exists and was not created by the demo: it was left unchanged "
                "and is not listed below."
            )
        if not report.logins:
            return
        if not settings.DEBUG:
            self.stderr.write(
                self.style.WARNING(
                    "DEBUG is off: these demo passwords are published in the source code. "
                    "Do not leave these users on a desk that others can reach."
                )
            )
        width = max(len(login.username) for login in report.logins)
        pwidth = max(len(login.password) for login in report.logins)
        out.write("")
        out.write(self.style.MIGRATE_HEADING("Demo logins (local demo only):"))
        out.write(f"  desk:  {base_url}/accounts/login/")
        out.write(f"  admin: {base_url}/admin/")
        out.write(f"  {'username'.ljust(width)}  {'password'.ljust(pwidth)}  role")
        for login in report.logins:
            out.write(f"  {login.username.ljust(width)}  {login.password.ljust(pwidth)}  {login.role}")
        out.write(f"  (passwords are in {data.__name__.replace('.', '/')}.py)")
