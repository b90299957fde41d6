"""The API's own defences: CSRF for browser sessions, none for tokens; an oversized body answered in JSON."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import add_evidence
from tracker.models import Article, Claim, Evidence, Outlet


def session_client(user) -> APIClient:
    """Return a client logged in by session (as a browser is) that checks CSRF like a real server."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
class SessionCsrfTests:
    def test_unsafe_methods_without_the_csrf_token_are_refused(self, editor, claim):
        evidence = add_evidence(claim, by=editor)
        client = session_client(editor)
        version = {"version": claim.version}
        answers = [
            client.post("/api/v1/outlets/", {"name": "Forged outlet"}, format="json"),
            client.patch(f"/api/v1/claims/{claim.pk}/", {**version, "priority": "high"}, format="json"),
            client.post(f"/api/v1/claims/{claim.pk}/transition/", {**version, "to": "researching"}, format="json"),
            client.delete(f"/api/v1/claims/{claim.pk}/evidence/{evidence.pk}/"),
            client.delete(f"/api/v1/claims/{claim.pk}/", version, format="json"),
        ]
        assert [a.status_code for a in answers] == [403] * 5
        assert all("CSRF" in a.json()["detail"] for a in answers)
        stored = Claim.all_objects.get(pk=claim.pk)
        # Version 2: the evidence added above; nothing after it.
        assert (stored.status, stored.priority, stored.version, stored.in_trash) == ("new", "normal", 2, False)
        assert Evidence.objects.filter(pk=evidence.pk).exists()
        assert not Outlet.objects.filter(name="Forged outlet").exists()

    def test_with_the_csrf_token_the_session_may_write(self, editor, claim):
        client = session_client(editor)
        token = client.get("/accounts/login/").cookies["csrftoken"].value
        response = client.patch(
            f"/api/v1/claims/{claim.pk}/",
            {"version": claim.version, "priority": "high"},
            format="json",
            HTTP_X_CSRFTOKEN=token,
        )
        assert response.status_code == 200
        assert response.json()["priority"] == "high"

    def test_token_authentication_needs_no_csrf_token(self, editor):
        token = Token.objects.create(user=editor)
        client = APIClient(enforce_csrf_checks=True)
        response = client.post(
            "/api/v1/outlets/", {"name": "Token outlet"}, format="json", HTTP_AUTHORIZATION=f"Token {token.key}"
        )
        assert response.status_code == 201
        assert Outlet.objects.filter(name="Token outlet").exists()


@pytest.mark.django_db
class OversizedBodyTests:
    def test_a_body_over_the_limit_is_a_json_413_and_stores_nothing(self, editor_client):
        body = json.dumps({"title": "Huge", "body": "z" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
        response = editor_client.post("/api/v1/articles/", body, content_type="application/json")
        assert response.status_code == 413
        assert response.json() == {"detail": "The request body is larger than 5 MB."}
        assert response["Content-Type"] == "application/json"
        assert not Article.objects.filter(title="Huge").exists()
