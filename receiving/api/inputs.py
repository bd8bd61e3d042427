"""Request bodies of the receiving API: they parse and resolve natural keys (suppliers,
warehouses and SKUs by code, a SKU line also by barcode, locations by code within the PO's or
task's warehouse); views hand `validated_data` to one service. Errors of a line name it:
`{"lot": ["Line 2: ..."]}`.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.api.fields import ScannedSkuField
from inventory.api.serializers import MAX_QUANTITY, CodeField, CodeRelatedField
from inventory.models import Location, Sku, Warehouse
from receiving.models import PurchaseOrderStatus, Supplier
from receiving.services import ReceiveLine, check_receive_line


def _flatten_lines(detail):
    """DRF reports bad lines by index ({"lines": {1: {"lot": [...]}}}, or a list); the contract
    wants each message under its field, naming the line: {"lot": ["Line 2: ..."]}."""
    if not isinstance(detail, dict):
        return detail
    lines = detail.get("lines")
    if isinstance(lines, dict) and all(str(index).isdigit() for index in lines):
        items = sorted((int(index), item) for index, item in lines.items())
    elif isinstance(lines, list) and any(isinstance(item, dict) for item in lines):
        items = list(enumerate(lines))
    elif isinstance(lines, dict):  # about the list itself (empty, not a list)
        return {**detail, "lines": [m for ms in lines.values() for m in ms]}
    else:
        return detail
    flat = {key: value for key, value in detail.items() if key != "lines"}
    for index, item in items:
        if not isinstance(item, dict):
            continue
        for field, messages in item.items():
            messages = messages if isinstance(messages, list) else [messages]
            flat.setdefault(field, []).extend(f"Line {index + 1}: {m}" for m in messages)
    return flat


class LinesErrorsMixin:
    def to_internal_value(self, data):
        lines = data.get("lines") if isinstance(data, dict) else None
        if isinstance(lines, list):
            # DRF lets a null item through a list of nested serializers (and then drops the
            # whole list): each line must be an object.
            bad = [n for n, line in enumerate(lines, 1) if not isinstance(line, dict)]
            if bad:
                raise serializers.ValidationError(
                    {"lines": [f"Line {n}: a line is an object with its fields." for n in bad]}
                )
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError(_flatten_lines(error.detail)) from error


class SupplierUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    email = serializers.EmailField(required=False, allow_blank=True)


class OrderLineInputSerializer(serializers.Serializer):
    sku = CodeRelatedField(Sku)
    quantity_ordered = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_cost = serializers.DecimalField(
        max_digits=12, decimal_places=4, min_value=0, required=False, default=0
    )


class PurchaseOrderCreateSerializer(LinesErrorsMixin, serializers.Serializer):
    number = CodeField(max_length=32, required=False, help_text="Leave out to number it PO-<id>.")
    supplier = CodeRelatedField(Supplier)
    warehouse = CodeRelatedField(Warehouse)
    status = serializers.ChoiceField(
        choices=[PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.OPEN],
        default=PurchaseOrderStatus.DRAFT,
        help_text="draft (default) or open (already sent to the supplier).",
    )
    expected_date = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    lines = OrderLineInputSerializer(many=True, allow_empty=False)


@extend_schema_field(
    {
        "oneOf": [{"type": "boolean"}, {"type": "integer", "minimum": 0}],
        "description": "Damaged units among `quantity`: a count, or true for all of them.",
    }
)
class DamagedField(serializers.Field):
    default_error_messages = {"invalid": "Give a number of units or true/false."}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, int) and data >= 0:
            return data
        if isinstance(data, str) and data.strip().isdigit():
            return int(data.strip())
        self.fail("invalid")

    def to_representation(self, value):
        return value


class ReceiveLineInputSerializer(serializers.Serializer):
    sku = ScannedSkuField()
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    lot = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True, default=None
    )
    expiry = serializers.DateField(required=False, allow_null=True, default=None)
    damaged = DamagedField(required=False, default=0)

    def validate(self, attrs):
        damaged = attrs["damaged"]
        if isinstance(damaged, bool):
            damaged = attrs["quantity"] if damaged else 0
        line = ReceiveLine(
            sku=attrs["sku"],
            quantity=attrs["quantity"],
            lot_number=attrs["lot"],
            expiry=attrs["expiry"],
            damaged=damaged,
        )
        errors = check_receive_line(line)
        if errors:
            raise serializers.ValidationError({k: [v] for k, v in errors.items()})
        return line


class ReceiptCreateSerializer(LinesErrorsMixin, serializers.Serializer):
    lines = ReceiveLineInputSerializer(many=True, allow_empty=False)
    dock = CodeField(
        required=False, help_text="A dock of the PO's warehouse; default: its first dock."
    )
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    def validate(self, attrs):
        code = attrs.get("dock")
        if code:
            warehouse = self.context["purchase_order"].warehouse
            dock = Location.objects.filter(warehouse=warehouse, code=code).first()
            if dock is None:
                raise serializers.ValidationError(
                    {"dock": [f"{warehouse.code} has no location {code}."]}
                )
            attrs["dock"] = dock
        return attrs


class DiscrepancyResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text="How it was resolved.")
    release = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Units held in quarantine go to the shelves: a put-away task is created.",
    )
    lot = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="missing_lot only: the batch's real lot number.",
    )
    expiry = serializers.DateField(required=False, allow_null=True, default=None)


class PutawayCompleteSerializer(serializers.Serializer):
    location = CodeField(
        required=False, help_text="The bin the units went into; default: the suggestion."
    )
    quantity = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_QUANTITY, help_text="Default: all of them."
    )

    def validate(self, attrs):
        code = attrs.get("location")
        if code:
            task = self.context["task"]
            location = Location.objects.filter(warehouse_id=task.warehouse_id, code=code).first()
            if location is None:
                raise serializers.ValidationError(
                    {"location": [f"{task.warehouse.code} has no location {code}."]}
                )
            attrs["location"] = location
        return attrs
