"""Shared pieces of the admin classes."""

from __future__ import annotations

import dataclasses

from django.contrib import admin
from django.db import models
from django.http import HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject, ModelChange


def unset(value):
    return None if isinstance(value, DeletedObject) and value.pk is None else value


class HistoryAdmin(SimpleHistoryAdmin):
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

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin for append-only records: listed and shown, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def shorten(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"
