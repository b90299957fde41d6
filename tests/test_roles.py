"""The role table of DESIGN §3, as the groups from migration 0003 and tracker.roles see it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Permission

from tests.factories import make_claim, make_user
from tracker import roles

ROLES = ["reporter", "editor", "reviewer", "admin", None]

# DESIGN §3, row by row: which roles may.
TABLE = {
    "read drafts": {"reporter", "editor", "reviewer", "admin"},
    "log claims": {"reporter", "editor", "reviewer", "admin"},
    "edit any claim": {"editor", "reviewer", "admin"},
    "transition": {"editor", "reviewer", "admin"},
    "review": {"reviewer", "admin"},
    "trash": {"editor", "reviewer", "admin"},
    "rating scale": {"admin"},
    "users": {"admin"},
}


def check(row: str, user, claim=None) -> bool:
    return {
        "read drafts": lambda: roles.is_staff_member(user),
        "log claims": lambda: roles.can_log(user),
        "edit any claim": lambda: roles.can_edit_claim(user, claim),
        "transition": lambda: roles.can_transition(user),
        "review": lambda: roles.can_review(user),
        "trash": lambda: roles.can_trash(user),
        "rating scale": lambda: user.has_perm("tracker.change_rating") and user.has_perm("tracker.add_rating"),
        "users": lambda: user.has_perm("auth.change_user") and user.has_perm("auth.add_user"),
    }[row]()


class RoleTableTests:
    @pytest.mark.django_db
    @pytest.mark.parametrize("row", list(TABLE))
    @pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "no-group")
    def test_role_table(self, role, row):
        user = make_user(role)
        claim = make_claim(by=make_user("editor"))
        assert check(row, user, claim) is (role in TABLE[row])

    @pytest.mark.django_db
    @pytest.mark.parametrize("row", list(TABLE))
    def test_anonymous_may_do_nothing(self, row):
        claim = make_claim(by=make_user("editor"))
        assert check(row, AnonymousUser(), claim) is False

    @pytest.mark.django_db
    @pytest.mark.parametrize("row", ["read drafts", "log claims", "edit any claim", "transition", "trash"])
    def test_deactivated_users_lose_their_role(self, row):
        user = make_user("reviewer")
        user.is_active = False
        user.save()
        assert check(row, user, make_claim(by=make_user("editor"))) is False

    @pytest.mark.django_db
    def test_reporter_edits_own_claims_while_open_only(self, reporter, editor):
        own = make_claim(by=reporter)
        assert roles.can_edit_claim(reporter, own) is True
        assert roles.can_edit_claim(reporter, make_claim(by=editor)) is False
        for status, editable in [("researching", True), ("in_review", False), ("published", False)]:
            own.status = status  # a row in memory only: the check reads the status it is given
            assert roles.can_edit_claim(reporter, own) is editable

    @pytest.mark.django_db
    def test_a_permission_granted_by_hand_counts(self):
        user = make_user(None)
        user.user_permissions.add(Permission.objects.get(codename="review_claim"))
        user = type(user).objects.get(pk=user.pk)  # permissions are cached per instance
        assert roles.can_review(user) is True
        assert roles.can_transition(user) is False
