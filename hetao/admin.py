"""Django admin of the portal core: users, API tokens, notifications; the site's titles; shared admin pieces.

The audit trail is browsed in the events admin of django-pghistory (read-only: events are
append-only in the database as well); every audited record links to its own events.
"""

from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hetao.models import ApiToken, BatchFiling, Notification, User
from hetao.services import api_token_revoke, user_save

admin.site.site_header = _("Hetao Zone Portal administration")
admin.site.site_title = _("Hetao Zone Portal administration")
admin.site.index_title = _("Records of the zone")


def audit_trail_url(obj) -> str | None:
    """The events admin filtered to one record's audit trail."""
    try:
        changelist = reverse("admin:pghistory_middlewareevents_changelist")
    except NoReverseMatch:
        return None
    return f"{changelist}?{urlencode({'obj': f'{obj._meta.label_lower}:{obj.pk}', 'method': 'tracks'})}"


class AuditTrailMixin:
    """Adds a read-only “Audit trail” link to the change page of an audited model."""

    @admin.display(description=_("audit trail"))
    def audit_trail(self, obj):
        url = audit_trail_url(obj) if obj is not None and obj.pk else None
        if url is None:
            return "—"
        return format_html('<a href="{}">{}</a>', url, _("Every change of this record"))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "audit_trail"] if obj is not None else fields


class ServiceAdminMixin:
    """The admin writes through the services, like every other interface: `save_service(instance=,
    actor=)` and `delete_service(instance=, actor=)` on the model admin and on each inline."""

    save_service = None
    delete_service = None

    def save_model(self, request, obj, form, change):
        saved = type(self).save_service(instance=obj, actor=request.user)
        if saved is not None and saved is not obj:
            obj.pk = saved.pk

    def delete_model(self, request, obj):
        type(self).delete_service(instance=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset.order_by("pk"):
            type(self).delete_service(instance=obj, actor=request.user)

    def has_delete_permission(self, request, obj=None):
        # Without a service that deletes the record, the admin does not delete it either.
        return type(self).delete_service is not None and super().has_delete_permission(request, obj)

    def save_formset(self, request, form, formset, change):
        inline = next((i for i in self.get_inline_instances(request, form.instance) if i.model is formset.model), None)
        save = getattr(type(inline), "save_service", None) if inline else None
        delete = getattr(type(inline), "delete_service", None) if inline else None
        if save is None:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            delete(instance=obj, actor=request.user)
        for obj in instances:
            save(instance=obj, actor=request.user)
        formset.save_m2m()


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records changed only by their services (workflows, tasks): the admin shows them, nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(ServiceAdminMixin, AuditTrailMixin, DjangoUserAdmin):
    save_service = staticmethod(user_save)

    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language")}),
        (_("Staff roles and permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Individual permissions"), {"classes": ("collapse",), "fields": ("user_permissions",)}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "language", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ["username", "email", "first_name", "last_name", "language", "is_staff", "is_active", "roles"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "language"]
    search_fields = ["username", "first_name", "last_name", "email"]
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("staff roles"))
    def roles(self, obj):
        return ", ".join(group.name for group in obj.groups.all()) or "—"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A zone administrator manages accounts but may not make anyone, themselves included,
        # a superuser or hand out permissions outside the staff roles.
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        return fields


class TokenStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", _("Active")), ("expired", _("Expired")), ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "active":
            return queryset.usable()
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(AuditTrailMixin, admin.ModelAdmin):
    """Tokens are created where their secret can be shown once (staff pages, `create_api_token`).

    The admin lists and revokes them; it never shows or edits the stored hash.
    """

    list_display = ["name", "key_prefix", "owner", "institution", "scope_list", "expires_at", "last_used_at", "status"]
    list_filter = [TokenStatusFilter, "created_at", "expires_at"]
    list_select_related = ["owner", "institution"]
    search_fields = ["name", "key_prefix", "owner__username", "institution__name_en", "institution__registration_no"]
    fields = [
        "name",
        "key_prefix",
        "owner",
        "institution",
        "scopes",
        "allowed_ips",
        "expires_at",
        "created_at",
        "created_by",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields
    actions = ["revoke"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked tokens stay, so the audit trail keeps naming them

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.display(description=_("scopes"))
    def scope_list(self, obj):
        return " ".join(obj.scopes)

    @admin.display(description=_("status"))
    def status(self, obj):
        if obj.revoked_at is not None:
            return _("Revoked")
        return _("Active") if obj.is_active else _("Expired")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        revoked = 0
        for token_id in queryset.filter(revoked_at__isnull=True).order_by("pk").values_list("pk", flat=True):
            api_token_revoke(token_id=token_id, actor=request.user)
            revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", revoked) % {"count": revoked},
            messages.SUCCESS,
        )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["subject", "user", "kind", "created_at", "read_at"]
    list_filter = ["kind", "created_at", ("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email", "kind"]
    date_hierarchy = "created_at"
    fields = ["user", "kind", "subject", "body", "params", "link", "created_at", "read_at"]
    readonly_fields = fields


@admin.register(BatchFiling)
class BatchFilingAdmin(AuditTrailMixin, ReadOnlyAdmin):
    """Batch filings are made by uploads and changed by their worker: the admin reads them."""

    list_display = [
        "created_at",
        "kind",
        "original_name",
        "institution",
        "status",
        "total_rows",
        "ok_rows",
        "failed_rows",
    ]
    list_filter = ["kind", "status", "mode"]
    search_fields = ["original_name", "sha256", "institution__name_en", "uploaded_by__username"]
    list_select_related = ["institution", "uploaded_by"]
    date_hierarchy = "created_at"
    exclude = ["file"]
