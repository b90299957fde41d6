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


@pytest.fixture(autouse=True, scope="session")
def _lexical_matching_unless_asked():
    """Match lexically, as the default install does, even where the semantic extra is installed.

    Embedding every claim a test logs would cost the suite minutes; tests/finding/test_semantic.py
    turns the layer on for its own tests (and is skipped, saying why, without the extra).
    """
    with override_settings(FACTDESK_SEMANTIC=False):
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


@pytest.fixture(autouse=True)
def _no_packet_leaves_loopback(monkeypatch):
    """No test fetches outside 127.0.0.0/8 or ::1 (the project's network rule), whatever URL it gives.

    Names other than localhost are not looked up at all (a DNS query is a packet
    too); IP literals are returned as they are, so the address check still
    judges them; and no connection is opened to anything but loopback.
    """
    import ipaddress

    from tracker.inbox import fetching

    def resolve(host, port):
        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            if host == "localhost":
                return ["127.0.0.1"]
            raise fetching.FetchError(f"The host {host} cannot be found (tests resolve no names).") from None

    real_pool = fetching._pool

    def pool(target, timeout):
        if not ipaddress.ip_address(target.address).is_loopback:
            raise fetching.FetchError(f"Tests connect only to loopback, not {target.address}.")
        return real_pool(target, timeout)

    monkeypatch.setattr(fetching, "resolve", resolve)
    monkeypatch.setattr(fetching, "_pool", pool)
