"""Serializers for channels, listings, orders and picks (API.md, "Channels and orders").

Read serializers render rows the selectors already shaped; write serializers only parse and
resolve natural keys — the services do the rest.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from channels.models import (
    SECRET_SETTINGS,
    ChannelKey,
    Connector,
    Listing,
    Order,
    OrderLine,
    PickTask,
    SalesChannel,
)
from channels.services.intake import MAX_LINES, MAX_QUANTITY
from inventory.models import Sku, Warehouse

CODE_MAX = 64


class ChannelSerializer(serializers.ModelSerializer):
    warehouses = serializers.SerializerMethodField(
        help_text="Warehouse codes this channel sells from, in priority order."
    )
    settings = serializers.SerializerMethodField(
        help_text="Connector settings; credentials (access_token, consumer_key, "
        "consumer_secret, password) are never shown."
    )
    secret_set = serializers.SerializerMethodField()

    class Meta:
        model = SalesChannel
        fields = [
            "code",
            "name",
            "connector",
            "endpoint_url",
            "settings",
            "buffer",
            "warehouses",
            "active",
            "secret_set",
            "created_at",
        ]

    def get_warehouses(self, channel) -> list[str]:
        return [source.warehouse.code for source in channel.sources.all()]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_settings(self, channel) -> dict:
        return {k: v for k, v in (channel.settings or {}).items() if k not in SECRET_SETTINGS}

    def get_secret_set(self, channel) -> bool:
        return bool(channel.secret)


class ChannelWriteSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=200)
    connector = serializers.ChoiceField(choices=Connector.choices, default=Connector.WEBHOOK)
    endpoint_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    secret = serializers.CharField(
        max_length=200, required=False, allow_blank=True, write_only=True
    )
    settings = serializers.DictField(required=False)
    buffer = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, required=False)
    warehouses = serializers.ListField(
        child=serializers.CharField(max_length=CODE_MAX), required=False, max_length=100
    )
    active = serializers.BooleanField(required=False)

    def validate_warehouses(self, codes):
        found = {w.code: w for w in Warehouse.objects.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            raise serializers.ValidationError(f"Unknown warehouse {', '.join(unknown)}.")
        return [found[code] for code in codes]


class ChannelUpdateSerializer(ChannelWriteSerializer):
    code = None  # the natural key never changes
    name = serializers.CharField(max_length=200, required=False)
    connector = serializers.ChoiceField(choices=Connector.choices, required=False)


class ChannelKeySerializer(serializers.ModelSerializer):
    channel = serializers.CharField(source="channel.code", read_only=True)

    class Meta:
        model = ChannelKey
        fields = ["id", "channel", "name", "prefix", "created_at", "revoked_at"]


class ChannelKeyCreatedSerializer(ChannelKeySerializer):
    key = serializers.CharField(help_text="The key itself, shown this once.")

    class Meta(ChannelKeySerializer.Meta):
        fields = [*ChannelKeySerializer.Meta.fields, "key"]


class ChannelKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ListingSerializer(serializers.ModelSerializer):
    channel = serializers.CharField(source="channel.code", read_only=True)
    sku = serializers.CharField(source="sku.code", max_length=CODE_MAX)

    class Meta:
        model = Listing
        fields = [
            "id",
            "channel",
            "sku",
            "external_id",
            "last_pushed_available",
            "last_pushed_at",
            "sync_status",
            "version",
            "last_pushed_version",
            "last_error",
        ]
        read_only_fields = [
            "last_pushed_available",
            "last_pushed_at",
            "sync_status",
            "version",
            "last_pushed_version",
            "last_error",
        ]

    def validate_sku(self, code):
        sku = Sku.objects.filter(code=code).first()
        if sku is None:
            raise serializers.ValidationError(f"Unknown SKU {code}.")
        return sku


class ChannelAvailabilitySerializer(serializers.Serializer):
    sku = serializers.CharField()
    external_id = serializers.CharField()
    available = serializers.IntegerField()


class SyncActionResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    detail = serializers.CharField()


class RefusedOrderSerializer(serializers.Serializer):
    order = serializers.CharField(help_text="The storefront's order code.")
    reason = serializers.CharField()


class PullResultSerializer(SyncActionResultSerializer):
    read = serializers.IntegerField(help_text="Storefront orders read by this pull.")
    taken = serializers.ListField(child=serializers.CharField(), help_text="New IMS orders.")
    cancelled = serializers.ListField(child=serializers.CharField())
    refused = RefusedOrderSerializer(many=True)


class OrderLineSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    warehouse = serializers.CharField(source="warehouse.code")

    class Meta:
        model = OrderLine
        fields = ["sku", "quantity", "warehouse", "quantity_picked", "quantity_short"]


class OrderSerializer(serializers.ModelSerializer):
    channel = serializers.CharField(source="channel.code")
    lines = OrderLineSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "channel",
            "external_id",
            "status",
            "lines",
            "expires_at",
            "created_at",
            "updated_at",
            "shipped_at",
            "cancelled_at",
            "cancel_reason",
        ]


class OrderLineInSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=CODE_MAX)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class OrderCreateSerializer(serializers.Serializer):
    channel = serializers.CharField(
        max_length=32, required=False, help_text="Channel code; a channel key may leave it out."
    )
    external_id = serializers.CharField(max_length=100)
    lines = OrderLineInSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="An unpaid hold: released when this passes."
    )
    hold_minutes = serializers.IntegerField(
        required=False, min_value=1, max_value=60 * 24 * 30, help_text="Or: hold this long."
    )

    def validate_lines(self, lines):
        codes = {line["sku"] for line in lines}
        skus = {sku.code: sku for sku in Sku.objects.filter(code__in=codes)}
        errors, unknown = [], False
        for line in lines:
            if line["sku"] in skus:
                errors.append({})
            else:
                errors.append({"sku": [f"Unknown SKU {line['sku']}."]})
                unknown = True
        if unknown:
            raise serializers.ValidationError(errors)
        return [{"sku": skus[line["sku"]], "quantity": line["quantity"]} for line in lines]

    def validate(self, data):
        if data.get("expires_at") and data.get("hold_minutes"):
            raise serializers.ValidationError(
                {"hold_minutes": "Give expires_at or hold_minutes, not both."}
            )
        return data


class PickTaskSerializer(serializers.ModelSerializer):
    order = serializers.IntegerField(source="order_id")
    channel = serializers.CharField(source="order.channel.code")
    external_id = serializers.CharField(source="order.external_id")
    warehouse = serializers.CharField(source="warehouse.code")
    sku = serializers.CharField(source="sku.code")
    lot = serializers.CharField(source="lot.lot_number", allow_null=True, default=None)
    location = serializers.CharField(source="location.code")
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)

    class Meta:
        model = PickTask
        fields = [
            "id",
            "order",
            "channel",
            "external_id",
            "warehouse",
            "sku",
            "lot",
            "location",
            "quantity",
            "quantity_picked",
            "assignee",
            "status",
            "sequence",
            "created_at",
            "completed_at",
        ]


class PickConfirmSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(
        min_value=0, max_value=MAX_QUANTITY, help_text="Units picked; fewer than asked = short."
    )


class PickAssignSerializer(serializers.Serializer):
    assignee = serializers.CharField(
        max_length=150, allow_null=True, help_text="Username of an associate, or null."
    )
