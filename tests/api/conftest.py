"""Fixtures for the API tests: a client per role and claims at each stage of the workflow."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import ArticleFactory, make_claim, make_user, ready_for_review
from tracker import workflow

ROLES = ["anonymous", "reporter", "editor", "reviewer", "admin"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every test makes several users; the real hasher would dominate the run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    # The token endpoint counts attempts per address in the cache; each test starts from zero.
    cache.clear()


@pytest.fixture
def client_for(db):
    """Return an APIClient logged in (by token) as a new user of the role, or anonymous."""

    def build(role: str | None = "editor", user=None) -> APIClient:
        client = APIClient()
        if user is None and role not in (None, "anonymous"):
            user = make_user(role)
        if user is not None:
            client.force_authenticate(user)
            client.user = user
        else:
            client.user = None
        return client

    return build


@pytest.fixture
def anon(client_for):
    return client_for("anonymous")


@pytest.fixture
def editor_client(client_for, editor):
    return client_for(user=editor)


@pytest.fixture
def reviewer_client(client_for, reviewer):
    return client_for(user=reviewer)


@pytest.fixture
def article(db):
    return ArticleFactory()


@pytest.fixture
def claim(db, editor, article):
    return make_claim(by=editor, article=article)


def publish(claim, *, editor, reviewer, rating: str = "true"):
    """Take claim from new to published through the workflow, as two people."""
    if claim.status == "new":
        claim = workflow.transition(claim, to="researching", by=editor)
    claim = ready_for_review(claim, by=editor, rating=rating)
    claim = workflow.transition(claim, to="in_review", by=editor)
    return workflow.transition(claim, to="published", by=reviewer)


@pytest.fixture
def published_claim(claim, editor, reviewer):
    return publish(claim, editor=editor, reviewer=reviewer)
