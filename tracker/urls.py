from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker import logins, views

admin.site.site_header = "Factdesk administration"
admin.site.site_title = "Factdesk admin"
admin.site.index_title = "Desk configuration and power edits"
admin.site.login_form = logins.AdminLoginForm

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(authentication_form=logins.LoginForm), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # No password reset by e-mail: the desk sends no mail; admins set passwords in /admin/.
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("api/", include("tracker.api.urls")),
    # The editorial web UI and the public fact-check pages (DESIGN §5).
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("articles/", views.article_list, name="article-list"),
    path("articles/import/", views.article_import, name="article-import"),
    path("articles/import-url/", views.article_import_url, name="article-import-url"),
    path("articles/<int:pk>/", views.article_detail, name="article-detail"),
    path("articles/<int:pk>/claims/", views.log_claim, name="article-log-claim"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article-edit"),
    path("quotes/<int:pk>/reattach/", views.appearance_reattach, name="appearance-reattach"),
    path("quotes/<int:pk>/confirm/", views.appearance_confirm, name="appearance-confirm"),
    path("pick/<slug:kind>/", views.pick, name="pick"),
    path("claims/", views.claim_list, name="claim-list"),
    path("claims/trash/", views.trash_list, name="claim-trash-list"),
    path("claims/export.csv", views.claim_export, name="claim-export"),
    path("claims/bulk/", views.claim_bulk, name="claim-bulk"),
    path("claims/<int:pk>/", views.claim_detail, name="claim-detail"),
    path("claims/<int:pk>/edit/", views.claim_edit, name="claim-edit"),
    path("claims/<int:pk>/assign/", views.claim_assign, name="claim-assign"),
    path("claims/<int:pk>/transition/", views.claim_transition, name="claim-transition"),
    path("claims/<int:pk>/evidence/", views.evidence_add, name="claim-evidence-add"),
    path("claims/<int:pk>/evidence/<int:evidence_id>/remove/", views.evidence_remove, name="claim-evidence-remove"),
    path("claims/<int:pk>/appearances/", views.appearance_add, name="claim-appearance-add"),
    path("claims/<int:pk>/trash/", views.claim_trash, name="claim-trash"),
    path("claims/<int:pk>/restore/", views.claim_restore, name="claim-restore"),
    path("claims/<int:pk>/comments/", views.comment_add, name="claim-comment-add"),
    path("claims/<int:pk>/comments/<int:comment_id>/edit/", views.comment_edit, name="claim-comment-edit"),
    path("claims/<int:pk>/similar/", views.similar_panel, name="claim-similar"),
    path("claims/<int:pk>/merge/", views.claim_merge, name="claim-merge"),
    path("claims/<int:pk>/factcheck-evidence/", views.factcheck_evidence, name="claim-factcheck-evidence"),
    path("match/", views.match_panel, name="match-panel"),
    path("archive/", views.archive, name="archive"),
    path("claimants/<int:pk>/", views.claimant_detail, name="claimant-detail"),
    path("feeds/", views.feed_list, name="feed-list"),
    path("feeds/<int:pk>/", views.feed_detail, name="feed-detail"),
    path("feeds/<int:pk>/poll/", views.feed_poll, name="feed-poll"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/read/", views.notification_read, name="notification-read"),
    path("fact-checks/", views.factcheck_index, name="factcheck-index"),
    path("fact-checks/feed/", views.FactCheckFeed(), name="factcheck-feed"),
    path("fact-checks/corrections/", views.factcheck_corrections, name="factcheck-corrections"),
    path("fact-checks/corrections/feed/", views.CorrectionsFeed(), name="factcheck-corrections-feed"),
    path("fact-checks/<int:pk>/<str:slug>/", views.factcheck_detail, name="factcheck-detail"),
]

# A lost database answers 503 even when it fails outside a view (tracker.middleware).
handler500 = "tracker.middleware.handler500"
