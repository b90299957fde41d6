import pytest
from django.test import Client

from tests.factories import ArticleFactory, make_claim, make_user, ready_for_review
from tracker import workflow

ROLES = ["reporter", "editor", "reviewer", "admin"]


@pytest.fixture
def client_for(db):
    """Return a function giving a test client logged in as a new user of that role, or as the given user."""

    def make(who) -> Client:
        user = make_user(who) if isinstance(who, str) else who
        client = Client(enforce_csrf_checks=False)
        client.force_login(user)
        client.user = user
        return client

    return make


@pytest.fixture
def article(db):
    return ArticleFactory(title="Patriot systems for Ukraine")


@pytest.fixture
def new_claim(reporter, article):
    return make_claim(by=reporter, article=article)


@pytest.fixture
def published_claim(editor, reviewer):
    claim = make_claim(text="The contract is worth around $5.5 billion.", quote="around $5.5 billion")
    workflow.transition(claim, to="researching", by=editor)
    ready_for_review(claim, by=editor, rating="mostly-true")
    workflow.transition(claim, to="in_review", by=editor)
    return workflow.transition(claim, to="published", by=reviewer)
