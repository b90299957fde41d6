"""Models of finding (DESIGN §6); imported at the end of tracker/models.py (app label tracker)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from tracker.inbox.models import Feed
from tracker.models import http_url_validator, validate_language, validate_no_nul

__all__ = ["FactCheck", "MatchStat", "MatchTerm", "MatchVector"]


class FactCheck(models.Model):
    """A verdict published anywhere (this desk's old site, another organisation) that the desk knows of."""

    claim_reviewed = models.TextField(validators=[validate_no_nul], help_text="The claim as the fact-check words it.")
    headline = models.CharField(max_length=500, blank=True, validators=[validate_no_nul])
    summary = models.TextField(
        blank=True, validators=[validate_no_nul], help_text="The review's description or body, when it has one."
    )
    url = models.URLField(max_length=2000, unique=True, validators=[http_url_validator])
    publisher = models.CharField(max_length=200, blank=True, validators=[validate_no_nul])
    published_at = models.DateTimeField(null=True, blank=True)
    rating_label = models.CharField(
        max_length=200, blank=True, validators=[validate_no_nul], help_text="The rating as published, e.g. “False”."
    )
    language = models.CharField(max_length=35, blank=True, validators=[validate_language])
    claimant = models.CharField(max_length=300, blank=True, validators=[validate_no_nul])
    feed = models.ForeignKey(Feed, models.SET_NULL, null=True, blank=True, related_name="factchecks")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    imported_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = "fact-check"
        indexes = [
            models.Index(fields=["-published_at", "-id"], name="factcheck_published"),
            models.Index(fields=["publisher"], name="factcheck_publisher"),
        ]

    def __str__(self) -> str:
        text = self.headline or self.claim_reviewed
        return text if len(text) <= 80 else text[:79] + "…"


class MatchTerm(models.Model):
    """One stem of one matchable text (a FactCheck or a claim): the inverted index the lexical ranker reads."""

    class Kind(models.TextChoices):
        CLAIM = "c", "claim"
        FACTCHECK = "f", "fact-check"

    term = models.CharField(max_length=64)
    kind = models.CharField(max_length=1, choices=Kind.choices)
    ref = models.BigIntegerField(help_text="The claim's or fact-check's id.")
    weight = models.FloatField(help_text="The stem's frequency in the text, weighted by field (headlines count more).")
    length = models.FloatField(help_text="The text's weighted length, for BM25's length normalisation.")

    class Meta:
        indexes = [
            models.Index(fields=["term", "kind", "ref"], name="matchterm_term"),
            models.Index(fields=["kind", "ref"], name="matchterm_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.term} in {self.kind}{self.ref}"


class MatchStat(models.Model):
    """How many texts of a kind are indexed and their total weighted length (BM25's N and average length)."""

    kind = models.CharField(max_length=1, choices=MatchTerm.Kind.choices, primary_key=True)
    documents = models.BigIntegerField(default=0)
    total_length = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.documents}"


class MatchVector(models.Model):
    """The sentence embedding of one matchable text, for the optional semantic layer (tracker.finding.semantic).

    A compact float16 array (384 numbers: 768 bytes) on both databases: the ranker holds them in memory and
    compares them by cosine with numpy, so no extension is needed. A changed text gets a new row (a new id),
    which is how a process sees that its copy is out of date.
    """

    kind = models.CharField(max_length=1, choices=MatchTerm.Kind.choices)
    ref = models.BigIntegerField(help_text="The claim's or fact-check's id.")
    vector = models.BinaryField(help_text="float16 numbers, little-endian, normalised to length 1.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "ref"], name="matchvector_one_per_text")]

    def __str__(self) -> str:
        return f"vector of {self.kind}{self.ref}"
