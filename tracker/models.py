"""Factdesk's domain model (DESIGN §1).

Rules about one row live here as model methods; state changes of a claim go
through tracker.workflow, edits through tracker.claims.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history import utils
from simple_history.models import HistoricalRecords
from simple_history.signals import post_create_historical_m2m_records, pre_create_historical_m2m_records

from tracker.reading import anchoring

# BCP 47 language tags as newsrooms use them: "en", "ru", "pt-BR", "zh-Hant".
BCP47_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
http_url_validator = URLValidator(schemes=["http", "https"])


def validate_language(value: str) -> None:
    if not BCP47_RE.match(value or ""):
        raise ValidationError("Enter a BCP 47 language tag such as “en”, “ru” or “pt-BR”.", code="invalid")


def validate_no_nul(value: str) -> None:
    if value and "\x00" in value:
        raise ValidationError("Text may not contain NUL bytes.", code="null_characters_not_allowed")


def validate_authors(value) -> None:
    if not isinstance(value, list) or not all(isinstance(name, str) and name.strip() for name in value):
        raise ValidationError("Authors must be a list of names.", code="invalid")
    if any(len(name) > 200 for name in value):
        raise ValidationError("An author's name may be at most 200 characters.", code="max_length")


def body_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class Outlet(models.Model):
    name = models.CharField(max_length=200, unique=True, validators=[validate_no_nul])
    domain = models.CharField(max_length=253, blank=True, help_text="e.g. apnews.com")
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. US")
    language = models.CharField(max_length=35, blank=True, validators=[validate_language])

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Article(models.Model):
    title = models.CharField(max_length=500, validators=[validate_no_nul])
    outlet = models.ForeignKey(Outlet, models.PROTECT, null=True, blank=True, related_name="articles")
    url = models.URLField(max_length=2000, null=True, blank=True, unique=True, validators=[http_url_validator])
    authors = models.JSONField(default=list, blank=True, validators=[validate_authors])
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    language = models.CharField(max_length=35, default="en", validators=[validate_language])
    body = models.TextField(
        blank=True,
        help_text="Plain text. Left empty only for an article known by its metadata, such as the original of a "
        "translation whose text the desk does not hold.",
    )
    body_sha256 = models.CharField(max_length=64, editable=False, db_index=True)
    translation_of = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="translations")
    republished_from = models.ForeignKey("self", models.PROTECT, null=True, blank=True, related_name="republications")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Bumped by every edit, so a stale edit form is refused."
    )

    # The history is read by article (id) and date only: the indexes simple-history copies from the other
    # fields would be written by every import and edit and read by nothing (issue 8).
    history = HistoricalRecords(
        excluded_fields=["updated_at"],
        no_db_index=[
            "url",
            "body_sha256",
            "published_at",
            "created_at",
            "created_by",
            "outlet",
            "translation_of",
            "republished_from",
        ],
    )

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            # One stored copy of each text; empty bodies (metadata-only
            # articles) are exempt because they all hash alike.
            models.UniqueConstraint(fields=["body_sha256"], condition=~Q(body=""), name="article_unique_body"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.body = anchoring.normalise_body(self.body)
        self.title = anchoring.normalise_text(self.title).strip()
        self.body_sha256 = body_hash(self.body)
        if self.url == "":
            self.url = None
        previous = None
        if self.pk is not None:
            previous = type(self).objects.filter(pk=self.pk).values_list("body_sha256", "body").first()
        # The new text and its re-anchored quotes are saved together or not at all.
        with transaction.atomic():
            super().save(*args, **kwargs)
            if previous is not None and previous[0] != self.body_sha256:
                self.quote_outcomes = self.reanchor_appearances(old_body=previous[1])

    def get_absolute_url(self) -> str:
        return reverse("article-detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.pk is not None:
            if self.translation_of_id == self.pk:
                errors["translation_of"] = "An article cannot be a translation of itself."
            if self.republished_from_id == self.pk:
                errors["republished_from"] = "An article cannot be republished from itself."
        if errors:
            raise ValidationError(errors)

    def reanchor_appearances(self, old_body: str | None = None):
        """Find every quote again after the body changed (tracker.reading.quotes); return what became of each."""
        from tracker.reading import quotes  # the reading room imports these models

        return quotes.reanchor_article(self, old_body=old_body, by=getattr(self, "_history_user", None))


class Claimant(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        ORGANISATION = "organisation", "Organisation"

    name = models.CharField(max_length=200, db_index=True, validators=[validate_no_nul])
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PERSON)
    description = models.CharField(
        max_length=300, blank=True, help_text="e.g. “US Secretary of State”", validators=[validate_no_nul]
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.description})" if self.description else self.name


class Tag(models.Model):
    name = models.CharField(max_length=64, validators=[validate_no_nul])

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_unique_name_ci")]

    def __str__(self) -> str:
        return self.name


class Rating(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=100)
    value = models.SmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Position on the scale (higher is truer); empty for off-scale verdicts such as “misleading”.",
    )
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label

    @classmethod
    def scale_bounds(cls) -> tuple[int, int] | None:
        """Return (worst, best) values of the on-scale ratings, or None when there are none."""
        bounds = cls.objects.filter(value__isnull=False).aggregate(worst=models.Min("value"), best=models.Max("value"))
        if bounds["worst"] is None:
            return None
        return bounds["worst"], bounds["best"]


def priority_rank() -> Case:
    """Order high, normal, low (the queue's priority sort, and the index that serves it)."""
    return Case(
        When(priority="high", then=Value(0)),
        When(priority="normal", then=Value(1)),
        default=Value(2),
        output_field=models.IntegerField(),
    )


class ClaimQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def trashed(self):
        return self.filter(deleted_at__isnull=False)

    def public(self):
        """Return claims with a published snapshot, which is all the public may read."""
        return self.filter(public_snapshot__isnull=False, deleted_at__isnull=True)

    def awaiting_review(self):
        return self.filter(status=Claim.Status.IN_REVIEW)

    def assigned_to(self, user):
        return self.filter(assignee=user)


class AliveClaimManager(models.Manager.from_queryset(ClaimQuerySet)):
    """The default manager: claims in the trash are invisible unless asked for."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class ClaimHistory(HistoricalRecords):
    """Claim history whose tag records cost one statement, and leave the claim's tags in hand.

    simple-history re-reads the saved claim (for its excluded updated_at) only
    to reach its tags, reads the through rows, inserts their copies, and the
    tags are read again for any answer after the save. Here the claim being
    saved stands for itself, and one INSERT … SELECT … RETURNING copies the
    through rows into the history and returns the tags, which become the
    claim's prefetched tags (a save under the claim's lock, so they are the
    tags it has).
    """

    def create_historical_record_m2ms(self, history_instance, instance):
        for field in history_instance._history_m2m_fields:
            m2m_history_model = self.m2m_models[field]
            if pre_create_historical_m2m_records.has_listeners(m2m_history_model):
                # Someone wants to see (or change) the rows before they are written: simple-history's way.
                super().create_historical_record_m2ms(history_instance, instance)
                continue
            if history_instance.history_type == "+":
                created_rows = []  # a claim being created has no tags yet: claims.log_claim sets them after this
                related = []
            else:
                created_rows, related = _copy_through_rows(field, m2m_history_model, history_instance, instance)
            post_create_historical_m2m_records.send(
                sender=m2m_history_model,
                created_rows=created_rows,
                history_instance=history_instance,
                instance=instance,
                field=field,
            )
            keep_prefetched(instance, field.name, sorted(related, key=tag_order))


def keep_prefetched(instance, name: str, objects: list) -> None:
    """Leave objects as instance's prefetched related objects of name (in the order given): what an answer
    reads of them then costs no query."""
    kept = getattr(instance, name).all()
    kept._result_cache, kept._prefetch_done = objects, True
    instance.__dict__.setdefault("_prefetched_objects_cache", {})[name] = kept


def tag_order(tag) -> tuple:
    """A claim's tags in the order answers show them: by name, then id."""
    return (tag.name, tag.pk)


