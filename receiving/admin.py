"""The Django admin for receiving: suppliers edited through the services; purchase orders,
receipts, discrepancies and put-away tasks read-only (they change through the services, which
move stock and write the ledger), with admin actions that call those services; suppliers and
purchase orders import from CSV/XLSX through the import flow (inventory.imports.admin): column
mapping, a preview with every bad row, then apply."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from inventory.admin import ImportAdminMixin, ReadOnlyAdmin, ServiceAdmin
from inventory.errors import StockConflict
from receiving.models import (
    Discrepancy,
    PurchaseOrder,
    PurchaseOrderLine,
    PutawayTask,
    Receipt,
    ReceiptLine,
    Supplier,
)
from receiving.services import (
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_open,
    supplier_create,
    supplier_update,
)


@admin.register(Supplier)
class SupplierAdmin(ImportAdminMixin, ServiceAdmin):
    import_kind = "suppliers"
    list_display = ["code", "name", "email", "created_at"]
    search_fields = ["code", "name", "email"]
    fields = ["code", "name", "email"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def service_save(self, obj, form, change):
        if change:
            return supplier_update(supplier=obj, name=obj.name, email=obj.email)
        return supplier_create(code=obj.code, name=obj.name, email=obj.email)


class LineInline(admin.TabularInline):
    model = PurchaseOrderLine
    fields = ["sku", "quantity_ordered", "quantity_received", "unit_cost"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


def _transition(service, verb):
    def run(modeladmin, request, queryset):
        done = 0
        for purchase_order in queryset.order_by("pk"):
            try:
                service(purchase_order=purchase_order, actor=request.user)
                done += 1
            except (StockConflict, ValidationError) as error:
                text = getattr(error, "detail", None) or " ".join(error.messages)
                modeladmin.message_user(request, text, messages.ERROR)
        if done:
            modeladmin.message_user(request, f"{done} purchase order(s) {verb}.", messages.SUCCESS)

    run.__name__ = f"{verb}_selected"
    run.allowed_permissions = ("transition",)
    run.short_description = f"Mark selected purchase orders {verb}"
    return run


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ImportAdminMixin, ReadOnlyAdmin):
    """Purchase orders are created by the API, the import (one row per line) and the
    replenishment screens; here they are read, imported, and moved through their statuses."""

    import_kind = "purchase_orders"
    skip_admin_log = True  # rows are PO lines created by a service, not admin edits
    list_display = ["number", "supplier", "warehouse", "status", "expected_date", "created_at"]
    list_filter = ["status", "warehouse", "supplier"]
    list_select_related = ["supplier", "warehouse"]
    search_fields = ["number", "supplier__code", "supplier__name", "lines__sku__code"]
    date_hierarchy = "created_at"
    inlines = [LineInline]
    actions = [
        _transition(purchase_order_open, "opened"),
        _transition(purchase_order_close, "closed"),
        _transition(purchase_order_cancel, "cancelled"),
    ]

    def has_transition_permission(self, request):
        return request.user.has_perm("receiving.change_purchaseorder")


class ReceiptLineInline(admin.TabularInline):
    model = ReceiptLine
    fields = ["sku", "quantity", "damaged", "lot", "location", "damaged_location", "held"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ["id", "purchase_order", "received_by", "created_at"]
    list_select_related = ["purchase_order", "received_by"]
    search_fields = ["purchase_order__number"]
    inlines = [ReceiptLineInline]


@admin.register(Discrepancy)
class DiscrepancyAdmin(ReadOnlyAdmin):
    """Resolved on the discrepancy screen (a note, and a release of held units)."""

    list_display = [
        "created_at",
        "code",
        "purchase_order",
        "sku",
        "expected",
        "received",
        "quantity",
        "resolved_at",
        "resolved_by",
    ]
    list_filter = ["code", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["purchase_order", "sku", "resolved_by"]
    search_fields = ["purchase_order__number", "sku__code", "detail", "resolution_note"]


@admin.register(PutawayTask)
class PutawayTaskAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "sku",
        "lot",
        "quantity",
        "from_location",
        "suggested_location",
        "location",
        "status",
        "created_at",
    ]
    list_filter = ["status", "warehouse"]
    list_select_related = [
        "sku",
        "lot",
        "from_location__warehouse",
        "suggested_location__warehouse",
        "location__warehouse",
    ]
    search_fields = ["sku__code", "purchase_order__number", "suggested_location__code"]
