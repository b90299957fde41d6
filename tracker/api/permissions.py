"""Who may call what (DESIGN §3), asked of tracker.roles and the model permissions it is built on.

Anonymous callers get 401 (never 403) for everything but published claims and
ClaimReview; rows they may not know about are hidden by the views' querysets,
so those answer 404.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from tracker import roles
from tracker.api.filters import trash_requested

_ACTIONS = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add", "PUT": "change", "PATCH": "change"}
_ACTIONS["DELETE"] = "delete"


def _model_perm(request, view) -> bool:
    model = view.permission_model
    action = _ACTIONS.get(request.method)
    if action is None:
        return False
    return request.user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")


def _not_routed(view) -> bool:
    # A method the endpoint does not have: let the view answer 405 rather than 403.
    return hasattr(view, "action_map") and view.action is None


def _outside_answer(request, view) -> bool | None:
    """Answer for callers outside the desk and for methods the endpoint lacks; None for desk members."""
    user = request.user
    if not (user and user.is_authenticated):
        return False
    if _not_routed(view):
        return True  # the view answers 405
    if not roles.is_staff_member(user):
        return False
    return None


class DeskPermission(BasePermission):
    """Desk members by their model permissions: view to read, add to create, change to edit."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        answer = _outside_answer(request, view)
        return _model_perm(request, view) if answer is None else answer


class ClaimPermission(BasePermission):
    """Claims: anyone reads (the queryset decides which rows); writes by role, per action and per claim."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        action = getattr(view, "action", None)
        if request.method in SAFE_METHODS and action in {"list", "retrieve", "claimreview"}:
            if action == "list" and trash_requested(request):
                # The trash is for those who may restore from it (DESIGN §3, §4).
                return _outside_answer(request, view) is None and roles.can_trash(user)
            return True
        answer = _outside_answer(request, view)
        if answer is not None:
            return answer
        if request.method in SAFE_METHODS:
            return True
        if action == "create":
            return roles.can_log(user)
        if action == "transition":
            return roles.can_transition(user) or roles.can_review(user)
        if action in ("destroy", "restore"):
            return roles.can_trash(user)
        if action == "partial_update":
            return roles.can_edit_any_claim(user) or user.has_perm("tracker.change_own_claim")
        return False

    def has_object_permission(self, request, view, obj) -> bool:
        if getattr(view, "action", None) == "partial_update":
            return roles.can_edit_claim(request.user, obj)
        return True


class ClaimPartPermission(BasePermission):
    """Appearances, evidence and history of a claim: desk members read, those who may log claims add."""

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        answer = _outside_answer(request, view)
        if answer is not None:
            return answer
        if request.method in SAFE_METHODS:
            return True
        # Removing evidence is the domain's call (own claims for reporters); it answers 403 itself.
        return roles.can_log(request.user)


class PublicPermission(BasePermission):
    """Published material: anyone may read it (the endpoints have no other method)."""

    def has_permission(self, request, view) -> bool:
        return True
