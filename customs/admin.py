"""Django admin of customs: checkpoints on the sub-lines, and the HS 2022 nomenclature (read-only)."""

from django.contrib import admin

from hetao.admin import AuditTrailMixin, ReadOnlyAdmin, ServiceAdminMixin

from .models import Checkpoint, HsCode
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
