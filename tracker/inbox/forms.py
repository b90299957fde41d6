"""Forms of the inbox's desk pages."""

from django import forms

from tracker.inbox.models import Comment, Feed
from tracker.models import Outlet


class ImportUrlForm(forms.Form):
    url = forms.CharField(
        label="Address of the article",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://news.example/2025/06/story"}),
        help_text="The desk fetches the page, takes its text, headline, authors, date and outlet.",
    )

    def __init__(self, *args, **kwargs):
        # It shares the import page with the paste form, which has a url field too.
        kwargs.setdefault("auto_id", "fetch_%s")
        super().__init__(*args, **kwargs)


class FeedForm(forms.ModelForm):
    interval_minutes = forms.IntegerField(label="Read every (minutes)", min_value=5, max_value=7 * 24 * 60, initial=30)

    class Meta:
        model = Feed
        fields = ["url", "kind", "title", "outlet", "interval_minutes", "active"]
        labels = {"url": "Feed address", "kind": "Kind"}
        help_texts = {"title": "Blank to take the feed's own title."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = Outlet.objects.order_by("name")


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=Comment._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write a comment; @username tells a colleague."}),
    )


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label="Also send me these by e-mail", required=False)
