"""Admin for finding: the fact-check archive, and merging claims from the claim list (tracker.finding.merge)."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from tracker.admin.base import HistoryAdmin, shorten
from tracker.admin.claims import ClaimAdmin
from tracker.finding import merge
from tracker.finding.models import FactCheck
from tracker.models import Claim

MAX_INT = 2**63 - 1


@admin.register(FactCheck)
class FactCheckAdmin(HistoryAdmin):
    list_display = ["short_claim", "rating_label", "publisher", "published_at", "imported_at"]
    list_filter = ["publisher", "language"]
    search_fields = ["claim_reviewed", "headline", "url", "claimant"]
    readonly_fields = ["imported_at", "imported_by", "feed"]
    date_hierarchy = "published_at"

    @admin.display(description="claim reviewed")
    def short_claim(self, factcheck: FactCheck) -> str:
        return shorten(factcheck.headline or factcheck.claim_reviewed, 100)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.imported_by = request.user
        super().save_model(request, obj, form, change)


class MergeForm(forms.Form):
    into = forms.IntegerField(min_value=1, max_value=MAX_INT, label="Merge into claim #")

    def clean_into(self):
        target = Claim.objects.filter(pk=self.cleaned_data["into"]).first()
        if target is None:
            raise forms.ValidationError("No claim outside the trash has this number.")
        return target


@admin.action(permissions=["delete"], description="Merge selected claims into another claim…")
def merge_into(modeladmin: ClaimAdmin, request, queryset):
    form = MergeForm(request.POST if "apply" in request.POST else None)
    if form.is_valid():
        target = form.cleaned_data["into"]
        modeladmin.apply_each(
            request,
            queryset.exclude(pk=target.pk),
            lambda claim: merge.merge_claims(
                claim, into=target, by=request.user, expected_version=modeladmin.seen_version(request, claim)
            ),
            done=f"Merged %(count)d %(claims)s into #{target.pk}; they are in the trash.",
        )
        return None
    return modeladmin.confirm(
        request,
        queryset,
        action="merge_into",
        title="Merge claims into another claim",
        intro="Each claim's appearances and evidence move to the claim you name; it then goes to the trash saying "
        "“merged into #N”. Only new or researching claims can be merged.",
        form=form,
        submit="Merge them",
    )


# The claim admin lives with the ledger; merging is finding's, so its action is added from here.
ClaimAdmin.actions = [*ClaimAdmin.actions, merge_into]
