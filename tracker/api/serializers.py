"""Serializers of API v1: field names and references exactly as DESIGN §4 names them.

Related objects go by id, a rating by its slug, tags by name, users by
username. Serializers only parse and shape; writes go through the domain
(tracker.claims, tracker.workflow, tracker.articles) in the views.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from tracker import claimants, claimreview, claims, references
from tracker.finding.matching import MATCH_KINDS, Match
from tracker.models import (
    Appearance,
    Article,
    Claim,
    Claimant,
    Evidence,
    Outlet,
    Rating,
    Source,
    Tag,
    http_url_validator,
    public_slug_of,
)

# Largest id PostgreSQL's bigint holds; anything bigger cannot name a row.
MAX_ID = 2**63 - 1
# Largest value PostgreSQL's integer holds (offsets, versions).
MAX_INT = 2**31 - 1
MAX_TAGS = 50


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id that answers 400 (not 500) for ids no database column could hold."""

    default_error_messages = {
        **serializers.PrimaryKeyRelatedField.default_error_messages,
        "out_of_range": "Invalid pk “{pk_value}” - object does not exist.",
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str):
            if not data.isdigit() or len(data) > 19:
                self.fail("does_not_exist", pk_value=data[:40])
            data = int(data)
        if not 1 <= data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def id_field(model, **kwargs) -> IdRelatedField:
    return IdRelatedField(queryset=model.objects.all(), **kwargs)


class UsernameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "username")
        kwargs.setdefault("queryset", get_user_model().objects.filter(is_active=True))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class RatingSlugField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        kwargs.setdefault("queryset", Rating.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field({"type": "array", "items": {"type": "string", "maxLength": 64}})
class TagNamesField(serializers.ListField):
    """Tags by name: written as a list of names (unknown names create tags), read from the prefetched rows."""

    def __init__(self, **kwargs):
        kwargs.setdefault("child", serializers.CharField(max_length=64, allow_blank=False))
        kwargs.setdefault("max_length", MAX_TAGS)
        super().__init__(**kwargs)

    def to_representation(self, data):
        if hasattr(data, "all"):
            return [tag.name for tag in data.all()]
        return list(data)


class OutletSerializer(serializers.ModelSerializer):
    class Meta:
        model = Outlet
        fields = ["id", "name", "domain", "country", "language"]


# In the schema "ArticleSummary": "ArticleList" would make its page "PaginatedArticleListList".
@extend_schema_serializer(component_name="ArticleSummary")
class ArticleListSerializer(serializers.ModelSerializer):
    outlet = id_field(Outlet, allow_null=True, required=False)
    translation_of = id_field(Article, allow_null=True, required=False)
    republished_from = id_field(Article, allow_null=True, required=False)
    authors = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=100, default=list
    )

    class Meta:
        model = Article
        fields = [
            "id",
            "title",
            "outlet",
            "url",
            "authors",
            "published_at",
            "language",
            "body_sha256",
            "translation_of",
            "republished_from",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["body_sha256", "created_at", "updated_at", "version"]
        # A URL already stored is the domain's 409 (DuplicateArticle), not a 400 of a unique validator.
        extra_kwargs = {"url": {"allow_null": True, "required": False, "validators": [http_url_validator]}}


@extend_schema_serializer(component_name="Article")  # not the summary's name it would inherit
class ArticleSerializer(ArticleListSerializer):
    body = serializers.CharField(trim_whitespace=False, allow_blank=False)

    class Meta(ArticleListSerializer.Meta):
        fields = [*ArticleListSerializer.Meta.fields[:7], "body", *ArticleListSerializer.Meta.fields[7:]]

    def validate_url(self, value):
        return value or None


class QuoteOutcomeSerializer(serializers.Serializer):
    """What an edit of the article's text did to one of its quotes."""

    appearance = serializers.IntegerField(source="appearance.pk")
    claim = serializers.IntegerField(source="appearance.claim_id")
    state = serializers.CharField()
    needs_confirmation = serializers.BooleanField()
    reason = serializers.CharField()
    old_quote = serializers.CharField()
    new_quote = serializers.CharField(allow_null=True)


@extend_schema_serializer(component_name="ArticleEdited")
class ArticleEditedSerializer(ArticleSerializer):
    """An article after an edit or a re-import, with what became of each of its quotes."""

    quotes = QuoteOutcomeSerializer(many=True, source="quote_outcomes", read_only=True)
    updated = serializers.SerializerMethodField()

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "quotes", "updated"]

    def get_updated(self, article) -> bool:
        return bool(getattr(article, "was_updated", False))


class ClaimantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Claimant
        fields = ["id", "name", "kind", "description"]
        extra_kwargs = {"kind": {"help_text": "person or organisation; guessed from the name when left out."}}

    def validate(self, attrs):
        if self.instance is None and "kind" not in attrs and attrs.get("name"):
            attrs["kind"] = claimants.guess_kind(attrs["name"])
        return attrs


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = [
            "id",
            "url",
            "title",
            "publisher",
            "kind",
            "published_at",
            "accessed_at",
            "archive_url",
            "notes",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        # Creating with a URL already stored reuses that source (tracker.references.source_for).
        extra_kwargs = {
            "url": {"allow_null": True, "required": False, "validators": [http_url_validator]},
            "archive_url": {"validators": [http_url_validator]},
        }

    def validate_url(self, value):
        if not value:
            return None
        value = references.normalise_url(value)
        if self.instance is not None:
            taken = Source.objects.filter(url=value).exclude(pk=self.instance.pk).first()
            if taken is not None:
                raise serializers.ValidationError(f"Source {taken.pk} already has this URL.")
        return value


class RatingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Rating
        fields = ["slug", "label", "value", "description", "order"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name"]


class AppearanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Appearance
        fields = [
            "id",
            "article",
            "quote",
            "start",
            "end",
            "prefix",
            "suffix",
            "attribution",
            "anchor_state",
            "needs_confirmation",
            "created_at",
        ]
        read_only_fields = fields


class AppearanceInputSerializer(serializers.Serializer):
    article = id_field(Article)
    quote = serializers.CharField(trim_whitespace=False, max_length=10_000)
    start = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=MAX_INT)
    attribution = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")

    def to_domain(self) -> claims.AppearanceInput:
        return appearance_input(self.validated_data)


def appearance_input(data: dict) -> claims.AppearanceInput:
    return claims.AppearanceInput(
        article=data["article"], quote=data["quote"], start=data.get("start"), attribution=data.get("attribution", "")
    )


class ClaimSerializer(serializers.ModelSerializer):
    """A claim as the desk sees it (staff callers)."""

    claimant = id_field(Claimant, allow_null=True)
    rating = RatingSlugField(allow_null=True)
    tags = TagNamesField()
    assignee = UsernameField(allow_null=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Null for rows no person made (demo data)."
    )
    appearances = AppearanceSerializer(many=True, read_only=True)
    public_url = serializers.SerializerMethodField()
    claimreview_warnings = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "text",
            "claimant",
            "claim_date",
            "status",
            "rating",
            "verdict_summary",
            "verdict_explanation",
            "tags",
            "assignee",
            "priority",
            "version",
            "created_by",
            "created_at",
            "updated_at",
            "published_at",
            "appearances",
            "public_url",
            "claimreview_warnings",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_claimreview_warnings(self, claim: Claim) -> list[str]:
        """What Google recommends of a ClaimReview that this claim lacks; it can be published all the same."""
        return claimreview.warnings(claim)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_public_url(self, claim: Claim) -> str | None:
        """The public fact-check page, once the claim has been published."""
        if claim.public_snapshot is None:
            return None
        return claimreview.public_url(claim)

    def to_representation(self, claim: Claim) -> dict:
        """The fields above, written out: the claim list shapes up to 200 of these per request.

        Field by field, DRF costs several times a dict built by hand (issue 8);
        this builds the same JSON (tests compare it with the fields' own output)
        from the related rows the querysets select and prefetch.
        """
        tz = timezone.get_current_timezone()
        rating, assignee, created_by = claim.rating, claim.assignee, claim.created_by
        fast = claim_fields(
            claim.pk,
            claim.text,
            claim.claimant_id,
            claim.claim_date,
            claim.status,
            rating.slug if rating is not None else None,
            claim.verdict_summary,
            claim.verdict_explanation,
            [tag.name for tag in claim.tags.all()],
            assignee.username if assignee is not None else None,
            claim.priority,
            claim.version,
            created_by.username if created_by is not None else None,
            claim.created_at,
            claim.updated_at,
            claim.published_at,
            [appearance_dict(a, tz) for a in claim.appearances.all()],
            None if claim.public_snapshot is None else claimreview.public_url(claim),
            tz,
        )
        # Fields added later without a line above still answer, in Meta.fields order: method fields by their
        # method, others through DRF. Building DRF's fields costs more than 50 rows, so only the latter do.
        for name in self.Meta.fields:
            if name not in fast:
                method = self._method_fields().get(name)
                fast[name] = getattr(self, method)(claim) if method else _by_field(self.fields[name], claim)
        return {name: fast[name] for name in self.Meta.fields}

    @classmethod
    def of_rows(cls, rows: list[dict], tags: dict[int, list[str]], appearances: dict[int, list]) -> list[dict]:
        """What ``ClaimSerializer(claims, many=True).data`` answers, from plain rows instead of model instances.

        rows are ``CLAIM_ROW_FIELDS`` (api.views.desk_claim_rows), tags each claim's tag names in order,
        appearances each claim's appearance rows (attributes as ``appearance_dict`` reads them, plus
        ``article_url``). The desk's list is the API's hottest read: instances, their related
        objects and per-claim managers cost more than the rows themselves (issue 8).
        """
        tz = timezone.get_current_timezone()
        results = []
        for row in rows:
            pk = row["id"]
            parts = appearances.get(pk, ())
            public_url = None
            if row["is_public"]:
                public_url = claimreview.public_url_of(pk, public_slug_of(row["public_text"], row["text"]))
            fields = claim_fields(
                pk,
                row["text"],
                row["claimant_id"],
                row["claim_date"],
                row["status"],
                row["rating__slug"],
                row["verdict_summary"],
                row["verdict_explanation"],
                tags.get(pk, []),
                row["assignee__username"],
                row["priority"],
                row["version"],
                row["created_by__username"],
                row["created_at"],
                row["updated_at"],
                row["published_at"],
                [appearance_dict(a, tz) for a in parts],
                public_url,
                tz,
            )
            fields["claimreview_warnings"] = claimreview.warnings(
                SimpleNamespace(
                    claimant_id=row["claimant_id"],
                    claim_date=row["claim_date"],
                    has_appearance_url=any(a.article_url for a in parts),
                )
            )
            if not results and list(fields) != cls.Meta.fields:
                raise NotImplementedError("ClaimSerializer has fields of_rows does not write: add them there.")
            results.append(fields)
        return results

    @classmethod
    def _method_fields(cls) -> dict[str, str]:
        if "_method_names" not in cls.__dict__:
            cls._method_names = {
                name: field.method_name or f"get_{name}"
                for name, field in cls._declared_fields.items()
                if isinstance(field, serializers.SerializerMethodField)
            }
        return cls._method_names


# The columns of the desk's claim list (ClaimSerializer.of_rows), read with .values() (api.views.desk_claim_rows).
CLAIM_ROW_FIELDS = (
    "id",
    "text",
    "claimant_id",
    "claim_date",
    "status",
    "rating__slug",
    "verdict_summary",
    "verdict_explanation",
    "assignee__username",
    "priority",
    "version",
    "created_by__username",
    "created_at",
    "updated_at",
    "published_at",
)
# Of each appearance (named rows; ``article_url`` tells claimreview.warnings whether any has a URL).
APPEARANCE_ROW_FIELDS = (
    "claim_id",
    "pk",
    "article_id",
    "quote",
    "start",
    "end",
    "prefix",
    "suffix",
    "attribution",
    "anchor_state",
    "needs_confirmation",
    "created_at",
    "article_url",
)


def claim_fields(
    pk,
    text,
    claimant_id,
    claim_date,
    status,
    rating,
    verdict_summary,
    verdict_explanation,
    tags,
    assignee,
    priority,
    version,
    created_by,
    created_at,
    updated_at,
    published_at,
    appearances,
    public_url,
    tz,
) -> dict:
    """ClaimSerializer's fields but claimreview_warnings, from their values (instances and rows alike)."""
    return {
        "id": pk,
        "text": text,
        "claimant": claimant_id,
        "claim_date": claim_date.isoformat() if claim_date else None,
        "status": status,
        "rating": rating,
        "verdict_summary": verdict_summary,
        "verdict_explanation": verdict_explanation,
        "tags": tags,
        "assignee": assignee,
        "priority": priority,
        "version": version,
        "created_by": created_by,
        "created_at": api_datetime(created_at, tz),
        "updated_at": api_datetime(updated_at, tz),
        "published_at": api_datetime(published_at, tz),
        "appearances": appearances,
        "public_url": public_url,
    }


def _by_field(field, instance):
    value = field.get_attribute(instance)
    return None if value is None else field.to_representation(value)


def api_datetime(value, tz) -> str | None:
    """A datetime as DRF's DateTimeField renders it (ISO 8601 in the current time zone, UTC as Z)."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat() if timezone.is_aware(value) else value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def appearance_dict(a: Appearance, tz) -> dict:
    """AppearanceSerializer's fields, written out (see ClaimSerializer.to_representation)."""
    return {
        "id": a.pk,
        "article": a.article_id,
        "quote": a.quote,
        "start": a.start,
        "end": a.end,
        "prefix": a.prefix,
        "suffix": a.suffix,
        "attribution": a.attribution,
        "anchor_state": a.anchor_state,
        "needs_confirmation": a.needs_confirmation,
        "created_at": api_datetime(a.created_at, tz),
    }


class TrashedClaimSerializer(ClaimSerializer):
    """A claim in the trash: also when and by whom it was moved there."""

    deleted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "deleted_at", "deleted_by"]
        read_only_fields = fields


class ClaimCreateSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)
    appearances = AppearanceInputSerializer(many=True, allow_empty=False, max_length=100)
    claimant = id_field(Claimant, allow_null=True, required=False)
    claim_date = serializers.DateField(allow_null=True, required=False)
    tags = TagNamesField(required=False)
    priority = serializers.ChoiceField(choices=Claim.Priority.choices, required=False)
    assignee = UsernameField(allow_null=True, required=False)

    def to_domain(self) -> claims.ClaimInput:
        data = self.validated_data
        return claims.ClaimInput(
            text=data["text"],
            appearances=[appearance_input(item) for item in data["appearances"]],
            claimant=data.get("claimant"),
            claim_date=data.get("claim_date"),
            tags=data.get("tags") or [],
            priority=data.get("priority") or Claim.Priority.NORMAL,
            assignee=data.get("assignee"),
        )


class VersionedSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_INT,
        help_text="The version you read, when you do not send If-Match.",
    )


class ClaimUpdateSerializer(VersionedSerializer):
    text = serializers.CharField(max_length=10_000, required=False)
    claimant = id_field(Claimant, allow_null=True, required=False)
    claim_date = serializers.DateField(allow_null=True, required=False)
    rating = RatingSlugField(allow_null=True, required=False)
    verdict_summary = serializers.CharField(max_length=500, allow_blank=True, required=False)
    verdict_explanation = serializers.CharField(max_length=50_000, allow_blank=True, required=False)
    tags = TagNamesField(required=False)
    assignee = UsernameField(allow_null=True, required=False)
    priority = serializers.ChoiceField(choices=Claim.Priority.choices, required=False)

    def changes(self) -> dict:
        return {name: value for name, value in self.validated_data.items() if name != "version"}


