"""Admin of what hangs off a claim: appearances, evidence, the workflow's records and the trash."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from tracker import claims, roles, workflow
from tracker.admin.base import HistoryAdmin, ReadOnlyAdmin, SafeInputAdmin, shorten
from tracker.admin.forms import AppearanceForm, EvidenceForm
from tracker.errors import DeskError
from tracker.models import Appearance, Correction, Evidence, TrashedClaim, VerificationEvent


def adopt(obj, created) -> None:
    """Make the object the admin is working with the row the domain just created."""
    obj.pk = created.pk
    obj.refresh_from_db()
    obj._state.adding = False


@admin.register(Appearance)
class AppearanceAdmin(HistoryAdmin):
    form = AppearanceForm
    list_display = ["short_quote", "claim", "article", "start", "end", "anchor_state"]
    list_filter = ["anchor_state", "article__outlet", "article__language"]
    list_select_related = ["claim", "article"]
    search_fields = ["quote", "attribution", "claim__text", "article__title"]
    autocomplete_fields = ["claim", "article"]
    readonly_fields = ["end", "prefix", "suffix", "anchor_state", "created_by", "created_at"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(claim__deleted_at__isnull=True)

    @admin.display(description="quote", ordering="quote")
    def short_quote(self, obj) -> str:
        return shorten(obj.quote, 80)

    def has_delete_permission(self, request, obj=None) -> bool:
        # A claim keeps at least one appearance.
        if obj is not None and obj.claim.appearances.count() <= 1:
            return False
        return super().has_delete_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # An appearance belongs to its claim and its article; moving it would skip the claim's lock.
            fields += ["claim", "article"]
        return fields

    def save_model(self, request, obj, form, change):
        if change:
            changes = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in claims.APPEARANCE_EDITABLE_FIELDS
            }
            adopt(obj, claims.change_appearance(obj, changes, by=request.user))
        else:
            adopt(obj, claims.add_appearance(form.cleaned_data["claim"], form.as_input(), by=request.user))

    def delete_model(self, request, obj):
        claims.remove_appearance(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for appearance in queryset.select_related("claim"):
            try:
                claims.remove_appearance(appearance, by=request.user)
            except (DeskError, ValidationError) as exc:
                self.refuse(request, exc, f"“{shorten(appearance.quote, 60)}” stays")


@admin.register(Evidence)
class EvidenceAdmin(HistoryAdmin):
    form = EvidenceForm
    list_display = ["source", "stance", "claim", "added_by", "added_at"]
    list_filter = ["stance", "source__kind"]
    list_select_related = ["claim", "source", "added_by"]
    search_fields = ["excerpt", "note", "source__title", "source__url", "claim__text"]
    autocomplete_fields = ["claim", "source"]
    readonly_fields = ["added_by", "added_at"]
    date_hierarchy = "added_at"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(claim__deleted_at__isnull=True)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and not roles.can_edit_claim(request.user, obj.claim):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and not (obj.claim.is_editable and roles.can_edit_claim(request.user, obj.claim)):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            changes = {name: data[name] for name in form.changed_data if name in claims.EVIDENCE_EDITABLE_FIELDS}
            claims.change_evidence(obj, changes, by=request.user)
        else:
            created = claims.add_evidence(
                data["claim"],
                source=data["source"],
                stance=data["stance"],
                excerpt=data.get("excerpt", ""),
                note=data.get("note", ""),
                by=request.user,
            )
            adopt(obj, created)

    def delete_model(self, request, obj):
        claims.remove_evidence(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for evidence in queryset.select_related("claim", "source"):
            try:
                claims.remove_evidence(evidence, by=request.user)
            except (DeskError, ValidationError) as exc:
                self.refuse(request, exc, str(evidence))


@admin.register(VerificationEvent)
class VerificationEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "claim", "from_status", "to_status", "actor", "rating", "short_note"]
    list_filter = ["to_status", "from_status", ("actor", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["claim", "actor", "rating"]
    search_fields = ["claim__text", "note", "actor__username"]
    date_hierarchy = "at"

    @admin.display(description="note")
    def short_note(self, obj) -> str:
        return shorten(obj.note, 80)


@admin.register(Correction)
class CorrectionAdmin(ReadOnlyAdmin):
    list_display = ["at", "claim", "previous_rating", "new_rating", "short_note"]
    list_filter = ["new_rating"]
    list_select_related = ["claim", "previous_rating", "new_rating"]
    search_fields = ["claim__text", "note"]
    date_hierarchy = "at"

    @admin.display(description="note")
    def short_note(self, obj) -> str:
        return shorten(obj.note, 80)


@admin.register(TrashedClaim)
class TrashAdmin(SafeInputAdmin):
    """Claims in the trash: listed, shown and restored through tracker.workflow.restore."""

    list_display = ["short_text", "status", "claimant", "deleted_at", "deleted_by", "history_link"]
    list_filter = ["status", ("deleted_by", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["claimant", "deleted_by"]
    search_fields = ["text", "claimant__name", "appearances__quote"]
    date_hierarchy = "deleted_at"
    actions = ["restore_selected"]
    fields = [
        "text",
        "claimant",
        ("status", "rating"),
        "verdict_summary",
        ("deleted_at", "deleted_by"),
        ("created_by", "created_at", "version"),
    ]
    change_form_template = "admin/tracker/trashedclaim/change_form.html"

    def get_queryset(self, request):
        return TrashedClaim.all_objects.trashed().order_by("-deleted_at", "-id")

    @admin.display(description="claim", ordering="text")
    def short_text(self, obj) -> str:
        return shorten(obj.text, 100)

    @admin.display(description="history")
    def history_link(self, obj) -> str:
        return format_html('<a href="{}">History</a>', reverse("admin:tracker_claim_history", args=[obj.pk]))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # nothing an editor does is lost: the trash is never emptied

    def has_restore_permission(self, request) -> bool:
        return roles.can_trash(request.user)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_restore"] = self.has_restore_permission(request)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="{}_{}_restore".format(*info),
            ),
            *super().get_urls(),
        ]

    def restore_view(self, request, object_id):
        if not self.has_restore_permission(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        claim = self.get_object(request, unquote(object_id))
        if claim is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        try:
            workflow.restore(claim, by=request.user)
        except (DeskError, ValidationError) as exc:
            self.refuse(request, exc)
            return HttpResponseRedirect(reverse("admin:tracker_trashedclaim_changelist"))
        self.log_change(request, claim, "Restored from the trash.")
        self.message_user(request, f"“{shorten(claim.text, 60)}” is back on the desk.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:tracker_claim_change", args=[claim.pk]))

    @admin.action(permissions=["restore"], description="Restore selected claims")
    def restore_selected(self, request, queryset):
        restored = 0
        for claim in queryset:
            try:
                workflow.restore(claim, by=request.user)
            except (DeskError, ValidationError) as exc:
                self.refuse(request, exc, f"“{shorten(claim.text, 60)}”")
            else:
                self.log_change(request, claim, "Restored from the trash.")
                restored += 1
        if restored:
            self.message_user(request, f"Restored {restored} claim(s).", messages.SUCCESS)
