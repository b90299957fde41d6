"""python manage.py recount_statuses: rebuild the per-status claim counters from the claims."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from tracker.models import Claim, StatusCount


class Command(BaseCommand):
    help = (
        "Recompute the dashboard's claims-per-status counters exactly from the claims table. The domain keeps "
        "them up to date; run this after changing claims behind its back (raw SQL, a database restored from a "
        "backup). Safe while the desk works: changes made meanwhile are neither lost nor counted twice."
    )

    def handle(self, *args, **options):
        wrong = StatusCount.objects.recount()
        labels = dict(Claim.Status.choices)
        for status, (old, new) in wrong.items():
            self.stdout.write(f"{labels[status]}: {'missing' if old is None else old} → {new}")
        totals = StatusCount.objects.totals()
        summary = ", ".join(f"{labels[status].lower()} {n}" for status, n in totals.items())
        if wrong:
            self.stdout.write(self.style.SUCCESS(f"Corrected {len(wrong)} counter(s); now {summary}."))
        else:
            self.stdout.write(self.style.SUCCESS(f"All counters were right: {summary}."))
