"""Forms of the editorial web UI: they parse input; the domain modules decide and write."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy

from tracker import pickers, roles
from tracker.bulk.actions import ACTIONS as BULK_ACTIONS
from tracker.importing import TEXT_ENCODINGS
from tracker.models import Article, Claim, Claimant, Evidence, Rating, Source, Tag, validate_language
from tracker.reading import anchoring
from tracker.references import normalise_url
from tracker.uploads import MAX_UPLOAD_BYTES

MAX_INT = 2**31 - 1


def picker_input(kind: str, label: str, help_text: str) -> forms.CharField:
    """A text box that suggests names as one types (htmx fills its datalist) and beside it the hidden id.

    desk.js copies the id of a chosen suggestion into the hidden field named
    data-picker; without JavaScript the typed name is resolved on the server.
    """
    return forms.CharField(
        max_length=500,
        required=False,
        label=label,
        help_text=help_text,
        widget=forms.TextInput(
            attrs={
                "list": f"{kind}-options",
                "autocomplete": "off",
                "data-picker": kind,
                "hx-get": reverse_lazy("pick", args=[kind]),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{kind}-options",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                # The queue's form pushes its own URL; suggestions are not a page.
                "hx-push-url": "false",
            }
        ),
    )


def resolve_picker(form: forms.Form, kind: str, cleaned: dict) -> None:
    """Turn the picker's typed name (and the id desk.js put beside it) into the id in cleaned[kind].

    A request that carries the id alone (a link, the API's style) keeps it and
    shows its name in the box; an emptied box clears the filter, even if a stale id came along.
    """
    name_field = f"{kind}_name"
    if name_field not in form.data:
        obj = cleaned.get(kind)
        if obj is not None:
            pk = obj.pk if hasattr(obj, "pk") else obj
            found = pickers.KINDS[kind].model.objects.filter(pk=pk).first()
            if found is None:
                form.add_error(kind, f"There is no {pickers.KINDS[kind].noun} with this id.")
            else:
                cleaned[kind] = found
                form.data = form.data.copy()
                form.data[name_field] = pickers.label(pickers.KINDS[kind], found)
        return
    typed = cleaned.get(name_field) or ""
    if not typed.strip():
        cleaned[kind] = None
        return
    chosen = cleaned.get(kind)
    try:
        cleaned[kind] = pickers.resolve(kind, typed, chosen.pk if hasattr(chosen, "pk") else chosen)
    except ValidationError as exc:
        cleaned[kind] = None
        form.add_error(name_field, exc)


# The API's limits (tracker.api.serializers), so no door stores what another refuses.
MAX_CLAIM_TEXT = 10_000
MAX_QUOTE = 10_000
MAX_LONG_TEXT = 50_000


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name()
        return f"{name} ({obj.username})" if name else obj.username


def split_names(value: str) -> list[str]:
    """Split a comma-separated list, dropping blanks and repeats (case-insensitively)."""
    names, seen = [], set()
    for raw in (value or "").split(","):
        name = " ".join(raw.split())
        if name and name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return names


class ArticleImportForm(forms.Form):
    title = forms.CharField(max_length=500, required=False, help_text="Taken from the file when left empty.")
    outlet = forms.CharField(max_length=200, required=False, help_text="A new name creates the outlet.")
    url = forms.URLField(max_length=2000, required=False, assume_scheme="https")
    published_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), label="Published"
    )
    language = forms.CharField(max_length=35, initial="en", help_text="BCP 47, e.g. en, ru, pt-BR.")
    authors = forms.CharField(max_length=2000, required=False, help_text="Comma-separated names.")
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), required=False, strip=False, label="Text")
    file = forms.FileField(
        required=False, label="…or a .txt file", widget=forms.ClearableFileInput(attrs={"accept": ".txt,text/plain"})
    )
    encoding = forms.ChoiceField(
        choices=[("", "Detect (UTF-8 first)"), *TEXT_ENCODINGS],
        required=False,
        label="File encoding",
        help_text="Left to detection, the desk says which encoding it read; choose one if the letters come out wrong.",
    )

    def __init__(self, *args, file_too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # The upload handler dropped the file unread (tracker.uploads).
        self.file_too_large = file_too_large

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None and not self.file_too_large:
            return None
        if upload is not None and not upload.name.lower().endswith(".txt"):
            raise ValidationError("Upload a plain-text .txt file.")
        if self.file_too_large or upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return upload

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("file") and not (cleaned.get("body") or "").strip():
            raise ValidationError("Paste the article's text or choose a .txt file.")
        if cleaned.get("body") and cleaned.get("file"):
            raise ValidationError("Give either pasted text or a file, not both.")
        return cleaned

    def article_fields(self) -> dict:
        """Return the typed-in fields for import_article (outlet as a name, resolved by the view)."""
        data = self.cleaned_data
        fields = {
            "title": data["title"],
            "url": data["url"] or None,
            "published_at": data["published_at"],
            "language": data["language"].strip() or "en",
            "authors": split_names(data["authors"]),
            "body": data["body"],
        }
        return {name: value for name, value in fields.items() if value not in (None, "", [])}


class LogClaimForm(forms.Form):
    quote = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        strip=False,
        max_length=MAX_QUOTE,
        help_text="Exact words from the article. Select them in the text to fill this in.",
    )
    start = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_INT,
        widget=forms.HiddenInput,
        help_text="Where the quote starts, in characters; needed when the words occur more than once.",
    )
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Claim",
        help_text="The checkable statement, in the desk's words.",
        max_length=MAX_CLAIM_TEXT,
    )
    claimant = forms.CharField(
        max_length=200,
        required=False,
        help_text="Who made the claim. A new name is added.",
        widget=forms.TextInput(attrs={"list": "claimant-names", "autocomplete": "off"}),
    )
    claimant_kind = forms.ChoiceField(
        choices=[("", "Guess from the name"), *Claimant.Kind.choices],
        required=False,
        label="Claimant is a",
        help_text="For a new claimant; “Ukrainian Air Force” is guessed an organisation. Editable later on its page.",
    )
    claimant_description = forms.CharField(max_length=300, required=False, label="Claimant description")
    attribution = forms.CharField(max_length=500, required=False, help_text="As worded, e.g. “officials said”.")
    tags = forms.CharField(max_length=1000, required=False, help_text="Comma-separated.")
    priority = forms.ChoiceField(choices=Claim.Priority.choices, initial=Claim.Priority.NORMAL)


class AppearanceForm(forms.Form):
    article_name = picker_input("article", "Article", "Start typing its title and choose it from the list.")
    article = forms.IntegerField(min_value=1, max_value=MAX_INT, required=False, widget=forms.HiddenInput)
    quote = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), strip=False, max_length=MAX_QUOTE)
    start = forms.IntegerField(required=False, min_value=0, max_value=MAX_INT, label="Start (optional)")
    attribution = forms.CharField(max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "appearance_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        resolve_picker(self, "article", cleaned)
        if cleaned.get("article") is None and not self.has_error("article_name") and not self.has_error("article"):
            self.add_error("article_name", "Choose the article the claim appears in.")
        return cleaned


class ClaimantForm(forms.Form):
    """Edit a claimant; revision is the history record the page showed, so a stale edit is refused."""

    revision = forms.IntegerField(min_value=0, max_value=2**63 - 1, widget=forms.HiddenInput)
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Claimant.Kind.choices)
    description = forms.CharField(max_length=300, required=False, help_text="e.g. “US Secretary of State”")


class VersionedForm(forms.Form):
    """A form about one claim, carrying the version the user saw."""

    version = forms.IntegerField(min_value=1, max_value=MAX_INT, widget=forms.HiddenInput)


class ClaimEditForm(VersionedForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Claim", max_length=MAX_CLAIM_TEXT)
    claimant = forms.ModelChoiceField(Claimant.objects.all(), required=False)
    claim_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    rating = forms.ModelChoiceField(Rating.objects.all(), required=False, to_field_name="slug")
    verdict_summary = forms.CharField(max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    verdict_explanation = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 6}), max_length=MAX_LONG_TEXT
    )
    tags = forms.CharField(max_length=1000, required=False, help_text="Comma-separated.")
    priority = forms.ChoiceField(choices=Claim.Priority.choices)
    assignee = UserChoiceField(queryset=get_user_model().objects.none(), required=False)

    FIELDS = ("text", "claimant", "claim_date", "rating", "verdict_summary", "verdict_explanation", "tags")
    FIELDS += ("priority", "assignee")

    def __init__(self, *args, claim: Claim, **kwargs):
        self.claim = claim
        kwargs.setdefault("initial", self.initial_for(claim))
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = roles.desk_members()
        if not claim.is_editable:
            # Frozen fields keep their stored value whatever is posted.
            for name in Claim.FROZEN_FIELDS:
                self.fields[name].disabled = True

    @staticmethod
    def initial_for(claim: Claim) -> dict:
        return {
            "version": claim.version,
            "text": claim.text,
            "claimant": claim.claimant_id,
            "claim_date": claim.claim_date,
            "rating": claim.rating.slug if claim.rating_id else None,
            "verdict_summary": claim.verdict_summary,
            "verdict_explanation": claim.verdict_explanation,
            "tags": ", ".join(t.name for t in claim.tags.all()),
            "priority": claim.priority,
            "assignee": claim.assignee_id,
        }

    def changes(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version")
        data["tags"] = split_names(data["tags"])
        return data


class AssigneeForm(VersionedForm):
    assignee = UserChoiceField(queryset=get_user_model().objects.none(), required=False)

    def __init__(self, *args, **kwargs):
        # The claim page holds several forms: each names its ids apart (unique ids, working labels).
        kwargs.setdefault("auto_id", "assign_%s")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = roles.desk_members()


class TransitionForm(VersionedForm):
    to = forms.ChoiceField(choices=Claim.Status.choices)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "transition_%s")
        super().__init__(*args, **kwargs)


class EvidenceForm(VersionedForm):
    source = forms.ModelChoiceField(Source.objects.all(), required=False, widget=forms.HiddenInput)
    source_url = forms.URLField(max_length=2000, required=False, label="Source URL", assume_scheme="https")
    source_title = forms.CharField(max_length=500, required=False, label="Title")
    source_publisher = forms.CharField(max_length=200, required=False, label="Publisher")
    source_kind = forms.ChoiceField(choices=Source.Kind.choices, initial=Source.Kind.OTHER, label="Kind")
    stance = forms.ChoiceField(choices=Evidence.Stance.choices)
    excerpt = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The passage relied on.",
        max_length=MAX_LONG_TEXT,
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=MAX_LONG_TEXT)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "evidence_%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("source") is None and not cleaned.get("source_url"):
            raise ValidationError("Give the source's URL.")
        url = cleaned.get("source_url")
        missing_title = url and cleaned.get("source") is None and not cleaned.get("source_title")
        # A known URL reuses its source, which already has a title.
        if missing_title and not Source.objects.filter(url=normalise_url(url)).exists():
            self.add_error("source_title", "A new source needs a title.")
        return cleaned

    def source_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "url": data["source_url"],
            "title": data["source_title"],
            "publisher": data["source_publisher"],
            "kind": data["source_kind"],
        }


class ClaimFilterForm(forms.Form):
    """The claim queue's filters, named as in the API's claims/ list."""

    SORTS = {
        "-updated": ("-updated_at", "-id"),
        "updated": ("updated_at", "id"),
        "-created": ("-created_at", "-id"),
        "created": ("created_at", "id"),
        "priority": ("priority_rank", "-updated_at", "-id"),
        "status": ("status", "-updated_at", "-id"),
    }
    SORT_LABELS = {
        "-updated": "Recently changed",
        "updated": "Least recently changed",
        "-created": "Newest",
        "created": "Oldest",
        "priority": "Priority",
        "status": "Status",
    }

    search = forms.CharField(
        max_length=200,
        required=False,
        label="Search",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Words in claims, quotes, verdicts"}),
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *Claim.Status.choices], required=False)
    rating = forms.ModelChoiceField(
        Rating.objects.all(), to_field_name="slug", required=False, empty_label="Any rating"
    )
    tag = forms.CharField(max_length=64, required=False)
    claimant_name = picker_input("claimant", "Claimant", "Start typing a name.")
    claimant = forms.IntegerField(min_value=1, max_value=MAX_INT, required=False, widget=forms.HiddenInput)
    article_name = picker_input("article", "Article", "Start typing a title.")
    article = forms.IntegerField(min_value=1, max_value=MAX_INT, required=False, widget=forms.HiddenInput)
    outlet_name = picker_input("outlet", "Outlet", "Start typing a name.")
    outlet = forms.IntegerField(min_value=1, max_value=MAX_INT, required=False, widget=forms.HiddenInput)
    assignee = forms.ChoiceField(required=False, label="Assignee")
    priority = forms.ChoiceField(choices=[("", "Any priority"), *Claim.Priority.choices], required=False)
    created_after = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    created_before = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(choices=list(SORT_LABELS.items()), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        members = roles.desk_members().order_by("username").values_list("username", flat=True)[:500]
        self.fields["assignee"].choices = [
            ("", "Anyone"),
            ("me", "Me"),
            ("none", "Unassigned"),
            *((name, name) for name in members),
        ]

    def clean(self):
        cleaned = super().clean()
        for kind in ("claimant", "article", "outlet"):
            resolve_picker(self, kind, cleaned)
            if cleaned.get(kind) is not None:
                cleaned[kind] = cleaned[kind].pk
        return cleaned


class BulkForm(forms.Form):
    """The queue's bulk action: what to do, its value, and the claims ticked ("id:version" each)."""

    action = forms.ChoiceField(choices=[("", "Choose an action…"), *BULK_ACTIONS.items()], label="With the selected")
    assignee = UserChoiceField(queryset=get_user_model().objects.none(), required=False, empty_label="Nobody")
    priority = forms.ChoiceField(choices=Claim.Priority.choices, required=False)
    tag = forms.CharField(max_length=64, required=False)
    to = forms.ChoiceField(choices=Claim.Status.choices, required=False, label="Status")
    note = forms.CharField(max_length=5000, required=False, help_text="For moves that need one.")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = roles.desk_members()

    def clean(self):
        cleaned = super().clean()
        selection = {}
        for raw in self.data.getlist("claim") if hasattr(self.data, "getlist") else []:
            pk, _, version = str(raw).partition(":")
            if not (pk.isdigit() and len(pk) < 19 and (version == "" or (version.isdigit() and len(version) < 10))):
                raise ValidationError("The selection is not valid; reload the queue and select again.")
            selection[int(pk)] = int(version) if version else None
        if not selection:
            raise ValidationError("Select at least one claim first.")
        cleaned["selection"] = selection
        action = cleaned.get("action")
        if action == "tag" and not (cleaned.get("tag") or "").strip():
            self.add_error("tag", "Give the tag to add.")
        if action == "transition" and not cleaned.get("to"):
            self.add_error("to", "Choose the status to move to.")
        if action == "priority" and not cleaned.get("priority"):
            self.add_error("priority", "Choose the priority.")
        return cleaned

    def value(self):
        action = self.cleaned_data["action"]
        return {
            "assign": self.cleaned_data.get("assignee"),
            "priority": self.cleaned_data.get("priority"),
            "tag": (self.cleaned_data.get("tag") or "").strip(),
            "transition": self.cleaned_data.get("to"),
        }.get(action)


class ArticleSearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Search")


def tag_names() -> list[str]:
    return list(Tag.objects.values_list("name", flat=True)[:500])


MAX_BODY = 1_000_000


class ArticleEditForm(forms.Form):
    """The desk's article edit: title, address, language and text, with the version the editor opened."""

    version = forms.IntegerField(min_value=1, max_value=MAX_INT, widget=forms.HiddenInput)
    title = forms.CharField(max_length=500)
    url = forms.URLField(max_length=2000, required=False, assume_scheme="https", label="URL")
    language = forms.CharField(max_length=35, help_text="BCP 47, e.g. en, ru, pt-BR.")
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 24}),
        strip=False,
        max_length=MAX_BODY,
        label="Text",
        help_text="Plain text. Every logged quote is found again in the new text: preview to see how.",
    )

    FIELDS = ("title", "url", "language", "body")

    @staticmethod
    def initial_for(article: Article) -> dict:
        return {
            "version": article.version,
            "title": article.title,
            "url": article.url or "",
            "language": article.language,
            "body": article.body,
        }

    def clean_language(self):
        language = self.cleaned_data["language"].strip()
        try:
            validate_language(language)
        except ValidationError:
            raise ValidationError("Enter a BCP 47 language tag such as “en”, “ru” or “pt-BR”.") from None
        return language

    def clean_body(self):
        try:
            body = anchoring.normalise_body(self.cleaned_data["body"])
        except anchoring.InvalidText as exc:
            raise ValidationError(str(exc)) from None
        if not body:
            raise ValidationError("The article has no text.")
        return body

    def clean_title(self):
        if "\x00" in self.cleaned_data["title"]:
            raise ValidationError("The title contains a NUL character.")
        return self.cleaned_data["title"].strip()

    def changes(self) -> dict:
        data = self.cleaned_data
        return {"title": data["title"], "url": data["url"] or None, "language": data["language"], "body": data["body"]}


class QuotePlaceForm(forms.Form):
    """Re-attach a quote to text selected in the reader, or confirm where it was placed."""

    version = forms.IntegerField(min_value=1, max_value=MAX_INT, widget=forms.HiddenInput)
    start = forms.IntegerField(min_value=0, max_value=MAX_INT, required=False)
    end = forms.IntegerField(min_value=0, max_value=MAX_INT, required=False)
