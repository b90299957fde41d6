import pytest

from tests.factories import make_user


@pytest.fixture
def reporter(db):
    return make_user("reporter", username="rita")


@pytest.fixture
def editor(db):
    return make_user("editor", username="eddie")


@pytest.fixture
def other_editor(db):
    return make_user("editor", username="erin")


@pytest.fixture
def reviewer(db):
    return make_user("reviewer", username="rob")


@pytest.fixture
def other_reviewer(db):
    return make_user("reviewer", username="ruth")


@pytest.fixture
def admin_user(db):
    return make_user("admin", username="ada")