def _copy_through_rows(field, m2m_history_model, history_instance, instance):
    """Copy instance's rows of the m2m field's through table into its history, in one statement; return
    (the history rows, the related objects)."""
    through = getattr(instance, field.name).through
    link = through._meta.get_field(utils.get_m2m_field_name(field))
    target_field = through._meta.get_field(utils.get_m2m_reverse_field_name(field))
    target = target_field.related_model
    connection = connections[instance._state.db or DEFAULT_DB_ALIAS]
    copied = [f.column for f in through._meta.fields]
    history_column = m2m_history_model._meta.get_field("history").column
    quote = connection.ops.quote_name
    history_table, through_table, target_table = (
        quote(m._meta.db_table) for m in (m2m_history_model, through, target)
    )
    names = [f.attname for f in target._meta.concrete_fields]
    # Names of the models' own tables and columns only; the values are parameters.
    pk_of_target = f"{target_table}.{quote(target._meta.pk.column)}"
    link_of_row = f"{history_table}.{quote(target_field.column)}"
    where = f"FROM {target_table} WHERE {pk_of_target} = {link_of_row}"
    related_columns = [f"(SELECT {quote(target._meta.get_field(name).column)} {where})" for name in names]
    columns = ", ".join(map(quote, copied))
    sql = (
        f"INSERT INTO {history_table} ({columns}, {quote(history_column)}) "  # noqa: S608
        f"SELECT {columns}, %s FROM {through_table} WHERE {quote(link.column)} = %s "
        f"RETURNING {quote(m2m_history_model._meta.pk.column)}, {columns}, {', '.join(related_columns)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [history_instance.pk, instance.pk])
        rows = cursor.fetchall()
    created_rows, related = [], []
    width = 1 + len(copied)
    for row in rows:
        obj = target.from_db(connection.alias, names, row[width:])
        record = m2m_history_model(
            history=history_instance,
            **{f.attname: value for f, value in zip(through._meta.fields, row[1:width], strict=True)},
        )
        setattr(record, m2m_history_model._meta.pk.attname, row[0])
        record._state.adding, record._state.db = False, connection.alias
        created_rows.append(record)
        related.append(obj)
    return created_rows, related


class Claim(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        RESEARCHING = "researching", "Researching"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = "published", "Published"
        DISMISSED = "dismissed", "Dismissed"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"

    # Fields that may change only while the claim is new or researching.
    FROZEN_FIELDS = ("text", "rating", "verdict_summary", "verdict_explanation")
    EDITABLE_STATUSES = (Status.NEW, Status.RESEARCHING)

    text = models.TextField(validators=[validate_no_nul], help_text="The checkable statement, worded by the desk.")
    claimant = models.ForeignKey(Claimant, models.PROTECT, null=True, blank=True, related_name="claims")
    claim_date = models.DateField(null=True, blank=True, help_text="When the claim was made.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW, editable=False)
    rating = models.ForeignKey(Rating, models.PROTECT, null=True, blank=True, related_name="claims")
    verdict_summary = models.CharField(max_length=500, blank=True, validators=[validate_no_nul])
    verdict_explanation = models.TextField(blank=True, validators=[validate_no_nul])
    tags = models.ManyToManyField(Tag, blank=True, related_name="claims")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="assigned_claims"
    )
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="created_claims"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True, editable=False, help_text="First publication.")

    # What the public sees: a copy of the verdict taken at publication
    # (DESIGN §2), so a reopened claim keeps its last published verdict.
    public_snapshot = models.JSONField(null=True, blank=True, editable=False)
    last_published_at = models.DateTimeField(null=True, blank=True, editable=False)

    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    merged_into = models.ForeignKey(
        "self",
        models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_claims",
        help_text="The claim this one was merged into (tracker.finding.merge); it is in the trash since.",
    )
    # The stems that search finds the claim by, written by tracker.finding.search on every change
    # (PostgreSQL indexes it as the generated tsvector column search_vector, migration 0010).
    search_document = models.TextField(blank=True, default="", editable=False)

    objects = AliveClaimManager()
    all_objects = ClaimQuerySet.as_manager()

    history = ClaimHistory(m2m_fields=[tags], excluded_fields=["updated_at", "search_document"])

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("change_own_claim", "Can edit claims they logged, while new or researching"),
            ("transition_claim", "Can move claims through the verification workflow"),
            ("review_claim", "Can publish claims in review or send them back"),
        ]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="claim_status_updated"),
            models.Index(fields=["priority"], name="claim_priority"),
            # The queue's priority and assignee filters ("unassigned" too) under its default sort, newest change first.
            models.Index(fields=["priority", "-updated_at"], name="claim_priority_updated"),
            models.Index(fields=["assignee", "-updated_at"], name="claim_assignee_updated"),
            models.Index(fields=["created_at"], name="claim_created_at"),
            models.Index(fields=["-updated_at"], name="claim_updated_at"),
            models.Index(fields=["deleted_at"], name="claim_deleted_at"),
            # The queue's priority sort orders by an expression; only an index on it avoids sorting every claim.
            models.Index(priority_rank(), F("updated_at").desc(), F("id").desc(), name="claim_priority_rank"),
            # The public index, its feed and the ClaimReview feed, newest first, however deep the page. No
            # other index may lead with last_published_at: a full one (NULLs first: the ~90% never published)
            # lets the planner walk every unpublished claim to find a page of published ones.
            models.Index(
                F("last_published_at").desc(),
                F("id").desc(),
                condition=Q(public_snapshot__isnull=False, deleted_at__isnull=True),
                name="claim_public_order",
            ),
        ]

    def __str__(self) -> str:
        return self.shortened(self.text)

    def get_absolute_url(self) -> str:
        return reverse("claim-detail", args=[self.pk])

    @staticmethod
    def shortened(text: str) -> str:
        """Return a claim's text as its str() shows it, for pages that read the text without the instance."""
        return text if len(text) <= 80 else text[:79] + "…"

    def get_public_url(self) -> str:
        return reverse("factcheck-detail", args=[self.pk, self.public_slug])

    @property
    def public_slug(self) -> str:
        published = (self.public_snapshot or {}).get("text")
        # The working text only when needed: public lists defer it (its reading would be a query per row).
        return public_slug_of(published, "" if published else self.text)

    @property
    def in_trash(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_editable(self) -> bool:
        """Whether the verdict fields and text may change in the current status."""
        return self.status in self.EDITABLE_STATUSES

    @property
    def etag(self) -> str:
        return f'"{self.pk}-{self.version}"'

    def first_appearance(self):
        """Return the appearance in the earliest-published article (undated articles last)."""
        appearances = list(self.appearances.all())
        if not appearances:
            return None
        return min(appearances, key=Appearance.chronological_key)


def public_slug_of(public_text: str | None, text: str) -> str:
    """The slug of a claim's public page: from the text it was published with, else its text."""
    return slugify(public_text or text)[:80].strip("-") or "claim"


class StatusCountManager(models.Manager):
    def shift(self, deltas: dict[str, int]) -> None:
        """Add deltas ({status: +1 or -1}) to the counters, in the caller's transaction, after the claim is saved.

        F() makes each change an atomic increment, so concurrent transactions
        never lose one; rows are touched in status order so two transactions
        moving claims in opposite directions cannot deadlock.
        """
        moved = {status: delta for status, delta in deltas.items() if delta}
        if not moved:
            return
        change = Case(*(When(status=status, then=Value(delta)) for status, delta in sorted(moved.items())))
        # One statement for both counters of a transition; it locks their rows in index (status) order.
        self.settle(deltas, self.filter(status__in=sorted(moved)).update(count=F("count") + change))

    def shift_statement(self, deltas: dict[str, int]) -> tuple[str, list] | None:
        """Return shift's UPDATE as (sql, params), for a caller that runs it inside a statement of its own.

        That saves the write a round trip (claims.log_claim: PostgreSQL runs it within the statement that
        indexes the claim for matching); the caller then hands the rows it changed to settle().
        """
        moved = sorted((status, delta) for status, delta in deltas.items() if delta)
        if not moved:
            return None
        quote = connections[self.db].ops.quote_name
        table, column, count = quote(self.model._meta.db_table), quote("status"), quote("count")
        cases = " ".join(["WHEN %s THEN %s"] * len(moved))
        marks = ", ".join(["%s"] * len(moved))
        # Only the model's table and column names go into the text.
        sql = f"UPDATE {table} SET {count} = {count} + CASE {column} {cases} END WHERE {column} IN ({marks})"  # noqa: S608
        return sql, [value for pair in moved for value in pair] + [status for status, _ in moved]

    def settle(self, deltas: dict[str, int], changed: int) -> None:
        """Check what a shift changed: a counter missing (a table emptied by hand, a raw restore) is recounted."""
        if changed != len([delta for delta in deltas.values() if delta]):
            self.recount()

    def totals(self) -> dict[str, int]:
        """Return {status: number of claims outside the trash} for every status, without counting claims."""
        stored = dict(self.values_list("status", "count"))
        return {status: stored.get(status, 0) for status in Claim.Status.values}

    def recount(self) -> dict[str, tuple[int | None, int]]:
        """Recompute every counter from the claims; return {status: (old or None if missing, new)} where wrong."""
        with transaction.atomic():
            present = set(self.values_list("status", flat=True))
            # Missing rows first (ignoring any another transaction adds meanwhile), so every counter can be locked.
            missing = [self.model(status=status) for status in Claim.Status.values if status not in present]
            self.bulk_create(missing, ignore_conflicts=True)
            # Lock the counters before counting: a transaction that already moved
            # a claim commits before the count below reads the claims, and one
            # that has not yet moved it waits for this one and adds its change after.
            old = dict(self.select_for_update().order_by("status").values_list("status", "count"))
            real = dict(Claim.objects.order_by().values_list("status").annotate(n=models.Count("id")))
            wrong = {}
            for status in Claim.Status.values:
                new = real.get(status, 0)
                if status not in present or old[status] != new:
                    self.filter(status=status).update(count=new)
                    wrong[status] = (old[status] if status in present else None, new)
        return wrong


class StatusCount(models.Model):
    """How many claims outside the trash are in each status: the dashboard's totals without a COUNT(*).

    Kept by the code that changes what is counted (claims.log_claim,
    workflow.transition, trash, restore) in the same transaction;
    ``manage.py recount_statuses`` rebuilds it after changes made behind the
    domain's back (raw SQL, a restored backup).
    """

    status = models.CharField(max_length=20, choices=Claim.Status.choices, primary_key=True)
    count = models.IntegerField(default=0)

    objects = StatusCountManager()

    class Meta:
        ordering = ["status"]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.count}"


