import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import make_user


@pytest.fixture
def client_for(db):
    """Return an APIClient logged in (by token) as a new user of the role, or as user, or anonymous."""

    def build(role: str | None = "editor", user=None) -> APIClient:
        client = APIClient()
        if user is None and role not in (None, "anonymous"):
            user = make_user(role)
        if user is not None:
            client.force_authenticate(user)
        client.user = user
        return client

    return build


@pytest.fixture
def anon(client_for):
    return client_for("anonymous")


@pytest.fixture
def page_for(db):
    """Return a browser-like test client logged in to the desk as a new user of the role, or as user."""

    def make(who) -> Client:
        user = make_user(who) if isinstance(who, str) else who
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return make
