from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Factdesk administration"
admin.site.site_title = "Factdesk admin"
admin.site.index_title = "Desk configuration and power edits"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("tracker.api.urls")),
]