class Appearance(models.Model):
    class AnchorState(models.TextChoices):
        ANCHORED = "anchored", "Anchored"
        MOVED = "moved", "Moved"
        CHANGED = "changed", "Changed"
        ORPHANED = "orphaned", "Orphaned"

    claim = models.ForeignKey(Claim, models.CASCADE, related_name="appearances")
    article = models.ForeignKey(Article, models.PROTECT, related_name="appearances")
    quote = models.TextField(validators=[validate_no_nul])
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    prefix = models.CharField(max_length=anchoring.CONTEXT_LENGTH, blank=True)
    suffix = models.CharField(max_length=anchoring.CONTEXT_LENGTH, blank=True)
    attribution = models.CharField(
        max_length=500,
        blank=True,
        validators=[validate_no_nul],
        help_text="As worded in the article, e.g. “Secretary of State Marco Rubio said”.",
    )
    anchor_state = models.CharField(
        max_length=10, choices=AnchorState.choices, default=AnchorState.ANCHORED, editable=False
    )
    needs_confirmation = models.BooleanField(
        default=False,
        editable=False,
        help_text="Found again after the article changed, but not for certain (its words changed, or little of "
        "its context is left): the desk should confirm or re-attach it.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["article_id", "start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="appearance_end_after_start"),
            models.UniqueConstraint(fields=["claim", "article", "start", "end"], name="appearance_unique_span"),
        ]

    def __str__(self) -> str:
        return f"“{self.quote[:60]}” in {self.article}"

    def anchor_fields(self) -> tuple:
        return (self.anchor_state, self.quote, self.start, self.end, self.prefix, self.suffix, self.needs_confirmation)

    @property
    def shown_context(self) -> anchoring.ShownContext:
        """The quote's surroundings for the desk to read, cut at word boundaries.

        From the article text while the quote stands there; else (an orphaned
        quote) from the stored prefix and suffix.
        """
        body = self.article.body
        if self.anchor_state != self.AnchorState.ORPHANED and body[self.start : self.end] == self.quote:
            return anchoring.shown_context(body, self.start, self.end)
        text = self.prefix + self.quote + self.suffix
        return anchoring.shown_context(
            text,
            len(self.prefix),
            len(self.prefix) + len(self.quote),
            cut_before=len(self.prefix) >= anchoring.CONTEXT_LENGTH,
            cut_after=len(self.suffix) >= anchoring.CONTEXT_LENGTH,
        )

    @property
    def needs_attention(self) -> bool:
        """Whether the desk should look at this quote: orphaned, or placed but not confirmed."""
        return self.anchor_state == self.AnchorState.ORPHANED or self.needs_confirmation

    @staticmethod
    def chronological_key(appearance: Appearance):
        published = appearance.article.published_at
        return (published is None, published or timezone.now(), appearance.article_id, appearance.start)