class TransitionSerializer(VersionedSerializer):
    to = serializers.ChoiceField(choices=Claim.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")


class EvidenceSerializer(serializers.ModelSerializer):
    source = serializers.PrimaryKeyRelatedField(read_only=True)
    source_url = serializers.CharField(source="source.url", read_only=True, allow_null=True)
    source_title = serializers.CharField(source="source.title", read_only=True)
    source_publisher = serializers.CharField(source="source.publisher", read_only=True)
    source_kind = serializers.CharField(source="source.kind", read_only=True)
    added_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="Null for rows no person made (demo data)."
    )

    class Meta:
        model = Evidence
        fields = [
            "id",
            "claim",
            "source",
            "source_url",
            "source_title",
            "source_publisher",
            "source_kind",
            "stance",
            "excerpt",
            "note",
            "added_by",
            "added_at",
        ]
        read_only_fields = fields


class EvidenceInputSerializer(serializers.Serializer):
    """Evidence to link: an existing source by id, or a source by URL (reused when already stored)."""

    source = id_field(Source, required=False)
    source_url = serializers.URLField(required=False, max_length=2000)
    source_title = serializers.CharField(required=False, max_length=500)
    source_publisher = serializers.CharField(required=False, allow_blank=True, max_length=200)
    source_kind = serializers.ChoiceField(choices=Source.Kind.choices, required=False)
    source_published_at = serializers.DateTimeField(required=False, allow_null=True)
    source_accessed_at = serializers.DateTimeField(required=False, allow_null=True)
    source_archive_url = serializers.URLField(required=False, allow_blank=True, max_length=2000)
    source_notes = serializers.CharField(required=False, allow_blank=True, max_length=50_000)
    stance = serializers.ChoiceField(choices=Evidence.Stance.choices)
    excerpt = serializers.CharField(required=False, allow_blank=True, max_length=50_000, default="")
    note = serializers.CharField(required=False, allow_blank=True, max_length=50_000, default="")

    SOURCE_FIELDS = ("title", "publisher", "kind", "published_at", "accessed_at", "archive_url", "notes")

    def validate_source_url(self, value):
        return _http_url(value)

    def validate_source_archive_url(self, value):
        return _http_url(value) if value else value

    def validate(self, attrs):
        if attrs.get("source") is not None and attrs.get("source_url"):
            raise serializers.ValidationError({"source": "Give either source (an id) or source_url, not both."})
        if attrs.get("source") is None and not attrs.get("source_url"):
            raise serializers.ValidationError({"source": "Give source (an id) or source_url."})
        return attrs

    def source_fields(self) -> dict:
        data = self.validated_data
        fields = {"url": data["source_url"]}
        for name in self.SOURCE_FIELDS:
            if f"source_{name}" in data:
                fields[name] = data[f"source_{name}"]
        if not fields.get("title"):
            fields["title"] = data["source_url"]
        return fields


