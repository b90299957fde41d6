"""Factories for test data; every test builds what it needs from these."""

import factory
from django.contrib.auth.models import Group, User

from tracker import claims
from tracker.models import Article, Claim, Claimant, Evidence, Outlet, Rating, Source

BODY = (
    "Secretary of State Marco Rubio said the United States does not have spare Patriot systems. "
    "NATO announced Wednesday that it would help buy up to 1,000 Patriot missiles. "
    "Officials said the contract could be worth around $5.5 billion."
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if extracted:
            self.groups.add(Group.objects.get(name=extracted))


def make_user(role: str | None = None, **kwargs) -> User:
    """Return a user in the given role's group ("admin" makes a superuser)."""
    if role == "admin":
        return UserFactory(is_superuser=True, **kwargs)
    return UserFactory(role=role, **kwargs)


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Outlet {n}")
    domain = factory.Sequence(lambda n: f"outlet{n}.example")
    country = "US"
    language = "en"


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Article {n}")
    outlet = factory.SubFactory(OutletFactory)
    url = factory.Sequence(lambda n: f"https://news.example/{n}")
    authors = factory.LazyFunction(lambda: ["Ann Author"])
    language = "en"
    body = factory.Sequence(lambda n: f"{BODY} (Story {n}.)")


class ClaimantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claimant

    name = factory.Sequence(lambda n: f"Claimant {n}")
    kind = Claimant.Kind.PERSON
    description = "Spokesperson"


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://source.example/doc/{n}")
    title = factory.Sequence(lambda n: f"Source document {n}")
    publisher = "Example Ministry"
    kind = Source.Kind.OFFICIAL_STATEMENT


def make_claim(
    *,
    by=None,
    article=None,
    quote="NATO announced Wednesday",
    text="NATO will help buy up to 1,000 Patriot missiles.",
    **fields,
) -> Claim:
    """Log a claim through the domain, anchored in article (a new one by default)."""
    by = by or make_user("reporter")
    article = article or ArticleFactory()
    fields.setdefault("claimant", ClaimantFactory())
    return claims.log_claim(
        claims.ClaimInput(text=text, appearances=[claims.AppearanceInput(article=article, quote=quote)], **fields),
        by=by,
    )


def add_evidence(claim: Claim, *, by=None, stance=Evidence.Stance.SUPPORTS, source=None) -> Evidence:
    return claims.add_evidence(
        claim, source=source or SourceFactory(), stance=stance, by=by or make_user("editor"), excerpt="Quoted passage."
    )


def ready_for_review(claim: Claim, *, by=None, rating: str = "true") -> Claim:
    """Give claim what review needs: a rating, a summary and one piece of evidence."""
    by = by or make_user("editor")
    add_evidence(claim, by=by)
    return claims.edit_claim(
        claim,
        {"rating": Rating.objects.get(slug=rating), "verdict_summary": "Confirmed by the agency's release."},
        by=by,
        expected_version=None,
    )
