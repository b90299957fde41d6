"""The OpenAPI schema validates, the docs are offline, and the API keeps to its schema under fuzzing.

The property-based run is schemathesis against /api/schema/, in-process
through the WSGI application, authenticated as an editor, over every
operation. `make test` runs a few examples per operation; `make fuzz` sets
FACTDESK_FUZZ_EXAMPLES for a longer run.
"""

import json
import os
import re

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import publish
from tests.factories import ArticleFactory, OutletFactory, SourceFactory, add_evidence, make_claim, make_user
from tracker import workflow
from tracker.wsgi import application

EXAMPLES = int(os.environ.get("FACTDESK_FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.mark.django_db
class SchemaTests:
    def test_schema_validates_without_warnings(self, tmp_path):
        out = tmp_path / "schema.yaml"
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
        text = out.read_text()
        assert "/api/v1/claims/{id}/transition/:" in text
        assert "If-Match" in text

    def test_schema_is_served_as_json(self, client):
        response = client.get("/api/schema/?format=json")
        assert response.status_code == 200
        schema = response.json()
        assert schema["openapi"].startswith("3.")
        assert "/api/v1/claimreview/" in schema["paths"]
        etag = schema["paths"]["/api/v1/claims/{id}/"]["patch"]["responses"]["200"]["headers"]["ETag"]
        assert etag["schema"]["type"] == "string"

    def test_the_schema_tells_generated_clients_what_they_meet(self, client):
        schema = client.get("/api/schema/?format=json").json()
        paths = schema["paths"]
        for path in ("/api/v1/claims/", "/api/v1/claims/{id}/", "/api/v1/claimreview/"):
            assert {} in paths[path]["get"]["security"], path
        assert {} not in paths["/api/v1/claims/"]["post"]["security"]
        assert {} not in paths["/api/v1/articles/"]["get"]["security"]
        assert 'prefix "Token"' in schema["components"]["securitySchemes"]["tokenAuth"]["description"]
        claim = schema["components"]["schemas"]["Claim"]["properties"]
        assert claim["created_by"].get("nullable") is True
        assert schema["components"]["schemas"]["Evidence"]["properties"]["added_by"].get("nullable") is True
        assert list(paths["/api/v1/claimreview/"]["get"]["responses"]["200"]["content"]) == ["application/json"]
        page_size = next(p for p in paths["/api/v1/outlets/"]["get"]["parameters"] if p["name"] == "page_size")
        assert "means 200" in page_size["description"]

    def test_request_bodies_never_ask_for_read_only_fields(self, client):
        schemas = client.get("/api/schema/?format=json").json()["components"]["schemas"]
        assert {"ArticleEditedRequest", "OutletRequest", "ClaimantRequest", "SourceRequest"} <= set(schemas)
        for name, component in schemas.items():
            if name.endswith("Request"):
                properties = component.get("properties", {})
                assert not {"id", "body_sha256", "created_at", "updated_at"} & set(properties), name
                assert not [field for field, spec in properties.items() if spec.get("readOnly")], name
        # The responses keep them, marked read-only and always present.
        article = schemas["ArticleEdited"]
        assert {"id", "body_sha256", "created_at", "updated_at"} <= set(article["required"])
        assert article["properties"]["body_sha256"]["readOnly"] is True

    def test_component_names_say_each_word_once(self, client):
        schema = client.get("/api/schema/?format=json").json()
        names = set(schema["components"]["schemas"])
        doubled = [name for name in names if re.search(r"(Request|Input)Request$|ListList$", name)]
        assert doubled == []
        bodies = {"TokenRequest", "MatchRequest", "MergeRequest", "FetchRequest", "CheckworthinessRequest"}
        assert (
            bodies | {"AppearanceRequest", "EvidenceRequest", "CommentRequest", "PaginatedArticleSummaryList"} <= names
        )
        token = schema["paths"]["/api/v1/auth/token/"]["post"]["requestBody"]["content"]["application/json"]
        assert token["schema"] == {"$ref": "#/components/schemas/TokenRequest"}
        # Every component still has one name: the response schemas kept theirs.
        assert {"Token", "Article", "ArticleEdited", "ArticleSummary", "Evidence", "Comment", "Match"} <= names

    def test_the_fact_check_import_declares_its_bodies(self, client):
        schema = client.get("/api/schema/?format=json").json()
        content = schema["paths"]["/api/v1/factchecks/import/"]["post"]["requestBody"]["content"]
        assert content["text/csv"]["schema"]["type"] == "string"
        for media_type in ("application/ld+json", "application/json"):
            assert content[media_type]["schema"] == {"$ref": "#/components/schemas/ClaimReviewImport"}
        document = {"$ref": "#/components/schemas/ClaimReviewDocument"}
        assert schema["components"]["schemas"]["ClaimReviewImport"]["oneOf"] == [
            document,
            {"type": "array", "items": document},
        ]

    def test_swagger_ui_loads_nothing_from_a_cdn(self, client):
        response = client.get("/api/docs/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "swagger-ui-bundle.js" in html
        assert "cdn" not in html.lower()
        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
        asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
        assert asset.status_code == 200


@pytest.fixture
def editor_token(db) -> str:
    """Seed a desk with claims in every state and return an editor's token."""
    editor = make_user("editor", username="fuzz-editor")
    reviewer = make_user("reviewer", username="fuzz-reviewer")
    OutletFactory()
    SourceFactory()
    article = ArticleFactory()
    draft = make_claim(by=editor, article=article, tags=["Patriot"])
    add_evidence(draft, by=editor)
    researching = workflow.transition(make_claim(by=editor), to="researching", by=editor)
    add_evidence(researching, by=editor)
    publish(make_claim(by=editor), editor=editor, reviewer=reviewer)
    return Token.objects.create(user=editor).key


@pytest.fixture
def in_process_requests():
    # The in-process WSGI calls run inside the test's transaction: keep Django
    # from closing the connection at the start and end of each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def load_schema():
    """Load the schema the API serves, with the WSGI application that serves it."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)))
    loaded.app = application
    return loaded


schema = load_schema()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 12,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_keeps_to_its_schema(case, editor_token, in_process_requests):
    case.call_and_validate(headers={"Authorization": f"Token {editor_token}"}, checks=CHECKS)