def _http_url(value: str) -> str:
    if not value.lower().startswith(("http://", "https://")):
        raise serializers.ValidationError("Only http and https addresses are accepted.")
    return value


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_null=True)
    kind = serializers.CharField()
    from_status = serializers.CharField(allow_null=True)
    to_status = serializers.CharField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    changes = serializers.DictField(child=serializers.DictField())
    rating = serializers.CharField(allow_null=True)


# The anonymous view of a claim: its public snapshot only (DESIGN §2).


class PublishedClaimantSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField(allow_blank=True)


class PublishedArticleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.URLField(allow_null=True)
    outlet = serializers.CharField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    language = serializers.CharField()


class PublishedAppearanceSerializer(serializers.Serializer):
    article = PublishedArticleSerializer()
    quote = serializers.CharField()
    attribution = serializers.CharField(allow_blank=True)


class PublishedSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.URLField(allow_null=True)
    title = serializers.CharField()
    publisher = serializers.CharField(allow_blank=True)
    kind = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    archive_url = serializers.CharField(allow_blank=True)


class PublishedEvidenceSerializer(serializers.Serializer):
    stance = serializers.CharField()
    excerpt = serializers.CharField(allow_blank=True)
    source = PublishedSourceSerializer()


class PublishedCorrectionSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    note = serializers.CharField()


_DATETIME = serializers.DateTimeField()


def _api_datetime(value: str | None) -> str | None:
    """Render a snapshot's ISO timestamp the way every other datetime of the API is rendered."""
    if not value:
        return None
    return _DATETIME.to_representation(datetime.datetime.fromisoformat(value))


