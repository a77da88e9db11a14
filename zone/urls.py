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

# People: registered persons of institutions (the whitelist's personnel scope).
from .views import people as views_people  # noqa: E402
from .views import people_staff as views_people_staff  # noqa: E402

urlpatterns += [
    path("people/", views_people.person_list, name="people-list"),
    path("people/new/", views_people.person_create, name="people-new"),
    path("people/<int:pk>/", views_people.person_detail, name="people-detail"),
    path("people/<int:pk>/edit/", views_people.person_edit, name="people-edit"),
    path("people/<int:pk>/submit/", views_people.person_submit, name="people-submit"),
    path("staff/people/", views_people_staff.person_queue, name="staff-people-queue"),
    path("staff/people/export/<str:fmt>/", views_people_staff.person_queue_export, name="staff-people-export"),
    path("staff/people/<int:pk>/", views_people_staff.person_detail, name="staff-people-detail"),
    path("staff/people/<int:pk>/approve/", views_people_staff.person_approve, name="staff-people-approve"),
    path("staff/people/<int:pk>/reject/", views_people_staff.person_reject, name="staff-people-reject"),
    path("staff/people/<int:pk>/suspend/", views_people_staff.person_suspend, name="staff-people-suspend"),
    path("staff/people/<int:pk>/reinstate/", views_people_staff.person_reinstate, name="staff-people-reinstate"),
]

# Data exports: research-data export filings and the negative list (the whitelist's data scope).
from .views import data_exports as views_data  # noqa: E402
from .views import data_exports_staff as views_data_staff  # noqa: E402

urlpatterns += [
    path("data-exports/", views_data.filing_list, name="data-exports"),
    path("data-exports/new/", views_data.filing_create, name="data-export-new"),
    path("data-exports/<int:pk>/", views_data.filing_detail, name="data-export"),
    path("data-exports/<int:pk>/edit/", views_data.filing_edit, name="data-export-edit"),
    path("data-exports/<int:pk>/submit/", views_data.filing_submit, name="data-export-submit"),
    path("data-exports/<int:pk>/withdraw/", views_data.filing_withdraw, name="data-export-withdraw"),
    path("staff/data-exports/", views_data_staff.queue, name="staff-data-exports"),
    path("staff/data-exports/export/<str:fmt>/", views_data_staff.queue_export, name="staff-data-export-download"),
    path("staff/data-exports/<int:pk>/", views_data_staff.filing_detail, name="staff-data-export"),
    path("staff/data-exports/<int:pk>/assess/", views_data_staff.filing_assess, name="staff-data-export-assess"),
    path("staff/data-exports/<int:pk>/approve/", views_data_staff.filing_approve, name="staff-data-export-approve"),
    path("staff/data-exports/<int:pk>/reject/", views_data_staff.filing_reject, name="staff-data-export-reject"),
    path(
        "staff/data-exports/negative-list/",
        views_data_staff.negative_list,
        name="staff-data-export-negative-list",
    ),
    path(
        "staff/data-exports/negative-list/new/",
        views_data_staff.negative_list_add,
        name="staff-data-export-negative-list-new",
    ),
    path(
        "staff/data-exports/negative-list/<int:pk>/edit/",
        views_data_staff.negative_list_edit,
        name="staff-data-export-negative-list-edit",
    ),
    path(
        "staff/data-exports/negative-list/<int:pk>/active/",
        views_data_staff.negative_list_active,
        name="staff-data-export-negative-list-active",
    ),
]
