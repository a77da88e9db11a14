"""Django admin of the zone: parks, sites, institutions and memberships; the whitelist, read-only.

Institutions are validated by the model (`Institution.clean` checks the registration number,
the database constraints its uniqueness), so the admin form refuses what the API refuses.
Whitelist applications and entries change only through their workflow (staff pages, API),
where every transition is role-checked and audited; their admin (admin_whitelist) only reads.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hetao.admin import AuditTrailMixin, ReadOnlyAdmin
from hetao.services import membership_set

# The whitelist's own admin (read-only) lives beside its models; importing it registers it.
from . import admin_whitelist  # noqa: F401
from .models import FilingCounter, Institution, Membership, Park, Site

_NAME_SEARCH = ["name_en", "name_zh_hans", "name_zh_hant"]


class SiteInline(admin.TabularInline):
    model = Site
    fields = ["code", "name_en", "kind", "floor_area_m2"]
    extra = 0
    show_change_link = True


@admin.register(Park)
class ParkAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh_hans", "name_zh_hant", "jurisdiction", "area_km2"]
    list_filter = ["jurisdiction"]
    search_fields = ["code", *_NAME_SEARCH]
    inlines = [SiteInline]


@admin.register(Site)
class SiteAdmin(AuditTrailMixin, admin.ModelAdmin):
    list_display = ["code", "name_en", "name_zh_hans", "park", "kind", "floor_area_m2"]
    list_filter = ["park", "kind"]
    list_select_related = ["park"]
    search_fields = ["code", *_NAME_SEARCH, "address"]
    autocomplete_fields = ["park"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Institution)
class InstitutionAdmin(AuditTrailMixin, admin.ModelAdmin):
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
class MembershipAdmin(AuditTrailMixin, admin.ModelAdmin):
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

    def save_model(self, request, obj, form, change):
        saved = membership_set(user=obj.user, institution=obj.institution, role=obj.role)
        obj.pk, obj.created_at = saved.pk, saved.created_at


@admin.register(FilingCounter)
class FilingCounterAdmin(ReadOnlyAdmin):
    list_display = ["year", "last"]
