"""Django admin of customs: checkpoints on the sub-lines, the HS 2022 nomenclature and the passage
checks of registered persons (both read-only)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hetao.admin import AuditTrailMixin, ReadOnlyAdmin, ServiceAdminMixin

from .models import Checkpoint, HsCode, PassageCheck
from .services import checkpoint_delete, checkpoint_save


@admin.register(Checkpoint)
class CheckpointAdmin(ServiceAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    save_service = staticmethod(checkpoint_save)
    delete_service = staticmethod(checkpoint_delete)

    list_display = ["code", "name_en", "name_zh_hans", "line", "park", "hand_carry", "active"]
    list_filter = ["line", "park", "hand_carry", "active"]
    list_select_related = ["park"]
    search_fields = ["code", "name_en", "name_zh_hans", "name_zh_hant"]
    autocomplete_fields = ["park"]


@admin.register(HsCode)
class HsCodeAdmin(ReadOnlyAdmin):
    """The nomenclature ships with the portal (data/hs2022) and is loaded by a migration."""

    list_display = ["code", "level", "section", "parent", "description", "declarable"]
    list_filter = ["level", "declarable", "section"]
    search_fields = ["^code", "description"]
    show_full_result_count = False


@admin.register(PassageCheck)
class PassageCheckAdmin(AuditTrailMixin, ReadOnlyAdmin):
    """Checks are append-only (a database trigger refuses changes): the admin lists them."""

    list_display = [
        "checked_at",
        "checkpoint",
        "document_type",
        "masked_document",
        "result",
        "may_hand_carry",
        "person",
    ]
    list_filter = ["result", "checkpoint", "may_hand_carry", "document_type", "checked_at"]
    search_fields = ["document_last4", "person__name_en", "person__name_zh", "checked_by__username"]
    exclude = ["document_hash"]
    readonly_fields = [
        "checkpoint",
        "person",
        "document_type",
        "masked_document",
        "result",
        "reason",
        "may_hand_carry",
        "checked_by",
        "checked_at",
    ]
    list_select_related = ["checkpoint", "person", "checked_by"]
    date_hierarchy = "checked_at"
    show_full_result_count = False

    @admin.display(description=_("travel document number"))
    def masked_document(self, obj):
        return "••••" + obj.document_last4
