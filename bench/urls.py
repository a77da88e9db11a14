"""The portal's URLs plus the baseline and diagnostic views of the benchmarks."""

from django.urls import path

from bench import views
from hetao.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    path("bench/bare/", views.bare, name="bench-bare"),
    path("bench/drf-ok/", views.DrfOk.as_view(), name="bench-drf-ok"),
    path("bench/drf-ok-nothrottle/", views.DrfOkNoThrottle.as_view(), name="bench-drf-ok-nothrottle"),
    path("bench/drf-ok-noauth/", views.DrfOkNoAuth.as_view(), name="bench-drf-ok-noauth"),
    path("bench/sites-nothrottle/", views.SiteListNoThrottle.as_view({"get": "list"}), name="bench-sites-nothrottle"),
    *portal_urlpatterns,
]
