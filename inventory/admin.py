"""The Django admin for inventory: catalog and places are edited through the services, stock
tables are read-only (stock changes only through services, which write the ledger), and SKUs,
locations and opening stock import from CSV/XLSX through the import flow (inventory.imports.admin):
column mapping, a preview with every bad row, then apply.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.html import format_html, format_html_join

from inventory.errors import StockConflict
from inventory.imports.admin import ImportAdminMixin
from inventory.models import (
    BinStock,
    CycleCount,
    CycleCountLine,
    ImportJob,
    ImportMapping,
    Location,
    LocationType,
    Lot,
    MoveTask,
    Reservation,
    Sku,
    SkuVelocity,
    SlottingRecommendation,
    StockMovement,
    Warehouse,
    WarehouseStock,
)
from inventory.services import location_create, sku_create, warehouse_create
from inventory.services.catalog import sku_update, warehouse_update


def adopt(instance, saved) -> None:
    """Make the form's instance the row a service just saved (for the admin log)."""
    instance.pk = saved.pk
    for field in type(saved)._meta.concrete_fields:
        setattr(instance, field.attname, getattr(saved, field.attname))
    instance._state.adding = False
    instance._state.db = saved._state.db


class ServiceAdmin(admin.ModelAdmin):
    """Saves go through a service (`service_save`), never `obj.save()`. The form first runs the
    same service in a savepoint that is rolled back, so the service's own rules (a parent must be
    a zone, lot tracking cannot change with stock on hand...) show next to the fields instead
    of failing after the form was accepted."""

    def service_save(self, obj, form, change: bool):
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        model_admin = self

        class ServiceForm(form_class):
            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    with transaction.atomic():
                        model_admin.service_save(self.instance, self, change)
                        transaction.set_rollback(True)
                except ValidationError as exc:
                    for field, messages in exc.message_dict.items():
                        self.add_error(field if field in self.fields else None, messages)
                except StockConflict as exc:
                    self.add_error(None, exc.detail)

        return ServiceForm

    def save_model(self, request, obj, form, change):
        adopt(obj, self.service_save(obj, form, change))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Stock tables change only through services (which write the ledger): view, never edit."""

    show_full_result_count = False  # no second COUNT(*) over a large table

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Sku)
class SkuAdmin(ImportAdminMixin, ServiceAdmin):
    import_kind = "skus"
    list_display = ["code", "name", "barcode", "lot_tracked", "active", "created_at"]
    list_filter = ["active", "lot_tracked"]
    search_fields = ["code", "name", "barcode"]
    fields = ["code", "name", "barcode", "lot_tracked", "active"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def service_save(self, obj, form, change):
        values = {
            "name": obj.name,
            "barcode": obj.barcode,
            "lot_tracked": obj.lot_tracked,
            "active": obj.active,
        }
        if change:
            return sku_update(sku=obj, **values)
        return sku_create(code=obj.code, **values)


@admin.register(Warehouse)
class WarehouseAdmin(ServiceAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    filter_horizontal = ["staff"]
    fields = ["code", "name", "staff"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def service_save(self, obj, form, change):
        if change:
            return warehouse_update(warehouse=obj, name=obj.name)
        return warehouse_create(code=obj.code, name=obj.name)


@admin.register(Location)
class LocationAdmin(ImportAdminMixin, ServiceAdmin):
    """Locations are made by location_create (it writes the materialised path); afterwards only
    the walking cost and the capacity change, since the path depends on the code and parent."""

    import_kind = "locations"
    list_display = [
        "code",
        "warehouse",
        "type",
        "is_sellable",
        "parent",
        "path",
        "travel_cost",
        "capacity",
    ]
    list_filter = ["warehouse", "type"]
    list_select_related = ["warehouse", "parent__warehouse"]
    search_fields = ["code", "path"]
    autocomplete_fields = ["parent"]
    fields = ["warehouse", "code", "parent", "type", "path", "travel_cost", "capacity"]
    ordering = ["warehouse__code", "path"]

    @admin.display(boolean=True, description="sellable")
    def is_sellable(self, obj):
        return obj.sellable

    def get_readonly_fields(self, request, obj=None):
        return ["warehouse", "code", "parent", "type", "path"] if obj else ["path"]

    def get_search_results(self, request, queryset, search_term):
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        queryset = queryset.select_related("warehouse")
        if request.GET.get("field_name") == "parent":  # the parent picker offers zones only
            queryset = queryset.filter(type=LocationType.ZONE)
        return queryset, distinct

    def service_save(self, obj, form, change):
        if change:
            # Not a quantity and not part of the path: a plain column update is all it takes.
            Location.objects.filter(pk=obj.pk).update(
                travel_cost=obj.travel_cost, capacity=obj.capacity
            )
            return Location.objects.get(pk=obj.pk)
        return location_create(
            warehouse=obj.warehouse,
            code=obj.code,
            type=obj.type,
            parent=obj.parent,
            travel_cost=obj.travel_cost,
            capacity=obj.capacity,
        )


@admin.register(Lot)
class LotAdmin(ReadOnlyAdmin):
    list_display = ["lot_number", "sku", "expiry", "created_at"]
    list_filter = ["expiry"]
    list_select_related = ["sku"]
    search_fields = ["lot_number", "sku__code", "sku__name"]


@admin.register(BinStock)
class BinStockAdmin(ImportAdminMixin, ReadOnlyAdmin):
    """Opening stock imports here: each row is a stock adjustment ("opening stock")."""

    import_kind = "stock"
    skip_admin_log = True  # the rows are ledger movements, not admin edits of this table
    list_display = ["sku", "location", "lot", "quantity", "updated_at"]
    list_filter = ["location__warehouse", "location__type", "sku__lot_tracked"]
    list_select_related = ["sku", "location__warehouse", "lot"]
    search_fields = [
        "sku__code",
        "sku__name",
        "sku__barcode",
        "location__code",
        "lot__lot_number",
    ]


@admin.register(WarehouseStock)
class WarehouseStockAdmin(ReadOnlyAdmin):
    list_display = ["sku", "warehouse", "on_hand", "reserved", "available", "updated_at"]
    list_filter = ["warehouse"]
    list_select_related = ["sku", "warehouse"]
    search_fields = ["sku__code", "sku__name", "sku__barcode"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "sku",
        "lot",
        "quantity",
        "from_location",
        "to_location",
        "reference",
        "reason",
        "actor",
    ]
    list_filter = ["kind", "warehouse", "created_at"]
    list_select_related = [
        "sku",
        "lot",
        "warehouse",
        "from_location__warehouse",
        "to_location__warehouse",
        "actor",
    ]
    search_fields = ["sku__code", "sku__barcode", "lot__lot_number", "reference", "reason"]


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = [
        "reference",
        "sku",
        "warehouse",
        "quantity",
        "original_quantity",
        "status",
        "expires_at",
        "created_at",
    ]
    list_filter = ["status", "warehouse"]
    list_select_related = ["sku", "warehouse"]
    search_fields = ["reference", "sku__code", "sku__barcode"]


class CycleCountLineInline(admin.TabularInline):
    """A count's lines; blind while the count is open (no snapshot, expected or variance)."""

    model = CycleCountLine
    extra = 0
    can_delete = False
    fields = [
        "location",
        "sku",
        "lot",
        "status",
        "found",
        "counted",
        "expected_shown",
        "variance_shown",
        "posted",
        "note",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="expected")
    def expected_shown(self, line):
        return "—" if line.count.blind else line.expected

    @admin.display(description="variance")
    def variance_shown(self, line):
        return "—" if line.count.blind else line.variance


