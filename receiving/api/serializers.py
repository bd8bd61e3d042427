"""Response shapes of the receiving API (API.md, "Receiving"); request bodies are parsed in
receiving.api.inputs. Natural keys throughout: codes, PO numbers, lot numbers."""

from rest_framework import serializers

from inventory.api.serializers import CodeField
from receiving.models import (
    Discrepancy,
    PurchaseOrder,
    PurchaseOrderLine,
    PutawayTask,
    Receipt,
    ReceiptLine,
    Supplier,
)

# Suppliers ---------------------------------------------------------------------------------------


class SupplierSerializer(serializers.ModelSerializer):
    code = CodeField(max_length=32)
    email = serializers.EmailField(required=False, allow_blank=True)

    class Meta:
        model = Supplier
        fields = ["code", "name", "email", "created_at"]
        read_only_fields = ["created_at"]
        extra_kwargs = {"name": {"max_length": 200}}

    def get_validators(self):
        return []  # uniqueness is checked once, by the service's full_clean


# Purchase orders --------------------------------------------------------------------------------


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    sku_name = serializers.CharField(source="sku.name")
    quantity_open = serializers.IntegerField(help_text="Still expected: ordered - received.")

    class Meta:
        model = PurchaseOrderLine
        fields = [
            "sku",
            "sku_name",
            "quantity_ordered",
            "quantity_received",
            "quantity_open",
            "unit_cost",
        ]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer):
    supplier = serializers.CharField(source="supplier.code")
    warehouse = serializers.CharField(source="warehouse.code")
    lines = PurchaseOrderLineSerializer(many=True)
    open_discrepancies = serializers.IntegerField(
        read_only=True, help_text="Discrepancies not yet resolved."
    )

    class Meta:
        model = PurchaseOrder
        fields = [
            "number",
            "supplier",
            "warehouse",
            "status",
            "expected_date",
            "note",
            "lines",
            "open_discrepancies",
            "created_at",
            "opened_at",
            "closed_at",
            "cancelled_at",
        ]
        read_only_fields = fields


# Receipts, discrepancies, put-away ----------------------------------------------------------


class DiscrepancySerializer(serializers.ModelSerializer):
    purchase_order = serializers.CharField(source="purchase_order.number")
    warehouse = serializers.CharField(source="purchase_order.warehouse.code")
    supplier = serializers.CharField(source="purchase_order.supplier.code")
    sku = serializers.CharField(source="sku.code")
    lot = serializers.CharField(source="lot.lot_number", allow_null=True)
    location = serializers.CharField(source="location.code", allow_null=True)
    resolved = serializers.BooleanField()
    resolved_by = serializers.CharField(source="resolved_by.get_username", allow_null=True)

    class Meta:
        model = Discrepancy
        fields = [
            "id",
            "purchase_order",
            "warehouse",
            "supplier",
            "code",
            "sku",
            "lot",
            "expected",
            "received",
            "quantity",
            "location",
            "detail",
            "resolved",
            "resolved_at",
            "resolved_by",
            "resolution_note",
            "receipt",
            "created_at",
        ]
        read_only_fields = fields


class PutawayTaskSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code")
    sku = serializers.CharField(source="sku.code")
    lot = serializers.CharField(source="lot.lot_number", allow_null=True)
    from_location = serializers.CharField(source="from_location.code")
    suggested_location = serializers.CharField(source="suggested_location.code", allow_null=True)
    location = serializers.CharField(
        source="location.code", allow_null=True, help_text="Where the units were put."
    )
    purchase_order = serializers.CharField(source="purchase_order.number", allow_null=True)
    completed_by = serializers.CharField(source="completed_by.get_username", allow_null=True)

    class Meta:
        model = PutawayTask
        fields = [
            "id",
            "warehouse",
            "sku",
            "lot",
            "quantity",
            "from_location",
            "suggested_location",
            "location",
            "status",
            "purchase_order",
            "created_at",
            "completed_at",
            "completed_by",
        ]
        read_only_fields = fields


class ReceiptLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    lot = serializers.CharField(source="lot.lot_number", allow_null=True)
    expiry = serializers.DateField(source="lot.expiry", allow_null=True)
    location = serializers.CharField(source="location.code", allow_null=True)
    damaged_location = serializers.CharField(source="damaged_location.code", allow_null=True)
    on_purchase_order = serializers.SerializerMethodField()

    class Meta:
        model = ReceiptLine
        fields = [
            "id",
            "sku",
            "quantity",
            "damaged",
            "lot",
            "expiry",
            "location",
            "damaged_location",
            "held",
            "on_purchase_order",
        ]
        read_only_fields = fields

    def get_on_purchase_order(self, line) -> bool:
        return line.po_line_id is not None


class ReceiptSerializer(serializers.ModelSerializer):
    purchase_order = serializers.CharField(source="purchase_order.number")
    received_by = serializers.CharField(source="received_by.get_username", allow_null=True)
    lines = ReceiptLineSerializer(many=True)

    class Meta:
        model = Receipt
        fields = ["id", "purchase_order", "received_by", "note", "created_at", "lines"]
        read_only_fields = fields


class ReceiptResultSerializer(serializers.Serializer):
    """POST /purchase-orders/{number}/receipts/: the receipt, what it flagged, the tasks."""

    id = serializers.IntegerField(source="receipt.id")
    purchase_order = serializers.CharField(source="receipt.purchase_order.number")
    created_at = serializers.DateTimeField(source="receipt.created_at")
    lines = ReceiptLineSerializer(many=True)
    discrepancies = DiscrepancySerializer(many=True)
    putaway_tasks = PutawayTaskSerializer(many=True, source="tasks")


class PurchaseOrderDetailSerializer(PurchaseOrderSerializer):
    receipts = ReceiptSerializer(many=True)
    discrepancies = DiscrepancySerializer(many=True)

    class Meta(PurchaseOrderSerializer.Meta):
        fields = [*PurchaseOrderSerializer.Meta.fields, "receipts", "discrepancies"]
        read_only_fields = fields


class ClosedPurchaseOrderSerializer(PurchaseOrderSerializer):
    short = DiscrepancySerializer(many=True, help_text="The short lines flagged on closing.")

    class Meta(PurchaseOrderSerializer.Meta):
        fields = [*PurchaseOrderSerializer.Meta.fields, "short"]
        read_only_fields = fields


class DiscrepancyResolvedSerializer(DiscrepancySerializer):
    putaway_task = PutawayTaskSerializer(allow_null=True, read_only=True)

    class Meta(DiscrepancySerializer.Meta):
        fields = [*DiscrepancySerializer.Meta.fields, "putaway_task"]
        read_only_fields = fields


class PutawayCompletedSerializer(PutawayTaskSerializer):
    remainder = PutawayTaskSerializer(
        allow_null=True, read_only=True, help_text="The open task for units not put away."
    )

    class Meta(PutawayTaskSerializer.Meta):
        fields = [*PutawayTaskSerializer.Meta.fields, "remainder"]
        read_only_fields = fields
