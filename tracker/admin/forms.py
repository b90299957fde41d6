"""Forms of the admin: input parsing only; every rule they apply comes from the domain modules."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from tracker import articles, claims, references
from tracker.admin.base import refusals_on
from tracker.models import Appearance, Article, Claim, Evidence, Source, Tag
from tracker.reading import anchoring
from tracker.workflow import lock_claim

MAX_INT = 2**31 - 1


def formfield(db_field, **kwargs):
    """Build a model field's form field, with URLs assumed https when typed without a scheme."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


class AuthorsField(forms.CharField):
    """Authors as one name per line, stored as a list."""

    widget = forms.Textarea(attrs={"rows": 2, "cols": 60})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        return [line.strip() for line in text.splitlines() if line.strip()]


class ArticleAdminForm(forms.ModelForm):
    authors = AuthorsField(required=False, help_text="One name per line.")

    class Meta:
        model = Article
        formfield_callback = formfield
        fields = ["title", "outlet", "url", "authors", "published_at", "language", "body"]
        fields += ["translation_of", "republished_from"]
        widgets = {"body": forms.Textarea(attrs={"rows": 20, "cols": 100})}

    def clean(self):
        cleaned = super().clean()
        try:
            body = anchoring.normalise_body(cleaned.get("body") or "")
        except anchoring.InvalidText as exc:
            self.add_error("body", str(exc))
            return cleaned
        cleaned["body"] = body
        duplicate = articles.find_duplicate(body, cleaned.get("url"))
        # The same URL is caught by the field's own unique check; the same
        # text only here, since the hash is not a form field.
        if duplicate is not None and duplicate[1] == "text" and duplicate[0].pk != self.instance.pk:
            self.add_error("body", str(articles.DuplicateArticle(duplicate[0], reason="text")))
        return cleaned


class SourceAdminForm(forms.ModelForm):
    class Meta:
        model = Source
        formfield_callback = formfield
        fields = ["url", "title", "publisher", "kind", "published_at", "accessed_at", "archive_url", "notes"]

    def clean_url(self):
        # Normalised as the domain reuses sources, so the unique check sees
        # "HTTPS://Example.org/a#x" and "https://example.org/a" as one source.
        url = self.cleaned_data.get("url")
        return references.normalise_url(url) if url else None


class AppearanceForm(forms.ModelForm):
    """Ask for article, quote, optional start and attribution; anchor the quote in the article."""

    start = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_INT,
        help_text="Where the quote starts in the article text; leave empty when the quote occurs once.",
    )

    class Meta:
        model = Appearance
        fields = ["claim", "article", "quote", "start", "attribution"]
        widgets = {
            "quote": forms.Textarea(attrs={"rows": 2, "cols": 50}),
            "attribution": forms.TextInput(attrs={"size": 30}),
        }

    anchor: anchoring.Anchor | None = None

    def clean(self):
        cleaned = super().clean()
        article, quote = cleaned.get("article"), cleaned.get("quote")
        if article is None or not quote:
            return cleaned
        if self.instance.pk and not {"article", "quote", "start"} & set(self.changed_data):
            return cleaned  # untouched: keep the stored anchor, even a moved or orphaned one
        try:
            anchor = anchoring.anchor_quote(article.body, quote, cleaned.get("start"))
        except anchoring.StartMismatch as exc:
            self.add_error("start", str(exc))
            return cleaned
        except (anchoring.AnchorError, anchoring.InvalidText) as exc:
            self.add_error("quote", str(exc))
            return cleaned
        claim = cleaned.get("claim") or (self.instance.claim if self.instance.claim_id else None)
        if claim is not None and claim.pk is not None:
            stored = Appearance.objects.filter(claim=claim, article=article, start=anchor.start, end=anchor.end)
            if stored.exclude(pk=self.instance.pk).exists():
                self.add_error("quote", "This quote is already recorded as an appearance of the claim.")
                return cleaned
        self.anchor = anchor
        cleaned["quote"], cleaned["start"] = anchor.quote, anchor.start
        self.instance.end, self.instance.prefix, self.instance.suffix = anchor.end, anchor.prefix, anchor.suffix
        self.instance.anchor_state = Appearance.AnchorState.ANCHORED
        return cleaned

    def as_input(self) -> claims.AppearanceInput:
        data = self.cleaned_data
        return claims.AppearanceInput(
            article=data["article"], quote=data["quote"], start=data["start"], attribution=data.get("attribution", "")
        )


class EvidenceForm(forms.ModelForm):
    """Link a source to a claim; a linked source stays (to cite another, add it and remove this one)."""

    request = None  # set by EvidenceAdmin.get_form; inline forms leave the checks to their formset

    class Meta:
        model = Evidence
        fields = ["claim", "source", "stance", "excerpt", "note"]
        widgets = {
            "excerpt": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "note": forms.Textarea(attrs={"rows": 2, "cols": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("claim", "source"):
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self):
        cleaned = super().clean()
        if self.request is None or self.errors:
            return cleaned
        claim = self.instance.claim if self.instance.pk else cleaned.get("claim")
        with refusals_on(self):
            claims.check_evidence_editable(claim, self.request.user, adding=self.instance.pk is None)
        return cleaned


class ClaimAdminForm(forms.ModelForm):
    """The claim form; on change it carries the version it was opened at and checks the edit with the domain."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_INT)

    request = None  # set by ClaimAdmin.get_form

    class Meta:
        model = Claim
        fields = claims.EDITABLE_FIELDS
        widgets = {
            "text": forms.Textarea(attrs={"rows": 3, "cols": 80}),
            "verdict_summary": forms.Textarea(attrs={"rows": 2, "cols": 80}),
            "verdict_explanation": forms.Textarea(attrs={"rows": 6, "cols": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version
            self.fields["expected_version"].required = True

    def changes(self) -> dict:
        """Return the edited claim fields as tracker.claims.edit_claim takes them."""
        changes = {name: self.cleaned_data[name] for name in self.changed_data if name in claims.EDITABLE_FIELDS}
        if "tags" in changes:
            changes["tags"] = [tag.name for tag in changes["tags"]]
        return changes

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        if cleaned.get("expected_version") is None:
            # A hidden field's own error would not show on the page.
            raise ValidationError(
                "This form does not say which version of the claim it was opened at; reload the page.", code="version"
            )
        if self.errors:
            return cleaned
        with refusals_on(self):
            # Inside the admin's transaction: the row stays locked until the
            # save, so the check below still holds when edit_claim runs.
            current = lock_claim(self.instance, cleaned.get("expected_version"))
            claims.check_editable(current, self.request.user, claims.changed_fields(current, self.changes()))
        return cleaned


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Claim.Status.choices, widget=forms.HiddenInput)
    note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3, "cols": 70}), strip=True
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_INT)


class BulkTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Claim.Status.choices, label="Move to")
    note = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
        help_text="Needed to dismiss, send back or reopen; the same note goes with every claim.",
    )


class TagNameForm(forms.Form):
    tag = forms.CharField(
        max_length=Tag._meta.get_field("name").max_length,
        help_text="An existing tag (matched without regard to case) or a new one.",
    )


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Claim.Priority.choices)
