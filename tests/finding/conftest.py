"""Fixtures for finding: API clients per role (as tests/api), and the search corpus."""

import pytest
from rest_framework.test import APIClient

from tests.factories import make_user


@pytest.fixture
def api_for(db):
    """Return an APIClient logged in as a new user of the role (None: anonymous)."""

    def build(role: str | None = "editor", user=None) -> APIClient:
        client = APIClient()
        user = user or (make_user(role) if role else None)
        if user is not None:
            client.force_authenticate(user)
        client.user = user
        return client

    return build
