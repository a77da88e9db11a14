"""Browser pages of customs: the passage check of registered persons at a checkpoint, the
institutions' declarations and bonded stock, and the officers' queue, decisions, risk rules and
stock."""

from django.urls import path

from . import views
from .views import declarations, declarations_staff, gate, rules_staff, stock

urlpatterns = [
    path("staff/passage-check/", views.passage_check, name="staff-passage-check"),
    # Institution portal
    path("customs/declarations/", declarations.declaration_list, name="customs-declarations"),
    path("customs/declarations/new/", declarations.declaration_create, name="customs-declaration-new"),
    path("customs/declarations/<int:pk>/", declarations.declaration_detail, name="customs-declaration"),
    path("customs/declarations/<int:pk>/edit/", declarations.declaration_edit, name="customs-declaration-edit"),
    path("customs/declarations/<int:pk>/file/", declarations.declaration_file, name="customs-declaration-file"),
    path("customs/declarations/<int:pk>/cancel/", declarations.declaration_cancel, name="customs-declaration-cancel"),
    path("customs/stock/", stock.stock_list, name="customs-stock"),
    path("customs/stock/export/<str:fmt>/", stock.stock_export, name="customs-stock-export"),
    path("customs/stock/<int:pk>/", stock.stock_balance, name="customs-stock-balance"),
    # Staff
    path("staff/customs/", declarations_staff.queue, name="staff-customs-declarations"),
    path(
        "staff/customs/export/<str:fmt>/",
        declarations_staff.queue_export,
        name="staff-customs-declarations-export",
    ),
    path(
        "staff/customs/declarations/<int:pk>/",
        declarations_staff.declaration_detail,
        name="staff-customs-declaration",
    ),
    path(
        "staff/customs/declarations/<int:pk>/inspect/",
        declarations_staff.declaration_inspect,
        name="staff-customs-declaration-inspect",
    ),
    path(
        "staff/customs/declarations/<int:pk>/release/",
        declarations_staff.declaration_release,
        name="staff-customs-declaration-release",
    ),
    path(
        "staff/customs/declarations/<int:pk>/hold/",
        declarations_staff.declaration_hold,
        name="staff-customs-declaration-hold",
    ),
    path(
        "staff/customs/declarations/<int:pk>/reject/",
        declarations_staff.declaration_reject,
        name="staff-customs-declaration-reject",
    ),
    path("staff/customs/gate/", gate.gate, name="staff-customs-gate"),
    path("staff/customs/rules/", rules_staff.rule_list, name="staff-customs-rules"),
    path("staff/customs/rules/new/", rules_staff.rule_add, name="staff-customs-rule-new"),
    path("staff/customs/rules/<int:pk>/edit/", rules_staff.rule_edit, name="staff-customs-rule-edit"),
    path("staff/customs/rules/<int:pk>/active/", rules_staff.rule_active, name="staff-customs-rule-active"),
    path("staff/customs/stock/", stock.staff_stock_list, name="staff-customs-stock"),
    path("staff/customs/stock/export/<str:fmt>/", stock.staff_stock_export, name="staff-customs-stock-export"),
    path("staff/customs/stock/<int:pk>/", stock.staff_stock_balance, name="staff-customs-stock-balance"),
]
