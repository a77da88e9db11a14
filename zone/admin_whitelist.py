"""Admin views of whitelist filing: read-only, because every change goes through the workflow
services (staff pages and API), which check roles and states and notify the applicant."""

from django.contrib import admin

from .models_whitelist import (
    ApplicationComment,
    ApplicationDocument,
    ApplicationStep,
    Invitation,
    WhitelistApplication,
    WhitelistEntry,
)


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
