"""The claim admin: logging, editing, the workflow panel and actions, the trash.

Every write goes through tracker.claims or tracker.workflow: the admin parses
forms, calls the domain and reports its refusals on the page.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import model_ngettext, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from tracker import claims, history, roles, workflow
from tracker.admin.base import HistoryAdmin, add_refusal, refusals_on, shorten
from tracker.admin.forms import (
    AppearanceForm,
    BulkTransitionForm,
    ClaimAdminForm,
    EvidenceForm,
    PriorityForm,
    TagNameForm,
    TransitionForm,
)
from tracker.errors import DeskError
from tracker.models import Appearance, Article, Claim, Claimant, Evidence, Source

Status = Claim.Status
STATUS_LABELS = dict(Status.choices)


# Timeline values that are ids (as the API gives them), and where their names are.
TIMELINE_IDS = {"claimant": Claimant, "article": Article, "source": Source}


def related_names(entries) -> dict[str, dict[int, str]]:
    """Return {field: {id: name}} for the ids in the timeline's changes, a query per kind."""
    ids: dict[str, set] = {name: set() for name in TIMELINE_IDS}
    for entry in entries:
        for name, change in entry.changes.items():
            if name in ids:
                ids[name].update(v for v in (change["old"], change["new"]) if isinstance(v, int))
    return {
        name: {obj.pk: str(obj) for obj in TIMELINE_IDS[name].objects.filter(pk__in=ids[name])}
        for name in TIMELINE_IDS
        if ids[name]
    }


def shown(value, names: dict | None = None) -> str:
    """Return a value of the timeline as the history page shows it."""
    if value is None or value == "" or value == []:
        return "—"
    if names is not None and value in names:
        return f"{names[value]} (#{value})"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


class DomainFormSet(BaseInlineFormSet):
    """An inline formset that knows who is saving, for the domain calls."""

    request = None  # set by the inline's get_formset

    @property
    def user(self):
        return self.request.user

    def live_forms(self):
        """Yield the valid forms that add or change a row (not deleted, not left empty)."""
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if not form.has_changed() or form.errors:
                continue
            yield form


class AppearanceFormSet(DomainFormSet):
    default_error_messages = {
        "too_few_forms": "A claim needs at least one appearance: an article and the exact quote as it stands there."
    }

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if form.errors:
                continue
            moved_to = (getattr(form, "cleaned_data", None) or {}).get("article")
            if (
                form.instance.pk
                and moved_to is not None
                and getattr(moved_to, "pk", moved_to) != form.instance.article_id
            ):
                raise ValidationError("An appearance stays in its article: to quote another one, add an appearance.")
            if form.instance.pk and not form.has_changed():
                # Untouched (or shown read-only): the stored anchor stands.
                key = (form.instance.article_id, form.instance.start, form.instance.end)
            else:
                data = getattr(form, "cleaned_data", None) or {}
                if not data.get("article") or data.get("start") is None:
                    continue
                key = (data["article"].pk, data["start"], data["start"] + len(data["quote"]))
            if key in seen:
                raise ValidationError("The same quote in the same article is given twice.")
            seen.add(key)

    def save_new(self, form, commit=True):
        return claims.add_appearance(self.instance, form.as_input(), by=self.user)

    def save_existing(self, form, obj, commit=True):
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in claims.APPEARANCE_EDITABLE_FIELDS
        }
        return claims.change_appearance(obj, changes, by=self.user)

    def delete_existing(self, obj, commit=True):
        if commit:
            claims.remove_appearance(obj, by=self.user)


class EvidenceFormSet(DomainFormSet):
    def clean(self):
        super().clean()
        if self.instance.pk is None:
            return
        forms = list(self.live_forms())
        changing = any(form.instance.pk for form in forms) or bool(self.deleted_forms)
        with refusals_on(self):
            if changing:
                claims.check_evidence_editable(self.instance, self.user)
            elif forms:
                claims.check_evidence_editable(self.instance, self.user, adding=True)

    def save_new(self, form, commit=True):
        data = form.cleaned_data
        return claims.add_evidence(
            self.instance,
            source=data["source"],
            stance=data["stance"],
            excerpt=data.get("excerpt", ""),
            note=data.get("note", ""),
            by=self.user,
        )

    def save_existing(self, form, obj, commit=True):
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in claims.EVIDENCE_EDITABLE_FIELDS
        }
        return claims.change_evidence(obj, changes, by=self.user)

    def delete_existing(self, obj, commit=True):
        if commit:
            claims.remove_evidence(obj, by=self.user)


class DomainInline(admin.StackedInline):
    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request
        return formset


