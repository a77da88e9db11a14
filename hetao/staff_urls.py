"""Staff portal pages."""

from django.urls import path

from hetao import staff_views

urlpatterns = [
    path("audit/", staff_views.audit_events, name="staff-audit"),
]
