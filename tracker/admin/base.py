"""Shared pieces of the admin classes."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject, ModelChange

from tracker import claims
from tracker.errors import DeskError
from tracker.models import Claim
from tracker.workflow import ClaimFrozen, StaleVersion

# Largest id a bigint column holds; a bigger number names no row.
MAX_ID = 2**63 - 1


def unset(value):
    return None if isinstance(value, DeletedObject) and value.pk is None else value


def is_valid_id(model, raw) -> bool:
    """Whether raw (from a URL or a form) could be the primary key of a row of model."""
    try:
        value = model._meta.pk.to_python(unquote(str(raw)))
    except (ValidationError, ValueError, TypeError):
        return False
    return not isinstance(value, int) or 1 <= value <= MAX_ID


def refusal_text(exc: DeskError | ValidationError) -> str:
    """What the admin user is told about a refusal; a stale claim says who changed what since it was read."""
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    if isinstance(exc, StaleVersion) and exc.seen is not None:
        return stale_message(exc.current, exc.seen)
    return str(exc)


def add_refusal(form, exc: DeskError) -> None:
    """Put a domain refusal on the form field it names, or above the form when the form has no such field."""
    field = exc.field if exc.field in form.fields else None
    message = refusal_text(exc)
    # The form's own checks may already say it (the duplicate is visible by now); once is enough.
    if message not in [str(text) for errors in form.errors.values() for text in errors]:
        form.add_error(field, message)
    if isinstance(exc, ClaimFrozen):
        for name in Claim.FROZEN_FIELDS:
            if name in form.fields and name in form.changed_data:
                form.add_error(name, "Frozen in this status.")


@contextmanager
def refusals_on(form):
    """Show a DeskError raised inside (a check in a form's or formset's clean()) on that form, by add_refusal.

    A formset has no fields of its own: its refusal goes above its rows.
    """
    try:
        yield
    except DeskError as exc:
        if not hasattr(form, "fields"):
            raise ValidationError(refusal_text(exc)) from exc
        add_refusal(form, exc)


def stale_message(current: Claim, seen_version: int) -> str:
    """Say who changed the claim since seen_version and which fields, for a refused stale form."""
    records = list(current.history.filter(version__gte=seen_version).order_by("history_date", "history_id"))
    # The last record of that version: tags set after a save share its version.
    seen = next((r for r in reversed(records) if r.version == seen_version), None)
    later = [r for r in records if r.version > seen_version]
    who = sorted({str(r.history_user) for r in later if r.history_user is not None})
    changed = []
    if seen is not None and later:
        names = [
            change.field for change in later[-1].diff_against(seen, included_fields=claims.EDITABLE_FIELDS).changes
        ]
        # diff_against() skips fields forms do not edit, such as the status.
        names += [name for name in ("status", "deleted_at") if getattr(later[-1], name) != getattr(seen, name)]
        for name in names:
            label = Claim._meta.get_field(name).verbose_name
            if name == "tags":
                changed.append(label)
                continue
            value = getattr(current, f"get_{name}_display", lambda n=name: getattr(current, n))()
            text = str(value) if value not in (None, "") else "empty"
            changed.append(f"{label} (now “{text[:60]}{'…' if len(text) > 60 else ''}”)")
    by = f" by {', '.join(who)}" if who else ""
    what = f": {'; '.join(changed)}" if changed else ""
    return (
        f"Not saved: this claim was changed{by} after you opened it (version {seen_version} → {current.version})"
        f"{what}. Reload the page to see the claim as it is now, then apply your change again."
    )


class SafeInputAdmin(admin.ModelAdmin):
    """Answer malformed addresses and forms with a message or a 404 where Django's admin would raise a 500.

    The admin passes some input straight to the database: a NUL byte that
    PostgreSQL refuses in a text comparison, a year no date can hold, an id
    that is not a number.

    It is also the admin's one map from domain refusals to answers: a DeskError
    raised while saving (a duplicate stored by someone else between the form's
    checks and the save, a role the domain refuses) shows the form again with
    the refusal on its field, and actions report one with ``refuse``.
    """

    def refuse(self, request, exc: DeskError | ValidationError, about: str = "") -> None:
        """Tell the admin user why the domain refused, as an error message (for actions and inline saves)."""
        message = refusal_text(exc)
        self.message_user(request, f"{about}: {message}" if about else message, messages.ERROR)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DeskError as exc:
            if request.method != "POST":
                raise
            # The save ran in the admin's transaction, which the exception rolled back; the
            # same submission is validated again with the refusal added, so the page shows
            # the person's input with the reason instead of a 500.
            request._desk_refusal = exc
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "_desk_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                add_refusal(self, refusal)
                return cleaned

        RefusedForm.__name__ = form_class.__name__
        return RefusedForm

    def get_search_results(self, request, queryset, search_term):
        if "\x00" in search_term:
            return queryset.none(), False  # no stored text holds a NUL byte
        return super().get_search_results(request, queryset, search_term)

    def get_changelist_instance(self, request):
        if any("\x00" in value for _, values in request.GET.lists() for value in values):
            raise IncorrectLookupParameters("NUL byte in a filter.")  # the admin then shows the unfiltered list
        if self.date_hierarchy:
            for part in ("year", "month", "day"):
                value = request.GET.get(f"{self.date_hierarchy}__{part}", "").strip()
                if value.lstrip("-").isdigit() and len(value) > 5:
                    raise IncorrectLookupParameters(f"No date has this {part}.")
        return super().get_changelist_instance(request)

    def response_action(self, request, queryset):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if not all(is_valid_id(self.model, raw) for raw in selected):
            self.message_user(request, "The selection names rows that do not exist; nothing was done.", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset)


class HistoryAdmin(SafeInputAdmin, SimpleHistoryAdmin):
    """A model admin with simple-history's history page, whose past versions can be read but not restored.

    simple-history's version page saves a POSTed form straight to the model,
    past every rule of the domain; history here is a record, never a door.
    """

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    # Which fields the history table compares: None for every form field, and
    # fields forms do not edit (diff_against() skips those) to compare as well.
    history_diff_fields: list[str] | None = None
    history_extra_fields: list[str] = []

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current, included_fields=self.history_diff_fields, foreign_keys_are_objs=foreign_keys_are_objs
                )
                # simple-history shows an empty foreign key as "Deleted <model> (pk=None)".
                delta.changes[:] = [
                    dataclasses.replace(change, old=unset(change.old), new=unset(change.new))
                    for change in delta.changes
                ]
                for name in self.history_extra_fields:
                    old, new = getattr(current, name), getattr(previous, name)
                    if old != new:
                        delta.changes.append(ModelChange(name, old, new))
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    def history_view(self, request, object_id, extra_context=None):
        # simple-history looks the id up unchecked: "abc" would be a 500.
        if not is_valid_id(self.model, object_id):
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not (is_valid_id(self.model, object_id) and is_valid_id(self.model.history.model, version_id)):
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdmin(SafeInputAdmin):
    """An admin for append-only records: listed and shown, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def shorten(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