class AppearanceInline(DomainInline):
    model = Appearance
    form = AppearanceForm
    formset = AppearanceFormSet
    fields = [("article", "start"), "quote", "attribution", "in_context", ("end", "anchor")]
    readonly_fields = ["in_context", "end", "anchor"]
    autocomplete_fields = ["article"]
    extra = 0
    min_num = 1

    def get_formset(self, request, obj=None, **kwargs):
        # The admin passes min_num on but not validate_min, which makes it a rule.
        return super().get_formset(request, obj, validate_min=True, **kwargs)

    @admin.display(description="anchor state")
    def anchor(self, obj) -> str:
        return obj.get_anchor_state_display() if obj is not None and obj.pk else "—"

    @admin.display(description="in the article")
    def in_context(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "—"
        return format_html("…{}<mark>{}</mark>{}…", obj.prefix, obj.quote, obj.suffix)


class EvidenceInline(DomainInline):
    model = Evidence
    form = EvidenceForm
    formset = EvidenceFormSet
    fields = [("source", "stance"), "excerpt", "note", ("added_by", "added_at")]
    readonly_fields = ["added_by", "added_at"]
    autocomplete_fields = ["source"]
    extra = 0


class PublishedFilter(admin.SimpleListFilter):
    title = "public verdict"
    parameter_name = "public"

    def lookups(self, request, model_admin):
        return [("yes", "Has a public verdict"), ("no", "Never published")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(public_snapshot__isnull=False)
        if self.value() == "no":
            return queryset.filter(public_snapshot__isnull=True)
        return queryset


@admin.register(Claim)
class ClaimAdmin(HistoryAdmin):
    form = ClaimAdminForm
    list_display = [
        "short_text",
        "status",
        "rating",
        "claimant",
        "assignee",
        "priority",
        "tag_list",
        "updated_at",
    ]
    list_filter = [
        "status",
        "priority",
        ("assignee", admin.RelatedOnlyFieldListFilter),
        "rating",
        "tags",
        PublishedFilter,
    ]
    list_select_related = ["claimant", "rating", "assignee"]
    search_fields = ["text", "verdict_summary", "claimant__name", "appearances__quote"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["claimant", "rating", "tags"]
    inlines = [AppearanceInline, EvidenceInline]
    actions = ["change_status", "assign_to_me", "set_priority", "add_tag", "delete_selected"]
    view_on_site = False
    list_per_page = 50
    # The pager's count is enough; a second COUNT over every claim is not.
    show_full_result_count = False
    save_on_top = True
    readonly_fields = [
        "status",
        "version",
        "created_by",
        "created_at",
        "updated_at",
        "published_at",
        "last_published_at",
        "public_verdict",
    ]
    object_history_template = "admin/tracker/claim/object_history.html"
    history_diff_fields = list(claims.EDITABLE_FIELDS)
    history_extra_fields = ["status", "version", "deleted_at"]
    delete_confirmation_template = "admin/tracker/claim/delete_confirmation.html"

    # -- lists -------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description="claim", ordering="text")
    def short_text(self, obj) -> str:
        return shorten(obj.text, 100)

    @admin.display(description="tags")
    def tag_list(self, obj) -> str:
        return ", ".join(tag.name for tag in obj.tags.all())

    @admin.display(description="public verdict (as published)")
    def public_verdict(self, obj) -> str:
        if not obj.public_snapshot:
            return "Not published yet."
        return format_html(
            '<pre style="white-space: pre-wrap">{}</pre>',
            json.dumps(obj.public_snapshot, indent=2, ensure_ascii=False),
        )

    # -- the form ----------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        main = ["text", ("claimant", "claim_date"), "tags", ("assignee", "priority")]
        if obj is None:
            return [(None, {"fields": main})]
        return [
            (None, {"fields": [*main, "expected_version"]}),
            ("Verdict", {"fields": ["rating", "verdict_summary", "verdict_explanation"]}),
            (
                "Workflow",
                {
                    "fields": [
                        ("status", "version"),
                        ("created_by", "created_at", "updated_at"),
                        ("published_at", "last_published_at"),
                    ],
                    "description": "Status changes only through the workflow panel above or the list's actions.",
                },
            ),
            ("What the public sees", {"fields": ["public_verdict"], "classes": ["collapse"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not obj.is_editable:
            # Shown, not offered: the workflow freezes them outside new/researching.
            fields += list(Claim.FROZEN_FIELDS)
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assignee":
            kwargs["queryset"] = roles.desk_members()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        user = request.user
        if obj is None:
            return roles.can_edit_any_claim(user) or user.has_perm("tracker.change_own_claim")
        return roles.can_edit_claim(user, obj) and not obj.in_trash

    def has_delete_permission(self, request, obj=None) -> bool:
        return roles.can_trash(request.user)

    def has_transition_permission(self, request) -> bool:
        return roles.can_transition(request.user) or roles.can_review(request.user)

    def save_model(self, request, obj, form, change):
        if not change:
            return  # logged with its appearances in save_related, all or nothing
        changes = form.changes()
        claims.edit_claim(obj, changes, by=request.user, expected_version=form.cleaned_data["expected_version"])
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        # Tags are saved by edit_claim / log_claim with the rest of the claim,
        # so Django's own save_m2m (which would bypass them) is never called.
        if not change:
            self.log_claim(request, form, formsets)
        for formset in formsets:
            if not change and formset.model is Appearance:
                continue
            self.save_formset(request, form, formset, change=change)

    def log_claim(self, request, form, formsets) -> Claim:
        appearances = next(fs for fs in formsets if fs.model is Appearance)
        data = form.cleaned_data
        created = claims.log_claim(
            claims.ClaimInput(
                text=data["text"],
                appearances=[f.as_input() for f in appearances.live_forms()],
                claimant=data.get("claimant"),
                claim_date=data.get("claim_date"),
                tags=[tag.name for tag in data.get("tags") or []],
                priority=data.get("priority") or Claim.Priority.NORMAL,
                assignee=data.get("assignee"),
            ),
            by=request.user,
        )
        # The admin goes on with the object its form built: make it the row just created.
        obj = form.instance
        obj.pk = created.pk
        obj.refresh_from_db()
        obj._state.adding = False
        appearances.new_objects = list(created.appearances.all())
        appearances.changed_objects, appearances.deleted_objects = [], []
        return created

    # -- the change page: workflow panel -----------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["workflow_moves"] = [
                {
                    "to": to,
                    "label": STATUS_LABELS[to],
                    "reason": reason,
                    "url": reverse("admin:tracker_claim_transition", args=[obj.pk]) + f"?to={to}",
                }
                for to, reason in workflow.available_transitions(obj, request.user)
            ]
            context["claim_status"] = obj.get_status_display()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/transition/",
                self.admin_site.admin_view(self.transition_view),
                name="{}_{}_transition".format(*info),
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, object_id):
        """Show one move of the workflow with a note field, and make it through tracker.workflow."""
        claim = self.get_object(request, unquote(object_id))
        if claim is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_permission(request, claim) or not self.has_transition_permission(request):
            raise PermissionDenied
        change_url = reverse("admin:tracker_claim_change", args=[claim.pk])
        if request.method == "POST":
            form = TransitionForm(request.POST)
            if form.is_valid():
                to, note, version = (form.cleaned_data[k] for k in ("to", "note", "version"))
                try:
                    workflow.transition(claim, to=to, by=request.user, note=note, expected_version=version)
                except DeskError as exc:
                    add_refusal(form, exc)
                else:
                    self.message_user(request, f"The claim is now {STATUS_LABELS[to].lower()}.", messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        else:
            to = request.GET.get("to", "")
            if to not in STATUS_LABELS:
                self.message_user(request, "Choose a move from the workflow panel.", messages.ERROR)
                return HttpResponseRedirect(change_url)
            form = TransitionForm(initial={"to": to, "version": claim.version})
        to = form["to"].value()
        rule = workflow.TRANSITIONS.get((claim.status, to))
        context = {
            **self.admin_site.each_context(request),
            "title": f"Move to {STATUS_LABELS.get(to, to).lower()}",
            "subtitle": None,
            "opts": self.opts,
            "original": claim,
            "form": form,
            "target_label": STATUS_LABELS.get(to, to),
            "note_hint": rule.note_label if rule and rule.note_required else "",
            "change_url": change_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/claim/transition.html", context)

    # -- history -----------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        try:
            claim = Claim.all_objects.filter(pk=unquote(object_id)).first()
        except (ValueError, ValidationError):
            claim = None
        if claim is not None and self.has_view_or_change_permission(request, claim):
            entries = history.claim_timeline(claim)
            names = related_names(entries)
            timeline = [
                {
                    "entry": entry,
                    "what": entry.kind_label,
                    "changes": [
                        (name, shown(c["old"], names.get(name)), shown(c["new"], names.get(name)))
                        for name, c in entry.changes.items()
                    ],
                }
                for entry in entries
            ]
            extra_context = {**(extra_context or {}), "timeline": timeline}
        return super().history_view(request, object_id, extra_context)

    # -- delete means trash ------------------------------------------------

    def delete_view(self, request, object_id, extra_context=None):
        return super().delete_view(request, object_id, {**(extra_context or {}), "title": "Move to the trash"})

    def get_deleted_objects(self, objs, request):
        # Nothing is deleted: the claims go to the trash with everything attached.
        objs = list(objs)
        return [str(obj) for obj in objs], {"claims": len(objs)}, set(), []

    def log_deletions(self, request, queryset):
        pass  # logged as a change once each claim is in the trash (see trash_one)

    def trash_one(self, request, claim, expected_version=None) -> None:
        workflow.trash(claim, by=request.user, expected_version=expected_version)
        self.log_change(request, claim, "Moved to the trash.")

    def delete_model(self, request, obj):
        self.trash_one(request, obj)

    def delete_queryset(self, request, queryset):
        self.apply_each(request, queryset, lambda claim: self.trash_one(request, claim))

    def response_delete(self, request, obj_display, obj_id):
        self.message_user(
            request,
            format_html(
                '“{}” was moved to the trash. <a href="{}">The trash</a> can restore it.',
                obj_display,
                reverse("admin:tracker_trashedclaim_changelist"),
            ),
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:tracker_claim_changelist"))

    # -- actions -----------------------------------------------------------

    def apply_each(self, request, queryset, change, *, done: str = "") -> int:
        """Call change(claim) for each claim on its own; report each refusal; return how many succeeded."""
        succeeded = 0
        for claim in queryset:
            try:
                change(claim)
            except (DeskError, ValidationError) as exc:
                self.refuse(request, exc, f"“{shorten(claim.text, 60)}”")
            else:
                succeeded += 1
        if succeeded and done:
            self.message_user(request, done % {"count": succeeded, "claims": model_ngettext(self.opts, succeeded)})
        return succeeded

    def confirm(self, request, queryset, *, action: str, title: str, intro: str, form=None, submit: str):
        """Render the page where a bulk action is confirmed, like Django's delete confirmation."""
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "intro": intro,
            "opts": self.opts,
            "queryset": queryset.select_related("claimant"),
            "form": form,
            "action": action,
            "submit": submit,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media if form is not None else self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/tracker/claim/action_confirmation.html", context)

    @staticmethod
    def seen_version(request, claim) -> int | None:
        """Return the version of claim shown on the confirmation page, so later changes are not overrun."""
        raw = request.POST.get(f"version_{claim.pk}", "")
        return int(raw) if raw.isdigit() and len(raw) < 10 else None

    @admin.action(permissions=["transition"], description="Move selected claims to another status…")
    def change_status(self, request, queryset):
        form = BulkTransitionForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            to, note = form.cleaned_data["to"], form.cleaned_data["note"]
            self.apply_each(
                request,
                queryset,
                lambda claim: workflow.transition(
                    claim, to=to, by=request.user, note=note, expected_version=self.seen_version(request, claim)
                ),
                done=f"Moved %(count)d %(claims)s to {STATUS_LABELS[to].lower()}.",
            )
            return None
        return self.confirm(
            request,
            queryset,
            action="change_status",
            title="Move claims through the workflow",
            intro="Each claim is moved on its own; one the workflow refuses stays as it is, with the reason.",
            form=form,
            submit="Move them",
        )

    @admin.action(permissions=["change"], description="Assign selected claims to me")
    def assign_to_me(self, request, queryset):
        self.apply_each(
            request,
            queryset,
            lambda claim: claims.edit_claim(claim, {"assignee": request.user}, by=request.user, expected_version=None),
            done="Assigned %(count)d %(claims)s to you.",
        )

    @admin.action(permissions=["change"], description="Set the priority of selected claims…")
    def set_priority(self, request, queryset):
        form = PriorityForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            priority = form.cleaned_data["priority"]
            self.apply_each(
                request,
                queryset,
                lambda claim: claims.edit_claim(claim, {"priority": priority}, by=request.user, expected_version=None),
                done=f"Set the priority of %(count)d %(claims)s to {priority}.",
            )
            return None
        return self.confirm(
            request, queryset, action="set_priority", title="Set priority", intro="", form=form, submit="Set priority"
        )

    @admin.action(permissions=["change"], description="Add a tag to selected claims…")
    def add_tag(self, request, queryset):
        form = TagNameForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            name = form.cleaned_data["tag"]

            def tag(claim):
                claims.add_tags(claim, [name], by=request.user, expected_version=self.seen_version(request, claim))

            self.apply_each(request, queryset, tag, done=f"Tagged %(count)d %(claims)s “{name}”.")
            return None
        return self.confirm(
            request, queryset, action="add_tag", title="Add a tag", intro="", form=form, submit="Add tag"
        )

    @admin.action(permissions=["delete"], description="Move selected claims to the trash")
    def delete_selected(self, request, queryset):
        if request.POST.get("apply"):
            self.apply_each(
                request,
                queryset,
                lambda claim: self.trash_one(request, claim, self.seen_version(request, claim)),
                done="Moved %(count)d %(claims)s to the trash.",
            )
            return None
        return self.confirm(
            request,
            queryset,
            action="delete_selected",
            title="Move claims to the trash",
            intro="These claims leave the desk's lists and public pages. Nothing is deleted: "
            "their appearances, evidence and history stay, and the trash can restore them.",
            submit="Yes, move them to the trash",
        )