class Source(models.Model):
    class Kind(models.TextChoices):
        OFFICIAL_STATEMENT = "official_statement", "Official statement"
        PRIMARY_DOCUMENT = "primary_document", "Primary document"
        DATASET = "dataset", "Dataset"
        NEWS_REPORT = "news_report", "News report"
        EXPERT = "expert", "Expert"
        FACT_CHECK = "fact_check", "Fact-check"
        OTHER = "other", "Other"

    url = models.URLField(max_length=2000, null=True, blank=True, unique=True, validators=[http_url_validator])
    title = models.CharField(max_length=500, validators=[validate_no_nul])
    publisher = models.CharField(max_length=200, blank=True, validators=[validate_no_nul])
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.OTHER)
    published_at = models.DateTimeField(null=True, blank=True)
    accessed_at = models.DateTimeField(null=True, blank=True)
    archive_url = models.URLField(max_length=2000, blank=True, validators=[http_url_validator])
    notes = models.TextField(blank=True, validators=[validate_no_nul])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.publisher})" if self.publisher else self.title

    def save(self, *args, **kwargs) -> None:
        if self.url == "":
            self.url = None
        super().save(*args, **kwargs)


class Evidence(models.Model):
    class Stance(models.TextChoices):
        SUPPORTS = "supports", "Supports"
        REFUTES = "refutes", "Refutes"
        CONTEXT = "context", "Context"

    claim = models.ForeignKey(Claim, models.CASCADE, related_name="evidence")
    source = models.ForeignKey(Source, models.PROTECT, related_name="evidence")
    stance = models.CharField(max_length=10, choices=Stance.choices)
    excerpt = models.TextField(blank=True, validators=[validate_no_nul], help_text="The passage relied on.")
    note = models.TextField(blank=True, validators=[validate_no_nul])
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["added_at", "id"]
        verbose_name_plural = "evidence"
        constraints = [models.UniqueConstraint(fields=["claim", "source"], name="evidence_unique_source")]

    def __str__(self) -> str:
        return f"{self.get_stance_display()}: {self.source}"


