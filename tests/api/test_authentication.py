"""API tokens read by one statement (tracker.api.authentication): the same user and refusals as DRF's own."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import make_user
from tracker.api.authentication import token_with_user

pytestmark = pytest.mark.django_db


def client_with(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_token_and_its_user_are_the_orms_in_one_query():
    user = make_user("editor")
    key = Token.objects.create(user=user).key
    with CaptureQueriesContext(connection) as captured:
        token = token_with_user(Token, key)
    assert len(captured) == 1
    expected = Token.objects.select_related("user").get(key=key)
    assert (token.key, token.user_id, token.created) == (expected.key, expected.user_id, expected.created)
    fields = [f.attname for f in type(user)._meta.concrete_fields]
    assert [getattr(token.user, f) for f in fields] == [getattr(expected.user, f) for f in fields]
    assert token.user.groups.filter(name="editor").exists()
    assert token_with_user(Token, "no-such-key") is None


def test_a_token_answers_until_it_is_deleted_or_its_user_deactivated():
    user = make_user("editor")
    token = Token.objects.create(user=user)
    client = client_with(token.key)
    assert client.get("/api/v1/claims/").status_code == 200
    user.is_active = False
    user.save()
    refused = client.get("/api/v1/claims/")
    assert refused.status_code == 401 and refused.json()["detail"] == "User inactive or deleted."
    user.is_active = True
    user.save()
    assert client.get("/api/v1/claims/").status_code == 200
    token.delete()
    refused = client.get("/api/v1/claims/")
    assert refused.status_code == 401 and refused.json()["detail"] == "Invalid token."
    assert client_with("x" * 500).get("/api/v1/claims/").status_code == 401
