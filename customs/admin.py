"""Django admin of customs: checkpoints on the sub-lines and the risk rules (written through the
services), and, read-only, the HS 2022 nomenclature, passage checks of registered persons,
declarations with their items, rule-set versions, bonded stock and gate passages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hetao.admin import AuditTrailMixin, ReadOnlyAdmin, ServiceAdminMixin

from .models import (
    Checkpoint,
    Declaration,
    DeclarationItem,
    GatePassage,
    HsCode,
    PassageCheck,
    RiskRule,
    RuleSetVersion,
    StockBalance,
    StockMovement,
)
from .services import checkpoint_delete, checkpoint_save, risk_rule_delete, risk_rule_save


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


@admin.register(RiskRule)
class RiskRuleAdmin(ServiceAdminMixin, AuditTrailMixin, admin.ModelAdmin):
    """Every change makes a new version of the rule set (`risk_rule_save`)."""

    save_service = staticmethod(risk_rule_save)
    delete_service = staticmethod(risk_rule_delete)

    list_display = ["priority", "name_en", "regime", "lane", "permit_required", "refuse", "active", "updated_at"]
    list_filter = ["active", "regime", "lane", "refuse", "permit_required"]
    search_fields = ["name_en", "name_zh_hans", "name_zh_hant"]
    ordering = ["priority", "id"]


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "description", "note", "created_by", "created_at"]
    readonly_fields = ["number", "change", "rule_priority", "note", "rules", "created_by", "created_at"]


class DeclarationItemInline(admin.TabularInline):
    model = DeclarationItem
    extra = 0
    can_delete = False
    readonly_fields = [
        "position",
        "hs_code",
        "description",
        "quantity",
        "unit",
        "value",
        "currency",
        "origin",
        "category",
        "permit_reference",
    ]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Declaration)
class DeclarationAdmin(AuditTrailMixin, ReadOnlyAdmin):
    """Declarations change only through their workflow (the pages and the API): the admin reads them."""

    list_display = ["number", "reference", "institution", "line", "direction", "status", "regime", "lane", "filed_at"]
    list_filter = ["status", "line", "direction", "lane", "regime", "transport_mode"]
    search_fields = ["number", "reference", "slip_number", "institution__name_en"]
    list_select_related = ["institution"]
    date_hierarchy = "created_at"
    inlines = [DeclarationItemInline]
    show_full_result_count = False


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnlyAdmin):
    list_display = ["institution", "subheading", "unit", "quantity", "updated_at"]
    list_filter = ["unit"]
    search_fields = ["institution__name_en", "^subheading__code"]
    list_select_related = ["institution", "subheading"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "institution",
        "subheading",
        "unit",
        "kind",
        "quantity",
        "balance_after",
        "declaration",
    ]
    list_filter = ["kind", "unit"]
    search_fields = ["institution__name_en", "^subheading__code", "declaration__number"]
    list_select_related = ["institution", "subheading", "declaration"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(GatePassage)
class GatePassageAdmin(AuditTrailMixin, ReadOnlyAdmin):
    list_display = ["passed_at", "declaration", "checkpoint", "vehicle_plate", "carrier", "partial", "officer"]
    list_filter = ["checkpoint", "partial"]
    search_fields = ["declaration__number", "declaration__slip_number", "vehicle_plate"]
    list_select_related = ["declaration", "checkpoint", "carrier", "officer"]
    date_hierarchy = "passed_at"
    show_full_result_count = False
