"""DESIGN §4: when the database cannot be reached, the API answers 503 JSON with Retry-After, pages a plain 503."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError, connection

from tests.factories import make_claim

REPO = Path(__file__).resolve().parent.parent


def refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("server closed the connection unexpectedly")


@pytest.mark.django_db
class DatabaseDownTests:
    @pytest.mark.parametrize("path", ["/api/v1/claims/", "/api/v1/outlets/", "/api/v1/claimreview/"])
    def test_api_answers_503_json_with_retry_after(self, client, editor, path):
        client.force_login(editor)
        with connection.execute_wrapper(refuse_every_query):
            response = client.get(path)
        assert response.status_code == 503
        assert response["Content-Type"] == "application/json"
        assert "database" in response.json()["detail"]
        assert int(response["Retry-After"]) > 0

    def test_a_write_answers_503_and_writes_nothing(self, client, editor):
        claim = make_claim(by=editor)
        client.force_login(editor)
        with connection.execute_wrapper(refuse_every_query):
            response = client.patch(
                f"/api/v1/claims/{claim.pk}/",
                {"priority": "high"},
                content_type="application/json",
                HTTP_IF_MATCH=claim.etag,
            )
        assert response.status_code == 503
        claim.refresh_from_db()
        assert claim.priority == "normal"

    @pytest.mark.parametrize("path", ["/", "/claims/", "/fact-checks/", "/accounts/login/"])
    def test_pages_answer_a_plain_503(self, client, editor, path):
        client.force_login(editor)
        with connection.execute_wrapper(refuse_every_query):
            response = client.get(path)
        assert response.status_code == 503
        assert response["Content-Type"].startswith("text/html")
        assert "cannot reach its database" in response.content.decode()
        assert int(response["Retry-After"]) > 0


def test_an_unreachable_server_gives_503_not_500():
    """A real refused connection (nothing listens on the port), in a fresh process with DEBUG off."""
    script = (
        "import django; django.setup(); from django.test import Client; c = Client(); "
        "r = c.get('/api/v1/claims/'); print(r.status_code, r['Retry-After'], r['Content-Type']); "
        "c.cookies['sessionid'] = 'a' * 32; r = c.get('/claims/'); print(r.status_code, r['Retry-After'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": "postgres://nobody@127.0.0.1:9/factdesk",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    api, page = result.stdout.split("\n")[:2]
    assert api == "503 30 application/json"
    assert page == "503 30"
