import pytest
from django.test import override_settings

from tests.factories import make_user


@pytest.fixture(autouse=True, scope="session")
def _static_files_without_collectstatic():
    """Serve static files from the source folders, as `make run` does.

    Production uses whitenoise's manifest storage, which needs collectstatic
    first; tests render templates and run a live server without that step.
    """
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        WHITENOISE_USE_FINDERS=True,
        WHITENOISE_AUTOREFRESH=True,
    ):
        yield


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Hash test passwords cheaply: PBKDF2's deliberate slowness costs seconds per test."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


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
