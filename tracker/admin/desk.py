"""Admin of the desk's reference data: outlets, articles, claimants, tags, ratings and sources."""

from __future__ import annotations

from collections import Counter

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.html import format_html

from tracker import articles
from tracker.admin.base import HistoryAdmin, SafeInputAdmin, shorten
from tracker.admin.forms import ArticleAdminForm, SourceAdminForm
from tracker.models import Appearance, Article, Claimant, Outlet, Rating, Source, Tag

ALIVE_CLAIMS = Q(claims__deleted_at__isnull=True)


class ClaimCountMixin:
    """Show how many claims outside the trash use each row."""

    def get_queryset(self, request):
        # Annotated querysets drop Meta.ordering (GROUP BY); autocomplete pages need an order.
        return (
            super()
            .get_queryset(request)
            .annotate(claim_count=Count("claims", filter=ALIVE_CLAIMS))
            .order_by(*self.model._meta.ordering)
        )

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj) -> int:
        return obj.claim_count


@admin.register(Outlet)
class OutletAdmin(HistoryAdmin):
    list_display = ["name", "domain", "country", "language", "article_count"]
    list_filter = ["country", "language"]
    search_fields = ["name", "domain"]

    # Annotated querysets drop Meta.ordering (GROUP BY); autocomplete pages need an order.
    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(article_count=Count("articles"))
            .order_by(*self.model._meta.ordering)
        )

    @admin.display(description="articles", ordering="article_count")
    def article_count(self, obj) -> int:
        return obj.article_count


class ArticleAppearanceInline(admin.TabularInline):
    """The claims quoted in an article, shown on the article; they are edited on their claim."""

    model = Appearance
    fk_name = "article"
    verbose_name = "claim quoted here"
    verbose_name_plural = "claims quoted in this article"
    fields = ["claim", "quote", "start", "end", "anchor_state", "needs_confirmation"]
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim").filter(claim__deleted_at__isnull=True)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(HistoryAdmin):
    form = ArticleAdminForm
    list_display = ["title", "outlet", "language", "published_at", "claim_count", "created_at"]
    list_filter = ["outlet", "language"]
    list_select_related = ["outlet"]
    search_fields = ["title", "url", "outlet__name"]
    date_hierarchy = "published_at"
    autocomplete_fields = ["outlet", "translation_of", "republished_from"]
    readonly_fields = ["body_sha256", "created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "outlet", "url", "authors", ("published_at", "language"), "body"]}),
        ("Related articles", {"fields": ["translation_of", "republished_from"]}),
        ("Record", {"fields": ["body_sha256", "created_by", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [ArticleAppearanceInline]
    view_on_site = False

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(claim_count=Count("appearances__claim", distinct=True))
            .order_by(*self.model._meta.ordering)
        )

    @admin.display(description="claims", ordering="claim_count")
    def claim_count(self, obj) -> int:
        return obj.claim_count

    def save_model(self, request, obj, form, change):
        if not change:
            # The same door as the desk's import and the API: normalised text, duplicate check, history.
            fields = {name: form.cleaned_data[name] for name in form.Meta.fields if name in form.cleaned_data}
            saved = articles.import_article(by=request.user, **fields)
            obj.pk, obj.version, obj.body_sha256 = saved.pk, saved.version, saved.body_sha256
            obj._state.adding = False
            return
        # The one door for article edits: role, re-anchoring and history as in the desk and the API.
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        saved = articles.edit_article(obj, by=request.user, **changes)
        obj.pk, obj.version = saved.pk, saved.version
        outcomes = getattr(saved, "quote_outcomes", [])
        if outcomes:
            states = Counter(o.state for o in outcomes)
            level = messages.WARNING if states.get("orphaned") or states.get("changed") else messages.INFO
            self.message_user(
                request,
                f"The text changed; {articles.describe_outcomes(outcomes)}. Quotes to check are listed in the reader.",
                level,
            )


@admin.register(Claimant)
class ClaimantAdmin(ClaimCountMixin, HistoryAdmin):
    list_display = ["name", "kind", "description", "claim_count"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]


@admin.register(Tag)
class TagAdmin(ClaimCountMixin, SafeInputAdmin):
    list_display = ["name", "claim_count"]
    search_fields = ["name"]


@admin.register(Rating)
class RatingAdmin(ClaimCountMixin, HistoryAdmin):
    list_display = ["label", "slug", "value", "order", "claim_count"]
    list_display_links = ["label"]
    search_fields = ["label", "slug"]
    prepopulated_fields = {"slug": ["label"]}
    ordering = ["order", "id"]


@admin.register(Source)
class SourceAdmin(HistoryAdmin):
    form = SourceAdminForm
    list_display = ["title", "publisher", "kind", "link", "published_at", "evidence_count"]
    list_filter = ["kind", "publisher"]
    search_fields = ["title", "publisher", "url", "notes"]
    date_hierarchy = "published_at"
    readonly_fields = ["created_by", "created_at"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(evidence_count=Count("evidence"))
            .order_by(*self.model._meta.ordering)
        )

    @admin.display(description="URL", ordering="url")
    def link(self, obj) -> str:
        if not obj.url:
            return "—"
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">{}</a>', obj.url, shorten(obj.url, 50)
        )

    @admin.display(description="used as evidence", ordering="evidence_count")
    def evidence_count(self, obj) -> int:
        return obj.evidence_count

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