@admin.register(CycleCount)
class CycleCountAdmin(ReadOnlyAdmin):
    list_display = ["id", "warehouse", "status", "origin", "assignee", "reason", "created_at"]
    list_filter = ["status", "origin", "warehouse"]
    list_select_related = ["warehouse", "assignee"]
    search_fields = ["reason", "reference", "lines__sku__code", "lines__location__code"]
    inlines = [CycleCountLineInline]


@admin.register(SlottingRecommendation)
class SlottingRecommendationAdmin(ReadOnlyAdmin):
    list_display = [
        "sku",
        "from_location",
        "to_location",
        "swap_sku",
        "walk_saved_per_week",
        "status",
        "computed_at",
    ]
    list_filter = ["status", "warehouse"]
    list_select_related = ["sku", "from_location", "to_location", "swap_sku"]
    search_fields = ["sku__code", "swap_sku__code"]


@admin.register(MoveTask)
class MoveTaskAdmin(ReadOnlyAdmin):
    list_display = ["id", "sku", "quantity", "from_location", "to_location", "assignee", "status"]
    list_filter = ["status", "warehouse"]
    list_select_related = ["sku", "from_location", "to_location", "assignee"]
    search_fields = ["sku__code", "from_location__code", "to_location__code"]


@admin.register(SkuVelocity)
class SkuVelocityAdmin(ReadOnlyAdmin):
    list_display = ["sku", "warehouse", "abc", "picks_30d", "units_30d", "picks_90d", "computed_at"]
    list_filter = ["warehouse", "abc"]
    search_fields = ["sku__code"]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Imports sent through the API and import screens, with their errors."""

    list_display = [
        "id",
        "kind",
        "status",
        "dry_run",
        "file_name",
        "rows_total",
        "rows_valid",
        "created_by",
        "created_at",
    ]
    list_filter = ["kind", "status", "dry_run"]
    list_select_related = ["created_by"]
    search_fields = ["file_name", "created_by__username"]
    exclude = ["content", "errors"]
    readonly_fields = ["error_list"]

    @admin.display(description="errors")
    def error_list(self, obj):
        if not obj.errors:
            return "none"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}{}: {}</li>",
                (
                    (
                        f"row {e.get('row')}" if e.get("row") else "file",
                        f", {e['column']}" if e.get("column") else "",
                        e.get("message", ""),
                    )
                    for e in obj.errors
                ),
            ),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_delete_permission(self, request, obj=None):
        # A finished job is only a record; clearing old uploads is allowed.
        return request.user.has_perm("inventory.delete_importjob") and (
            obj is None or obj.status in ("succeeded", "failed")
        )


@admin.register(ImportMapping)
class ImportMappingAdmin(ReadOnlyAdmin):
    """The column mapping each person last used per kind (suggested again on their next file):
    written by the import screens, read here."""

    list_display = ["user", "kind", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__username", "kind"]
