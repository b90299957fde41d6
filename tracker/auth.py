"""Permission checks without queries on every request (issue 8).

Django's ModelBackend reads a user's permissions from the database once per
user object, which is once per request: two queries (the user's own, their
groups') on every API call and page. CachedPermissionBackend keeps each
user's permission set in the cache (CACHES: shared Redis in production, see
settings) and drops it whenever what it was computed from changes: the user
row (is_active, is_superuser), their groups or own permissions, a group's
permissions, a group or permission deleted. A change made through the ORM in
one process is seen by every process sharing the cache at once; with a
per-process cache (no CACHE_URL) other processes see it after PERMISSION_TTL
at most.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save

PERMISSION_TTL = 60  # seconds
_GENERATION_KEY = "factdesk:permissions:generation"


def _generation() -> int:
    generation = cache.get(_GENERATION_KEY)
    if generation is None:
        generation = 1
        cache.add(_GENERATION_KEY, generation, None)
    return generation


def _key(user_id) -> str:
    return f"factdesk:permissions:{_generation()}:{user_id}"


class CachedPermissionBackend(ModelBackend):
    """ModelBackend whose per-user permission set lives in the cache between requests."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            key = _key(user_obj.pk)
            perms = cache.get(key)
            if perms is None:
                perms = super().get_all_permissions(user_obj)
                cache.set(key, perms, PERMISSION_TTL)
            user_obj._perm_cache = perms
        return user_obj._perm_cache


def forget_all(**kwargs) -> None:
    """Start a new generation of cached permission sets: every user's is computed again."""
    try:
        cache.incr(_GENERATION_KEY)
    except ValueError:  # not there (expired, or a fresh cache): any new value is a new generation
        cache.set(_GENERATION_KEY, _generation() + 1, None)


def forget_user(sender, instance, **kwargs) -> None:
    cache.delete(_key(instance.pk))


def forget_members(sender, instance, action, pk_set, **kwargs) -> None:
    """A user's own groups or permissions changed: forget that user's set (or every set, when unsure whose)."""
    if not action.startswith("post_"):
        return
    if isinstance(instance, get_user_model()):
        cache.delete(_key(instance.pk))
    elif action == "post_clear" or not pk_set:
        forget_all()
    else:
        cache.delete_many([_key(pk) for pk in pk_set])


def connect() -> None:
    user_model = get_user_model()
    post_save.connect(forget_user, sender=user_model, dispatch_uid="permissions-user-saved")
    post_delete.connect(forget_user, sender=user_model, dispatch_uid="permissions-user-deleted")
    for through in (user_model.groups.through, user_model.user_permissions.through):
        m2m_changed.connect(forget_members, sender=through, dispatch_uid=f"permissions-{through._meta.label}")
    m2m_changed.connect(forget_all, sender=Group.permissions.through, dispatch_uid="permissions-group-permissions")
    for model in (Group, Permission):
        post_save.connect(forget_all, sender=model, dispatch_uid=f"permissions-saved-{model._meta.label}")
        post_delete.connect(forget_all, sender=model, dispatch_uid=f"permissions-deleted-{model._meta.label}")