class AppendOnlyQuerySet(models.QuerySet):
    """Refuse bulk changes too, which would bypass the model's save() and delete()."""

    def update(self, **kwargs):
        raise ValidationError(f"{self.model.__name__} records are append-only.")

    def delete(self):
        raise ValidationError(f"{self.model.__name__} records are append-only.")


class AppendOnlyModel(models.Model):
    """A record that is written once and never changed or deleted."""

    # Django's own cascades (a deleted user's events keep their row with no
    # actor) go through the plain base manager and still work.
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError(f"{type(self).__name__} records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{type(self).__name__} records are append-only.")


class VerificationEvent(AppendOnlyModel):
    claim = models.ForeignKey(Claim, models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=Claim.Status.choices)
    to_status = models.CharField(max_length=20, choices=Claim.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    rating = models.ForeignKey(Rating, models.PROTECT, null=True, blank=True, related_name="+")
    version = models.PositiveIntegerField(help_text="The claim's version after this change.")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class Correction(AppendOnlyModel):
    claim = models.ForeignKey(Claim, models.CASCADE, related_name="corrections")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField()
    previous_rating = models.ForeignKey(Rating, models.PROTECT, null=True, blank=True, related_name="+")
    new_rating = models.ForeignKey(Rating, models.PROTECT, null=True, blank=True, related_name="+")
    event = models.OneToOneField(VerificationEvent, models.PROTECT, null=True, blank=True, related_name="correction")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Correction of {self.claim_id} on {self.at:%Y-%m-%d}"


class TrashedClaim(Claim):
    """Claims in the trash, for the admin's trash list and restore action."""

    class Meta:
        proxy = True
        verbose_name = "claim in the trash"
        verbose_name_plural = "trash"


class IdempotentRequest(models.Model):
    """The first answer to a creating POST sent with an Idempotency-Key, replayed to retries (DESIGN §4)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body.")
    status = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotent_request_user_key")]
        indexes = [models.Index(fields=["user", "created_at"], name="idempotent_request_age")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


from tracker.finding.models import *  # noqa: E402, F403  (finding's models, app label tracker)
from tracker.inbox.models import *  # noqa: E402, F403  (the inbox room's models, app label tracker)
