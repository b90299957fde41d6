"""Load the demo desk (tracker/demo/data.py) through the domain, once.

Every write goes through the same functions the desk uses: articles through
tracker.articles.import_article, claims and evidence through tracker.claims,
status changes through tracker.workflow.transition. Loading is idempotent:
what is already there (an article with the seed's text, a claim whose first
quote is already anchored in its article) is left alone, so a second run
changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from tracker import articles, claims, importing, references, workflow
from tracker.demo import data
from tracker.models import Appearance, Article, Claim, Claimant, Outlet, Rating

SEEDS_DIR = Path(__file__).resolve().parent / data.SEEDS_DIR

# Who does each kind of step when demo users exist; without them the steps
# run as the system (by=None), as data-loading commands may.
LOGGER = "reporter"
EDITOR = "editor"
REVIEWER = "reviewer"


class DemoLoadError(Exception):
    """The demo cannot be loaded into this database; nothing was written."""


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str


@dataclass
class DemoReport:
    outlets: list[Outlet] = field(default_factory=list)
    articles: list[Article] = field(default_factory=list)
    completed_articles: list[Article] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    sources: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    users_refused: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.outlets or self.articles or self.completed_articles or self.claims)

    def status_counts(self) -> Counter:
        return Counter(claim.status for claim in self.claims)


def _moment(value: str | None) -> datetime.datetime | None:
    if value is None:
        return None
    return datetime.datetime.combine(datetime.date.fromisoformat(value), importing.DATE_ONLY_TIME)


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


# ---------------------------------------------------------------- users


def ensure_users(report: DemoReport) -> dict[str, object]:
    """Create or refresh the demo users; return them by username.

    A user with a demo username but not created by the demo (its email is not
    the demo one) is left untouched and reported in users_refused.
    """
    User = get_user_model()
    users = {}
    for spec in data.DEMO_USERS:
        email = f"{spec['username']}@{data.DEMO_EMAIL_DOMAIN}"
        user = User.objects.filter(username=spec["username"]).first()
        if user is not None and user.email != email:
            report.users_refused.append(spec["username"])
            continue
        if user is None:
            user = User(username=spec["username"], email=email)
            report.users_created.append(spec["username"])
        user.is_staff = True
        user.is_active = True
        user.is_superuser = spec["group"] is None
        if not user.has_usable_password() or not user.check_password(spec["password"]):
            user.set_password(spec["password"])
        user.save()
        if spec["group"]:
            user.groups.set([Group.objects.get(name=spec["group"])])
        users[spec["username"]] = user
        report.logins.append(DemoLogin(spec["username"], spec["password"], spec["role"]))
    return users


# ---------------------------------------------------------------- articles


def _outlet(key: str, by, report: DemoReport) -> Outlet:
    spec = data.OUTLETS[key]
    known = Outlet.objects.filter(name__iexact=spec["name"]).exists()
    outlet = references.outlet_named(spec, by=by)
    if not known:
        report.outlets.append(outlet)
    return outlet


def _metadata(spec: dict, outlets: dict, stored: dict) -> dict:
    fields = {
        "outlet": outlets[spec["outlet"]],
        "url": spec["url"],
        "authors": list(spec["authors"]),
        "published_at": _moment(spec["published_at"]),
        "language": spec["language"],
    }
    for link in ("translation_of", "republished_from"):
        if spec.get(link):
            fields[link] = stored[spec[link]]
    return fields


def _complete(article: Article, fields: dict, by, report: DemoReport) -> None:
    """Fill the metadata an already stored seed article lacks (imported by hand, say); change nothing else."""
    missing = {}
    for name, value in fields.items():
        if name in ("language", "title", "body") or value in (None, "", []):
            continue
        current = getattr(article, name)
        if current in (None, "", []):
            if name == "url" and Article.objects.filter(url=value).exclude(pk=article.pk).exists():
                continue
            missing[name] = value
    if not missing:
        return
    for name, value in missing.items():
        setattr(article, name, value)
    article.full_clean(validate_unique=False, validate_constraints=False)
    article._history_user = by
    article.save()
    report.completed_articles.append(article)


def _metadata_only_article(spec: dict, fields: dict, by, report: DemoReport) -> Article:
    titles = [spec["title"], *spec.get("former_titles", [])]
    existing = Article.objects.filter(body="", title__in=titles, outlet=fields["outlet"]).first()
    if existing is not None:
        return existing
    # The original of a translation whose text the desk does not hold: the
    # model allows an empty body for exactly this, import_article does not.
    article = Article(title=spec["title"], body="", created_by=by, **fields)
    article.full_clean(validate_unique=False, validate_constraints=False)
    article._history_user = by
    article.save()
    report.articles.append(article)
    return article


def load_articles(by, report: DemoReport) -> dict[str, Article]:
    """Store the demo articles (or find them stored) and return them by key."""
    outlets = {key: _outlet(key, by, report) for key in data.OUTLETS}
    stored: dict[str, Article] = {}
    for key, spec in data.ARTICLES.items():
        fields = _metadata(spec, outlets, stored)
        if spec["seed"] is None:
            stored[key] = _metadata_only_article(spec, fields, by, report)
            continue
        document = importing.parse_text_document((SEEDS_DIR / spec["seed"]).read_bytes(), name=spec["seed"])
        try:
            article = articles.import_article(by=by, **document, **fields)
        except articles.DuplicateArticle as exc:
            article = exc.existing
            _complete(article, fields, by, report)
        else:
            report.articles.append(article)
        stored[key] = article
    return stored


# ---------------------------------------------------------------- claims


class _Desk:
    """Runs the claim steps as the demo users, or as the system when there are none."""

    def __init__(self, users: dict):
        self.users = users

    def actor(self, role: str):
        return self.users.get(role)

    def kwargs(self, role: str) -> dict:
        user = self.actor(role)
        return {"by": user, "as_system": user is None}


def _claimant(key: str, by) -> Claimant:
    spec = data.CLAIMANTS[key]
    return references.claimant_named(spec["name"], spec.get("description", ""), kind=spec["kind"], by=by)


def _already_logged(spec: dict, stored: dict) -> bool:
    first = spec["appearances"][0]
    return Appearance.objects.filter(article=stored[first["article"]], quote=first["quote"]).exists()


def _run_step(claim: Claim, action: str, args: dict, desk: _Desk, report: DemoReport) -> Claim:
    if action == "transition":
        role = REVIEWER if args["to"] == Claim.Status.PUBLISHED else EDITOR
        return workflow.transition(claim, to=args["to"], note=args.get("note", ""), **desk.kwargs(role))
    if action == "evidence":
        editor = desk.kwargs(EDITOR)
        source_spec = data.SOURCES[args["source"]]
        source, created = references.source_for(
            {**source_spec, "published_at": _moment(source_spec["published_at"])}, by=editor["by"]
        )
        report.sources += created
        claims.add_evidence(
            claim,
            source=source,
            stance=args["stance"],
            excerpt=args.get("excerpt", ""),
            note=args.get("note", ""),
            **editor,
        )
        return Claim.all_objects.get(pk=claim.pk)
    if action == "verdict":
        changes = dict(args)
        if "rating" in changes:
            changes["rating"] = Rating.objects.get(slug=changes["rating"])
        return claims.edit_claim(claim, changes, expected_version=claim.version, **desk.kwargs(EDITOR))
    if action == "assign":
        assignee = desk.actor(args["to"])
        if assignee is None:
            return claim
        return claims.edit_claim(claim, {"assignee": assignee}, expected_version=claim.version, **desk.kwargs(EDITOR))
    raise ValueError(f"Unknown demo step {action!r}")


def load_claims(stored: dict[str, Article], desk: _Desk, report: DemoReport) -> None:
    """Log each demo claim not yet logged and walk it through its steps."""
    for spec in data.CLAIMS:
        if _already_logged(spec, stored):
            continue
        claim_input = claims.ClaimInput(
            text=spec["text"],
            claimant=_claimant(spec["claimant"], desk.actor(LOGGER)),
            claim_date=_date(spec.get("claim_date")),
            priority=spec.get("priority", Claim.Priority.NORMAL),
            tags=list(spec.get("tags", [])),
            appearances=[
                claims.AppearanceInput(
                    article=stored[item["article"]], quote=item["quote"], attribution=item.get("attribution", "")
                )
                for item in spec["appearances"]
            ],
        )
        try:
            claim = claims.log_claim(claim_input, **desk.kwargs(LOGGER))
            for action, args in spec["steps"]:
                claim = _run_step(claim, action, args, desk, report)
        except (workflow.WorkflowError, ValidationError, Rating.DoesNotExist) as exc:
            # A desk whose rating scale or seed texts were changed by hand
            # may refuse a step; say which claim and why instead of a traceback.
            raise DemoLoadError(f"The demo claim “{spec['text']}” could not be loaded: {_reason(exc)}") from exc
        report.claims.append(claim)


def _reason(exc: Exception) -> str:
    if isinstance(exc, Rating.DoesNotExist):
        slugs = ", ".join(
            sorted({args["rating"] for spec in data.CLAIMS for a, args in spec["steps"] if "rating" in args})
        )
        return f"the rating scale lacks a rating the demo uses ({slugs})."
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc)


def load_demo(*, with_users: bool = False) -> DemoReport:
    """Load the demo desk once, all or nothing; with_users also creates (or refreshes) the demo logins."""
    report = DemoReport()
    with transaction.atomic():
        users = ensure_users(report) if with_users else {}
        desk = _Desk(users)
        stored = load_articles(desk.actor(LOGGER), report)
        load_claims(stored, desk, report)
    return report
