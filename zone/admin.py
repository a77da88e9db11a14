"""Django admin of the zone: parks, sites, institutions and memberships; the whitelist, read-only.

Institutions are validated by the model (`Institution.clean` checks the registration number,
the database constraints its uniqueness), so the admin form refuses what the API refuses.
Whitelist applications and entries change only through their workflow (staff pages, API),
where every transition is role-checked and audited; their admin only reads.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hetao.admin import AuditTrailMixin, ReadOnlyAdmin, ServiceAdminMixin, UserAdmin
from hetao.models import User

from .models import (
    ApplicationComment,
    ApplicationDocument,
    ApplicationStep,
    FilingCounter,
    Institution,
    Invitation,
    Membership,
    Park,
    Site,
    WhitelistApplication,
    WhitelistEntry,
)
from .services import institution_save, membership_remove, membership_set, reference_delete, reference_save

_NAME_SEARCH = ["name_en", "name_zh_hans", "name_zh_hant"]


def _membership_save(*, instance, actor):
    return membership_set(user=instance.user, institution=instance.institution, role=instance.role)


def _membership_delete(*, instance, actor):
    membership_remove(membership_id=instance.pk, actor=actor)


class SiteInline(admin.TabularInline):
    model = Site
    save_service = staticmethod(reference_save)
    delete_service = staticmethod(reference_delete)
    fields = ["code", "name_en", "kind", "floor_area_m2"]
    extra = 0
    show_change_link = True


@admin.register(Park)
class ParkAdmin(ServiceAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    save_service = staticmethod(reference_save)
    delete_service = staticmethod(reference_delete)

    list_display = ["code", "name_en", "name_zh_hans", "name_zh_hant", "jurisdiction", "area_km2"]
    list_filter = ["jurisdiction"]
    search_fields = ["code", *_NAME_SEARCH]
    inlines = [SiteInline]


@admin.register(Site)
class SiteAdmin(ServiceAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    save_service = staticmethod(reference_save)
    delete_service = staticmethod(reference_delete)

    list_display = ["code", "name_en", "name_zh_hans", "park", "kind", "floor_area_m2"]
    list_filter = ["park", "kind"]
    list_select_related = ["park"]
    search_fields = ["code", *_NAME_SEARCH, "address"]
    autocomplete_fields = ["park"]


class MembershipInline(admin.TabularInline):
    model = Membership
    save_service = staticmethod(_membership_save)
    delete_service = staticmethod(_membership_delete)
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(ServiceAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    save_service = staticmethod(institution_save)
    delete_service = staticmethod(reference_delete)

    list_display = ["name_en", "name_zh_hans", "kind", "jurisdiction", "registration_type", "registration_no"]
    list_filter = ["kind", "jurisdiction", "registration_type"]
    search_fields = [*_NAME_SEARCH, "registration_no", "email"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name_en", "name_zh_hans", "name_zh_hant", "kind"]}),
        (_("Registration"), {"fields": ["jurisdiction", "registration_type", "registration_no"]}),
        (_("Contact"), {"fields": ["email", "phone", "address", "website"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(ServiceAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    save_service = staticmethod(_membership_save)
    delete_service = staticmethod(_membership_delete)

    list_display = ["user", "institution", "role", "created_at"]
    list_filter = ["role", "institution__jurisdiction", "institution__kind"]
    list_select_related = ["user", "institution"]
    search_fields = ["user__username", "user__email", "institution__name_en", "institution__registration_no"]
    autocomplete_fields = ["user", "institution"]
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request, obj=None):
        # A membership is a (user, institution) pair: change the role, or delete and add another.
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "user", "institution"] if obj is not None else fields


class MembershipOfUserInline(admin.TabularInline):
    model = Membership
    fields = ["institution", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["institution"]
    extra = 0
    verbose_name = _("institution membership")
    verbose_name_plural = _("institution memberships")
    save_service = staticmethod(_membership_save)
    delete_service = staticmethod(_membership_delete)


# The account admin of the portal core, with the memberships the zone adds to accounts.
admin.site.unregister(User)


@admin.register(User)
class ZoneUserAdmin(UserAdmin):
    inlines = [MembershipOfUserInline]


@admin.register(FilingCounter)
class FilingCounterAdmin(ReadOnlyAdmin):
    list_display = ["year", "last"]


# --- whitelist filing: read-only, every change goes through the workflow services ---------------


class ReadOnlyAdminMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DocumentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ApplicationDocument
    fields = ["kind", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0


class CommentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ApplicationComment
    fields = ["created_at", "author", "visibility", "body"]
    readonly_fields = fields
    extra = 0


class StepInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ApplicationStep
    fields = ["at", "action", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    extra = 0


@admin.register(WhitelistApplication)
class WhitelistApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "institution", "kind", "status", "reviewer", "submitted_at", "decided_at"]
    list_filter = ["status", "kind", "submitted_at", "decided_at"]
    search_fields = [
        "institution__name_en",
        "institution__name_zh_hans",
        "institution__registration_no",
        "entry__filing_no",
    ]
    autocomplete_fields = ["institution"]
    readonly_fields = [f.name for f in WhitelistApplication._meta.fields]
    inlines = [DocumentInline, CommentInline, StepInline]
    date_hierarchy = "created_at"
    list_select_related = ["institution", "reviewer"]


@admin.register(WhitelistEntry)
class WhitelistEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["filing_no", "institution", "status", "valid_from", "valid_until", "renewal_reminder_sent_at"]
    list_filter = ["status", "valid_until"]
    search_fields = ["filing_no", "institution__name_en", "institution__registration_no"]
    readonly_fields = [f.name for f in WhitelistEntry._meta.fields]
    list_select_related = ["institution"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["email", "institution", "role", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = ["role", "accepted_at"]
    search_fields = ["email", "institution__name_en"]
    exclude = ["token_hash"]
    readonly_fields = [
        "institution",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
    ]


# --- data export filings: read-only; the negative list through its services --------------------

from .models import DataExportFiling, NegativeListEntry  # noqa: E402 - this part stands on its own
from .services import negative_list_entry_delete, negative_list_entry_save  # noqa: E402


@admin.register(DataExportFiling)
class DataExportFilingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "number", "institution", "title", "destination", "outcome", "status", "submitted_at"]
    list_filter = ["status", "outcome", "destination", "submitted_at", "decided_at"]
    search_fields = ["number", "reference", "title", "institution__name_en", "institution__registration_no"]
    readonly_fields = [f.name for f in DataExportFiling._meta.fields]
    date_hierarchy = "created_at"
    list_select_related = ["institution"]


@admin.register(NegativeListEntry)
class NegativeListEntryAdmin(ServiceAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    save_service = staticmethod(negative_list_entry_save)
    delete_service = staticmethod(negative_list_entry_delete)

    list_display = ["id", "category", "min_records", "min_persons", "destinations", "outcome", "active", "name_en"]
    list_filter = ["category", "destinations", "outcome", "active"]
    search_fields = ["name_en", "name_zh_hans", "name_zh_hant"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["category", "min_records", "min_persons", "destinations", "outcome", "active"]}),
        (_("Reason shown to filers"), {"fields": ["name_en", "name_zh_hans", "name_zh_hant"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]


# --- registered persons: read-only, the travel document shown masked ----------------------------

from .models import RegisteredPerson  # noqa: E402 - this part stands on its own

_PERSON_HIDDEN = {"document_number", "document_hash"}  # encrypted value and lookup hash: never shown


@admin.register(RegisteredPerson)
class RegisteredPersonAdmin(ReadOnlyAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    """Persons change through their workflow only (pages, API); the admin reads them."""

    list_display = [
        "id",
        "name_en",
        "name_zh",
        "institution",
        "document_type",
        "masked_document",
        "designated_carrier",
        "status",
        "valid_until",
    ]
    list_filter = ["status", "document_type", "designated_carrier", "valid_until"]
    search_fields = ["name_en", "name_zh", "document_last4", "institution__name_en", "institution__registration_no"]
    exclude = sorted(_PERSON_HIDDEN)
    readonly_fields = [
        *(f.name for f in RegisteredPerson._meta.fields if f.name not in _PERSON_HIDDEN | {"document_last4"}),
        "masked_document",
    ]
    list_select_related = ["institution"]
    date_hierarchy = "created_at"

    @admin.display(description=_("travel document number"))
    def masked_document(self, obj):
        return obj.masked_document
