"""Browser pages of the zone: registration, invitations, the institution portal's whitelist filing,
public verification, and the whitelist staff pages."""

from django.urls import path

from hetao import views as account_views

from .views import institutions as views_institutions
from .views import staff as views_staff
from .views import whitelist as views

urlpatterns = [
    # Public
    path("register/", views_institutions.register, name="register"),
    path("register/sent/", views_institutions.register_sent, name="register-sent"),
    # Links of confirmation e-mails sent before they moved under /accounts/confirm/.
    path("register/confirm/<str:uidb64>/<str:token>/", account_views.account_confirm),
    path("invitations/<str:secret>/", views_institutions.invitation, name="invitation"),
    path("whitelist/verify/", views_institutions.verify_filing, name="verify-filing"),
    # Institution portal
    path("institutions/<int:pk>/", views_institutions.institution_detail, name="institution"),
    path("whitelist/", views.whitelist_overview, name="whitelist-overview"),
    path("whitelist/applications/", views.application_list, name="whitelist-applications"),
    path("whitelist/applications/new/", views.application_create, name="whitelist-application-new"),
    path("whitelist/applications/<int:pk>/", views.application_detail, name="whitelist-application"),
    path("whitelist/applications/<int:pk>/edit/", views.application_edit, name="whitelist-application-edit"),
    path("whitelist/applications/<int:pk>/submit/", views.application_submit, name="whitelist-application-submit"),
    path(
        "whitelist/applications/<int:pk>/withdraw/", views.application_withdraw, name="whitelist-application-withdraw"
    ),
    path(
        "whitelist/applications/<int:pk>/documents/", views.document_upload, name="whitelist-application-document-add"
    ),
    path(
        "whitelist/applications/<int:pk>/documents/<int:doc_id>/",
        views.document_download,
        name="whitelist-application-document",
    ),
    path(
        "whitelist/applications/<int:pk>/documents/<int:doc_id>/delete/",
        views.document_delete,
        name="whitelist-application-document-delete",
    ),
    path("whitelist/applications/<int:pk>/comments/", views.comment_create, name="whitelist-application-comment"),
    # Staff
    path("staff/whitelist/", views_staff.review_queue, name="staff-review-queue"),
    path("staff/whitelist/export/<str:fmt>/", views_staff.review_queue_export, name="staff-review-export"),
    path("staff/whitelist/applications/<int:pk>/", views_staff.review_application, name="staff-review-application"),
    path("staff/whitelist/applications/<int:pk>/assign/", views_staff.review_assign, name="staff-review-assign"),
    path("staff/whitelist/applications/<int:pk>/comment/", views_staff.review_comment, name="staff-review-comment"),
    path(
        "staff/whitelist/applications/<int:pk>/request-changes/",
        views_staff.review_request_changes,
        name="staff-review-request-changes",
    ),
    path("staff/whitelist/applications/<int:pk>/approve/", views_staff.review_approve, name="staff-review-approve"),
    path("staff/whitelist/applications/<int:pk>/reject/", views_staff.review_reject, name="staff-review-reject"),
    path("staff/whitelist/entries/", views_staff.registry, name="staff-registry"),
    path("staff/whitelist/entries/<int:pk>/status/", views_staff.registry_change, name="staff-registry-change"),
]
