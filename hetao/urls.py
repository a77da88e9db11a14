"""URL configuration: browser pages, the partner API under /api/v1/, the admin."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from customs import api as customs_api
from hetao import batch_views, views
from hetao.api import batches as batches_api
from hetao.api.urls import router
from zone.api import whitelist as api_whitelist

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "api/v1/whitelist/verify/<str:filing_no>/",
        api_whitelist.FilingVerificationView.as_view(),
        name="whitelist-verify",
    ),
    path("api/v1/people/check/", customs_api.PassageCheckView.as_view(), name="people-check"),
    path("api/v1/customs/precheck/", customs_api.PrecheckView.as_view(), name="customs-precheck"),
    path("api/v1/batches/templates/<str:kind>/", batches_api.BatchTemplateView.as_view(), name="batch-template"),
    # Namespaced: the API's route names ("api:whitelist-application-submit") never shadow the pages'.
    path("api/v1/", include((router.urls, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("batches/", batch_views.batch_list, name="batches"),
    path("batches/<int:pk>/", batch_views.batch_detail, name="batch"),
    path("batches/<int:pk>/progress/", batch_views.batch_progress, name="batch-progress"),
    path("", include("zone.urls")),
    path("", include("customs.urls")),
    path("", views.home, name="home"),
    path("accounts/", include("hetao.accounts_urls")),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/", views.notification_open, name="notification"),
    path("staff/", include("hetao.staff_urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "hetao.views.bad_request"
handler403 = "hetao.views.permission_denied"
handler404 = "hetao.views.page_not_found"
handler500 = "hetao.views.server_error"
