"""Serializers of the replenishment API (API.md, "Replenishment"). Seasons are validated by the
service (replenishment.seasons), so every season error reads the same everywhere."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.api.serializers import CodeRelatedField
from inventory.models import Sku, Warehouse
from receiving.api.serializers import PurchaseOrderSerializer
from receiving.models import Supplier
from replenishment.models import AlertStatus, ReorderRule, ReplenishmentAlert
from replenishment.seasons import MAX_UNITS
from replenishment.services.rules import MAX_LEAD_TIME_DAYS


class SeasonSerializer(serializers.Serializer):
    start = serializers.CharField(help_text='First day, "MM-DD".')
    end = serializers.CharField(
        help_text='Last day, "MM-DD" (inclusive); before `start` means across the new year.'
    )
    reorder_point = serializers.IntegerField(min_value=0)
    reorder_quantity = serializers.IntegerField(min_value=1)


@extend_schema_field(SeasonSerializer(many=True))
class SeasonsField(serializers.ListField):
    """A list of seasons; their checks (MM-DD, no overlap) are the service's."""

    child = serializers.DictField()

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 24)
        super().__init__(**kwargs)


class ThresholdSerializer(serializers.Serializer):
    on = serializers.DateField(help_text="The date evaluated (today unless `?on=` says).")
    reorder_point = serializers.IntegerField()
    reorder_quantity = serializers.IntegerField()
    season = SeasonSerializer(allow_null=True, help_text="The season in force; null: all year.")


class ReorderRuleSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    sku_name = serializers.CharField(source="sku.name")
    warehouse = serializers.CharField(source="warehouse.code")
    supplier = serializers.CharField(source="supplier.code", allow_null=True)
    seasonal = SeasonSerializer(many=True)
    in_force = serializers.SerializerMethodField()
    available = serializers.IntegerField(help_text="On hand - reserved now.")
    incoming = serializers.IntegerField(help_text="Open purchase-order quantity now.")
    at_dock = serializers.IntegerField(help_text="Units received, awaiting put-away.")
    projected = serializers.IntegerField(help_text="available + incoming + at_dock.")
    open_alert = serializers.IntegerField(source="open_alert_id", allow_null=True)

    class Meta:
        model = ReorderRule
        fields = [
            "id",
            "sku",
            "sku_name",
            "warehouse",
            "reorder_point",
            "reorder_quantity",
            "lead_time_days",
            "supplier",
            "pack_size",
            "seasonal",
            "in_force",
            "available",
            "incoming",
            "at_dock",
            "projected",
            "armed",
            "open_alert",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ThresholdSerializer)
    def get_in_force(self, rule):
        threshold = rule.in_force(self.context.get("on"))
        return {
            "on": threshold.on.isoformat(),
            "reorder_point": threshold.reorder_point,
            "reorder_quantity": threshold.reorder_quantity,
            "season": threshold.season.as_dict() if threshold.season else None,
        }


class ReorderRuleWriteSerializer(serializers.Serializer):
    sku = CodeRelatedField(Sku)
    warehouse = CodeRelatedField(Warehouse)
    reorder_point = serializers.IntegerField(min_value=0, max_value=MAX_UNITS)
    reorder_quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS)
    lead_time_days = serializers.IntegerField(
        min_value=0, max_value=MAX_LEAD_TIME_DAYS, required=False, default=0
    )
    supplier = CodeRelatedField(Supplier, required=False, allow_null=True, default=None)
    pack_size = serializers.IntegerField(
        min_value=1, max_value=MAX_UNITS, required=False, allow_null=True, default=None
    )
    seasonal = SeasonsField(required=False, default=list)


class ReorderRuleUpdateSerializer(serializers.Serializer):
    """What a PATCH may change; `sku` and `warehouse` may be repeated but never changed."""

    sku = serializers.CharField(required=False)
    warehouse = serializers.CharField(required=False)
    reorder_point = serializers.IntegerField(min_value=0, max_value=MAX_UNITS, required=False)
    reorder_quantity = serializers.IntegerField(min_value=1, max_value=MAX_UNITS, required=False)
    lead_time_days = serializers.IntegerField(
        min_value=0, max_value=MAX_LEAD_TIME_DAYS, required=False
    )
    supplier = CodeRelatedField(Supplier, required=False, allow_null=True)
    pack_size = serializers.IntegerField(
        min_value=1, max_value=MAX_UNITS, required=False, allow_null=True
    )
    seasonal = SeasonsField(required=False)

    def validate(self, data):
        rule = self.context["rule"]
        errors = {}
        if "sku" in data and data.pop("sku") != rule.sku.code:
            errors["sku"] = "A rule's SKU never changes: create a rule for the other SKU."
        if "warehouse" in data and data.pop("warehouse") != rule.warehouse.code:
            errors["warehouse"] = "A rule's warehouse never changes: create another rule."
        if errors:
            raise serializers.ValidationError(errors)
        return data


@extend_schema_field(
    {"type": "string", "enum": AlertStatus.values, "description": "open, ordered or dismissed"}
)
class AlertStatusField(serializers.CharField):
    """Documented inline: a shared "status" enum component would collide with other apps'."""


class ReplenishmentAlertSerializer(serializers.ModelSerializer):
    status = AlertStatusField(read_only=True)
    sku = serializers.CharField(source="sku.code")
    sku_name = serializers.CharField(source="sku.name")
    warehouse = serializers.CharField(source="warehouse.code")
    supplier = serializers.SerializerMethodField(help_text="The rule's preferred supplier.")
    purchase_order = serializers.CharField(source="purchase_order.number", allow_null=True)
    closed_by = serializers.CharField(source="closed_by.username", allow_null=True)
    projected = serializers.IntegerField(
        help_text="available + incoming (+ units at the dock) when raised."
    )
    current_projected = serializers.IntegerField(help_text="The same figure now.")

    class Meta:
        model = ReplenishmentAlert
        fields = [
            "id",
            "sku",
            "sku_name",
            "warehouse",
            "projected",
            "reorder_point",
            "suggested_quantity",
            "status",
            "created_at",
            "available",
            "incoming",
            "at_dock",
            "reorder_quantity",
            "season",
            "current_projected",
            "rule",
            "supplier",
            "purchase_order",
            "dismiss_reason",
            "closed_by",
            "closed_at",
            "notified_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_supplier(self, alert):
        supplier = alert.rule.supplier if alert.rule_id else None
        return supplier.code if supplier else None


class AlertIdsSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        allow_empty=False,
        max_length=1000,
        help_text="The alerts to order; leave out to order every open alert.",
    )


class DismissSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), allow_empty=False, max_length=1000
    )
    reason = serializers.CharField(max_length=200)


class DismissOneSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class SkippedAlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()


class CreatedPurchaseOrdersSerializer(serializers.Serializer):
    purchase_orders = PurchaseOrderSerializer(many=True, help_text="The draft POs.")
    ordered = serializers.ListField(child=serializers.IntegerField(), help_text="Alert ids.")
    skipped = SkippedAlertSerializer(many=True, help_text="Open alerts with no supplier.")


class DismissedAlertsSerializer(serializers.Serializer):
    dismissed = ReplenishmentAlertSerializer(many=True)