class PublishedClaimSerializer(serializers.Serializer):
    """A claim as the public sees it: the verdict last published, whatever the desk is doing now."""

    id = serializers.IntegerField()
    text = serializers.CharField()
    claimant = PublishedClaimantSerializer(allow_null=True)
    claim_date = serializers.DateField(allow_null=True)
    status = serializers.CharField(help_text="Always “published”: the public sees published verdicts only.")
    rating = serializers.CharField(allow_null=True, help_text="The rating's slug.")
    rating_label = serializers.CharField(allow_null=True)
    verdict_summary = serializers.CharField(allow_blank=True)
    verdict_explanation = serializers.CharField(allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField())
    appearances = PublishedAppearanceSerializer(many=True)
    evidence = PublishedEvidenceSerializer(many=True)
    corrections = PublishedCorrectionSerializer(many=True)
    published_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    public_url = serializers.URLField()

    def to_representation(self, claim: Claim) -> dict:
        snap = claim.public_snapshot
        rating = snap.get("rating") or {}
        appearances = [
            {
                **item,
                "article": {**item["article"], "published_at": _api_datetime(item["article"].get("published_at"))},
            }
            for item in snap.get("appearances", [])
        ]
        evidence = [
            {**item, "source": {**item["source"], "published_at": _api_datetime(item["source"].get("published_at"))}}
            for item in snap.get("evidence", [])
        ]
        return {
            "id": claim.pk,
            "text": snap.get("text"),
            "claimant": snap.get("claimant"),
            "claim_date": snap.get("claim_date"),
            "status": Claim.Status.PUBLISHED.value,
            "rating": rating.get("slug"),
            "rating_label": rating.get("label"),
            "verdict_summary": snap.get("verdict_summary", ""),
            "verdict_explanation": snap.get("verdict_explanation", ""),
            "tags": snap.get("tags", []),
            "appearances": appearances,
            "evidence": evidence,
            # Corrections are public as soon as they are made: they are made by publishing.
            "corrections": [
                {"at": _DATETIME.to_representation(c.at), "note": c.note} for c in claim.corrections.all()
            ],
            "published_at": _api_datetime(snap.get("published_at")),
            "updated_at": _api_datetime(snap.get("updated_at")),
            "public_url": claimreview.public_url(claim),
        }


@extend_schema_field(OpenApiTypes.OBJECT)
class ClaimReviewField(serializers.Field):
    def to_representation(self, value):
        return value


# --------------------------------------------------------------------------- matches (DESIGN §6)


class MatchSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(MATCH_KINDS)
    id = serializers.IntegerField()
    text = serializers.CharField()
    url = serializers.CharField(help_text="A fact-check's own URL; a claim's public page, or its desk page.")
    rating = serializers.CharField(allow_null=True, help_text="A claim's rating slug, a fact-check's label.")
    status = serializers.CharField(allow_null=True, help_text="A claim's status (null for a fact-check).")
    publisher = serializers.CharField(allow_blank=True)
    headline = serializers.CharField(allow_blank=True)
    score = serializers.FloatField(help_text="0–1: 1 is the query's own words.")


class MatchesSerializer(serializers.Serializer):
    results = MatchSerializer(many=True)


def match_row(match: Match, request) -> dict:
    """Shape one match for the API (and the UI's panels, which show the same fields)."""
    obj = match.object
    if match.kind == "factcheck":
        return {
            "kind": "factcheck",
            "id": obj.pk,
            "text": obj.claim_reviewed,
            "url": obj.url,
            "rating": obj.rating_label or None,
            "status": None,
            "publisher": obj.publisher,
            "headline": obj.headline,
            "score": match.score,
        }
    path = obj.get_public_url() if obj.public_snapshot else obj.get_absolute_url()
    return {
        "kind": "claim",
        "id": obj.pk,
        "text": obj.text,
        "url": request.build_absolute_uri(path) if request is not None else path,
        "rating": obj.rating.slug if obj.rating_id else None,
        "status": obj.status,
        "publisher": settings.FACTDESK_ORG_NAME,
        "headline": "",
        "score": match.score,
    }


class ClaimCreatedSerializer(ClaimSerializer):
    """A claim just logged, with what it was possibly checked as before (as the log-claim form shows).

    The view gives the matches in the context ("matches": tracker.finding.matching.find_for_claim).
    """

    matches = serializers.SerializerMethodField(
        help_text="Possibly checked before: the desk's other claims and the fact-checks most like this claim "
        "(its text and quotes), best first, at most 5; what GET claims/{id}/similar/ answers."
    )

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "matches"]
        read_only_fields = fields

    @extend_schema_field(MatchSerializer(many=True))
    def get_matches(self, claim: Claim) -> list[dict]:
        return [match_row(m, self.context.get("request")) for m in self.context.get("matches", [])]
