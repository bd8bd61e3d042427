"""Admin for reorder rules (import and export as CSV/XLSX, read-only rows: edits go through the
screens and API, which run the services) and the alerts and digests they raise."""

from django.contrib import admin

from inventory.admin import ReadOnlyAdmin
from inventory.imports.admin import ImportAdminMixin
from replenishment.models import AlertDigest, ReorderRule, ReplenishmentAlert


@admin.register(ReorderRule)
class ReorderRuleAdmin(ImportAdminMixin, ReadOnlyAdmin):
    """Rules change through the replenishment screens and API (their service re-arms them);
    here they are read, imported and exported (kind `reorder_rules`)."""

    import_kind = "reorder_rules"
    list_display = [
        "sku",
        "warehouse",
        "reorder_point",
        "reorder_quantity",
        "lead_time_days",
        "supplier",
        "armed",
        "updated_at",
    ]
    list_filter = ["warehouse", "armed"]
    list_select_related = ["sku", "warehouse", "supplier"]
    search_fields = ["sku__code", "sku__name", "supplier__code"]


@admin.register(ReplenishmentAlert)
class ReplenishmentAlertAdmin(ReadOnlyAdmin):
    list_display = [
        "sku",
        "warehouse",
        "status",
        "projected",
        "reorder_point",
        "suggested_quantity",
        "purchase_order",
        "created_at",
    ]
    list_filter = ["status", "warehouse"]
    list_select_related = ["sku", "warehouse", "purchase_order"]
    search_fields = ["sku__code", "sku__name"]


@admin.register(AlertDigest)
class AlertDigestAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "alert_count"]
