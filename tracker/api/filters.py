"""Query filters of claims/ (DESIGN §4); an invalid value answers 400 with the parameter named."""

from __future__ import annotations

import datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from tracker.finding import search
from tracker.models import Appearance, Claim, Claimant, Rating

MAX_ID = 2**63 - 1
SEARCH_HELP = (
    "Every word (stemmed, any order) over claim text, quotes, verdicts, claimant and tags; "
    '"a phrase" and -word work too.'
)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """A filter on a related object's id; ids no database could hold are a 400, not a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UTCDateTimeField(forms.DateTimeField):
    """A datetime converted to UTC, so an offset the database cannot store (+21:37) never reaches it."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return result.astimezone(datetime.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError("Give a date and time between the years 1 and 9999.", code="invalid") from None


class UTCDateTimeFilter(django_filters.DateTimeFilter):
    field_class = UTCDateTimeField


class TextFilter(django_filters.CharFilter):
    """A text filter with a bounded length (forms.CharField already refuses NUL bytes)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which builds and validates no form when the query names none of its filters.

    Such a form would filter nothing (an absent parameter is no filter), and building one costs more than
    a page of claims' rows (issue 8); a query naming any filter, even empty, goes through it as before.
    """

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not _names_a_filter(request.query_params, filterset_class.base_filters):
            return queryset
        return super().filter_queryset(request, queryset, view)


def _names_a_filter(params, filters) -> bool:
    # By prefix: a filter whose widget has several parts reads name_min, name_after and the like.
    return any(param.startswith(name) for param in params for name in filters)


TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"", "0", "false", "no", "off"}


def trash_requested(request) -> bool:
    """Whether claims/?trash=1 asks for the trash; a value that is neither yes nor no is a 400."""
    raw = request.query_params.get("trash", "").strip().lower()
    if raw in TRUE_VALUES:
        return True
    if raw in FALSE_VALUES:
        return False
    raise ValidationError({"trash": ["Give trash=1 for the claims in the trash, or leave it out."]})


def _appears(**lookups) -> Exists:
    return Exists(Appearance.objects.filter(claim=OuterRef("pk"), **lookups))


def search_claims(queryset, value: str):
    """Return claims matching every word of value (tracker.finding.search, the same on both databases)."""
    return search.search_claims(queryset, value)


class ClaimFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Claim.Status.choices)
    rating = django_filters.ModelChoiceFilter(
        queryset=Rating.objects.all(), to_field_name="slug", help_text="A rating's slug."
    )
    tag = TextFilter(method="filter_tag", help_text="A tag's name (case-insensitive).")
    claimant = IdFilter(field_name="claimant_id", help_text="A claimant's id.")
    article = IdFilter(method="filter_article", help_text="Claims appearing in this article (id).")
    outlet = IdFilter(method="filter_outlet", help_text="Claims appearing in an article of this outlet (id).")
    assignee = TextFilter(method="filter_assignee", help_text="The assignee's username.")
    unassigned = django_filters.BooleanFilter(
        field_name="assignee", lookup_expr="isnull", help_text="true: only claims nobody is assigned to."
    )
    priority = django_filters.ChoiceFilter(choices=Claim.Priority.choices)
    created_after = UTCDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UTCDateTimeFilter(field_name="created_at", lookup_expr="lt")
    search = TextFilter(method="filter_search", help_text=SEARCH_HELP)

    class Meta:
        model = Claim
        fields = []

    def filter_tag(self, queryset, name, value):
        # Tag names are unique case-insensitively, so this join adds no duplicate rows.
        return queryset.filter(tags__name__iexact=value)

    def filter_article(self, queryset, name, value):
        return queryset.filter(_appears(article_id=value))

    def filter_outlet(self, queryset, name, value):
        return queryset.filter(_appears(article__outlet_id=value))

    def filter_assignee(self, queryset, name, value):
        if not get_user_model().objects.filter(username=value).exists():
            raise forms.ValidationError({"assignee": f"No user is called “{value}”."})
        return queryset.filter(assignee__username=value)

    def filter_search(self, queryset, name, value):
        return search_claims(queryset, value)


class PublishedClaimFilter(django_filters.FilterSet):
    """The desk's filters for anonymous callers, over what was published only (DESIGN §4).

    Every value is checked as for the desk (an unknown status or rating is a 400);
    each filter reads the public snapshot, or rows that cannot differ from it, so a
    draft change made after publishing is never revealed by what matches.
    """

    status = django_filters.ChoiceFilter(
        choices=Claim.Status.choices, method="filter_status", help_text="Only “published” matches anything here."
    )
    rating = django_filters.ModelChoiceFilter(
        queryset=Rating.objects.all(), to_field_name="slug", method="filter_rating", help_text="A rating's slug."
    )
    tag = TextFilter(method="filter_tag", help_text="A tag's name (case-insensitive).")
    claimant = IdFilter(method="filter_claimant", help_text="A claimant's id.")
    article = IdFilter(method="filter_article", help_text="Claims published as appearing in this article (id).")
    outlet = IdFilter(method="filter_outlet", help_text="Claims published as appearing in this outlet (id).")
    assignee = TextFilter(method="filter_assignee", help_text="Desk only: anonymous callers get a 400.")
    created_after = UTCDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = UTCDateTimeFilter(field_name="created_at", lookup_expr="lt")
    search = TextFilter(method="filter_search", help_text="Words in the published claim text or verdict.")

    class Meta:
        model = Claim
        fields = []

    def filter_status(self, queryset, name, value):
        # The public sees every claim as published (its last published verdict).
        return queryset if value == Claim.Status.PUBLISHED else queryset.none()

    def filter_rating(self, queryset, name, rating):
        # By id when the snapshot has it: a slug renamed later is the same verdict.
        return queryset.filter(
            Q(public_snapshot__rating__id=rating.pk)
            | (Q(public_snapshot__rating__id__isnull=True) & Q(public_snapshot__rating__slug=rating.slug))
        )

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__name__iexact=value)

    def filter_claimant(self, queryset, name, value):
        claimant = Claimant.objects.filter(pk=value).values_list("name", flat=True).first()
        if claimant is None:
            return queryset.none()
        return queryset.filter(claimant_id=value, public_snapshot__claimant__name=claimant)

    def filter_article(self, queryset, name, value):
        # An appearance added after the last publication is a draft: it does not count.
        return queryset.filter(_appears(article_id=value, created_at__lte=OuterRef("last_published_at")))

    def filter_outlet(self, queryset, name, value):
        return queryset.filter(_appears(article__outlet_id=value, created_at__lte=OuterRef("last_published_at")))

    def filter_assignee(self, queryset, name, value):
        raise forms.ValidationError({"assignee": "Only the desk can filter by assignee: log in."})

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(public_snapshot__text__icontains=value) | Q(public_snapshot__verdict_summary__icontains=value)
        )
