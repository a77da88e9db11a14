"""Staff portal pages."""

from django.urls import path

from hetao import staff_views

urlpatterns = [
    path("audit/", staff_views.audit_events, name="staff-audit"),
    path("audit/export/<str:fmt>/", staff_views.audit_export, name="staff-audit-export"),
    path("tokens/", staff_views.tokens, name="staff-tokens"),
    path("tokens/new/", staff_views.token_create, name="staff-token-create"),
    path("tokens/<int:pk>/revoke/", staff_views.token_revoke, name="staff-token-revoke"),
]
