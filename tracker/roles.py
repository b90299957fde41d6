"""Roles of DESIGN §3 as Django groups and permissions, and the checks on them.

The groups and their permissions are created by migration 0003_roles.

Doors ask these functions (never group names directly), so an admin who
grants a permission to one user by hand gets the behaviour they expect.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q

REPORTER = "reporter"
EDITOR = "editor"
REVIEWER = "reviewer"
ROLES = (REPORTER, EDITOR, REVIEWER)


def desk_members():
    """Return the active users who work on the desk (may read claims): who a claim can be assigned to."""
    perm = Permission.objects.filter(codename="view_claim", content_type__app_label="tracker")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__permissions__in=perm) | Q(user_permissions__in=perm))
        .distinct()
        .order_by("username")
    )


def is_staff_member(user) -> bool:
    """Whether the user belongs to the desk and may read drafts, articles and sources."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("tracker.view_claim"))


def can_log(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("tracker.add_claim"))


def can_edit_any_claim(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("tracker.change_claim"))


def can_edit_claim(user, claim) -> bool:
    """Whether user may change this claim's fields, ignoring the freeze (see Claim.is_editable)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.has_perm("tracker.change_claim"):
        return True
    return (
        user.has_perm("tracker.change_own_claim")
        and claim.created_by_id == user.pk
        and claim.status in claim.EDITABLE_STATUSES
    )


def can_edit_article(user, article) -> bool:
    """Whether user may change article's text and details: editors and up, reporters their own imports.

    A reporter's own import stays theirs to correct only while no claim logged
    from it has been published: after that its text is part of the record.
    """
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.has_perm("tracker.change_article"):
        return True
    if not (user.has_perm("tracker.add_article") and article.created_by_id == user.pk):
        return False
    return not article.appearances.filter(
        claim__public_snapshot__isnull=False, claim__deleted_at__isnull=True
    ).exists()


def can_trash(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("tracker.delete_claim"))


def can_transition(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("tracker.transition_claim"))


def can_review(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm("tracker.review_claim"))


def can_manage_feeds(user) -> bool:
    """Whether user may add, change and poll feeds (editors, reviewers, admins)."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("tracker.add_feed"))


def can_comment(user) -> bool:
    return is_staff_member(user) and user.has_perm("tracker.add_comment")


def can_import_factchecks(user) -> bool:
    """Whether user may bring fact-checks into the archive (editors, reviewers, admins)."""
    return bool(user and user.is_authenticated and user.is_active and user.has_perm("tracker.add_factcheck"))


def can_merge(user) -> bool:
    """Whether user may merge one claim into another (editors, reviewers, admins): it trashes the first."""
    return can_trash(user) and can_edit_any_claim(user)
