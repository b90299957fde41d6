"""Password guessing through the login forms (the desk's and the admin's) is slowed down.

The API's token endpoint has its own throttle (tracker.api.views.TokenThrottle);
without this one, the HTML login pages would be an unthrottled way around it.
Failed attempts are counted per address and username in the shared throttle cache, so one
guesser behind a shared proxy cannot lock everybody else out.
"""

from __future__ import annotations

import hashlib

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import caches

from tracker.clients import client_address

MAX_FAILURES = 10
WINDOW_SECONDS = 5 * 60
TOO_MANY = "Too many failed log-ins for this username from your address. Wait a few minutes and try again."


def _key(request, username: str) -> str:
    address = client_address(request) if request is not None else ""
    who = hashlib.sha256(f"{address}\n{username.strip().lower()}".encode()).hexdigest()
    return f"factdesk:login-failures:{who}"


def failures(request, username: str) -> int:
    """Return how many failed log-ins this address made for username in the current window."""
    return caches["throttle"].get(_key(request, username), 0)


def record_failure(request, username: str) -> None:
    key = _key(request, username)
    cache = caches["throttle"]
    # The window runs from the first failure: incr keeps the expiry add() set.
    if not cache.add(key, 1, WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between the two calls
            cache.add(key, 1, WINDOW_SECONDS)


class ThrottledLoginMixin:
    """Refuse to check a password once too many wrong ones were tried; count the wrong ones."""

    def clean(self):
        username = self.data.get("username", "") if hasattr(self.data, "get") else ""
        if not isinstance(username, str):
            username = ""
        if failures(self.request, username) >= MAX_FAILURES:
            raise forms.ValidationError(TOO_MANY, code="throttled")
        try:
            return super().clean()
        except forms.ValidationError as exc:
            if any(error.code == "invalid_login" for error in exc.error_list):
                record_failure(self.request, username)
            raise


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The desk's login form."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Your username and password didn't match. Please try again.",
    }


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form."""
