"""Serializers of the catalog, places and stock API (API.md, "Catalog and places", "Stock").

Natural keys everywhere: SKUs and warehouses by `code`, locations by `code` within the request's
warehouse, lots by `lot_number`. Input serializers only parse and resolve keys; the views hand
`validated_data` to one service (nothing here saves anything).
"""

from django.core.validators import ProhibitNullCharactersValidator, RegexValidator
from rest_framework import serializers

from inventory.models import (
    BinStock,
    Location,
    LocationType,
    Sku,
    SkuVelocity,
    StockMovement,
    Warehouse,
    WarehouseStock,
)

# The database's integer column holds 2**31 - 1; one request may move at most a billion units,
# so two requests can never push a balance out of range unnoticed by validation.
MAX_INT = 2_147_483_647
MAX_QUANTITY = 1_000_000_000

# Codes appear in URLs (/skus/{code}/): no slashes, no surrounding whitespace, nothing empty.
code_validator = RegexValidator(
    r"^[^/\s](?:[^/]*[^/\s])?$",
    "Use letters, digits and punctuation other than '/', with no spaces at either end.",
)


class CodeField(serializers.CharField):
    """A natural key's text: trimmed, bounded, URL-safe."""

    def __init__(self, max_length: int = 64, **kwargs):
        kwargs.setdefault("validators", [code_validator])
        super().__init__(max_length=max_length, **kwargs)


class CodeRelatedField(serializers.SlugRelatedField):
    """A foreign key written as the target's code; an unknown code is a 400 on this field."""

    default_error_messages = {
        "does_not_exist": "No {model} with code {value}.",
        "invalid": "Must be a code (text).",
    }

    def __init__(self, model, **kwargs):
        self.model_name = model._meta.verbose_name
        kwargs.setdefault("queryset", model.objects.all())
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or "\x00" in data or len(data) > 64:
            self.fail("invalid")
        try:
            return self.get_queryset().get(code=data)
        except self.get_queryset().model.DoesNotExist:
            self.fail("does_not_exist", model=self.model_name, value=data)


# Catalog ------------------------------------------------------------------------------------


class SkuSerializer(serializers.ModelSerializer):
    code = CodeField()
    barcode = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True, default=None
    )

    class Meta:
        model = Sku
        fields = ["code", "name", "barcode", "lot_tracked", "active", "created_at"]
        read_only_fields = ["created_at"]
        # Uniqueness is checked by the service (full_clean) and the database, once.
        extra_kwargs = {"name": {"max_length": 200}}

    def get_validators(self):
        return []


class SkuUpdateSerializer(serializers.Serializer):
    """PATCH /skus/{code}/: the code is the natural key and never changes."""

    name = serializers.CharField(max_length=200, required=False)
    barcode = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True
    )
    active = serializers.BooleanField(required=False)
    lot_tracked = serializers.BooleanField(required=False)

    def validate(self, attrs):
        code = self.initial_data.get("code") if isinstance(self.initial_data, dict) else None
        if code is not None and code != self.context["sku"].code:
            raise serializers.ValidationError({"code": ["A SKU's code cannot change."]})
        return attrs


class WarehouseSerializer(serializers.ModelSerializer):
    code = CodeField(max_length=32)

    class Meta:
        model = Warehouse
        fields = ["code", "name"]
        extra_kwargs = {"name": {"max_length": 200}}

    def get_validators(self):
        return []


class WarehouseUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)

    def validate(self, attrs):
        code = self.initial_data.get("code") if isinstance(self.initial_data, dict) else None
        if code is not None and code != self.context["warehouse"].code:
            raise serializers.ValidationError({"code": ["A warehouse's code cannot change."]})
        return attrs


class ParentCodeField(serializers.CharField):
    """Written as a code, read back as the parent's code (not its str(), which names the
    warehouse and would cost a query per row)."""

    def to_representation(self, value):
        return value.code if value is not None else None


class LocationSerializer(serializers.ModelSerializer):
    warehouse = CodeRelatedField(Warehouse)
    code = CodeField()
    parent = ParentCodeField(
        max_length=64,
        required=False,
        allow_null=True,
        default=None,
        validators=[ProhibitNullCharactersValidator()],
        help_text="Code of the containing zone in the same warehouse, or null at the top.",
    )
    type = serializers.ChoiceField(choices=LocationType.choices, default=LocationType.BIN)
    sellable = serializers.BooleanField(read_only=True, help_text="Bins are sellable.")
    travel_cost = serializers.IntegerField(min_value=0, max_value=MAX_INT, default=0)
    capacity = serializers.IntegerField(
        min_value=0, max_value=MAX_INT, required=False, allow_null=True, default=None
    )

    class Meta:
        model = Location
        fields = [
            "warehouse",
            "code",
            "parent",
            "type",
            "sellable",
            "travel_cost",
            "capacity",
            "path",
        ]
        read_only_fields = ["path"]

    def get_validators(self):
        return []

    def validate(self, attrs):
        warehouse = attrs["warehouse"]
        if Location.objects.filter(warehouse=warehouse, code=attrs["code"]).exists():
            raise serializers.ValidationError(
                {"code": [f"{warehouse.code} already has a location {attrs['code']}."]}
            )
        parent_code = attrs.get("parent")
        if parent_code:
            parent = Location.objects.filter(warehouse=warehouse, code=parent_code).first()
            if parent is None:
                raise serializers.ValidationError(
                    {"parent": [f"{warehouse.code} has no location {parent_code}."]}
                )
            attrs["parent"] = parent
        else:
            attrs["parent"] = None
        return attrs


# Stock --------------------------------------------------------------------------------------


class StockSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    warehouse = serializers.CharField(source="location.warehouse.code")
    location = serializers.CharField(source="location.code")
    lot = serializers.CharField(source="lot.lot_number", allow_null=True)
    expiry = serializers.DateField(source="lot.expiry", allow_null=True)
    sellable = serializers.BooleanField(source="location.sellable")

    class Meta:
        model = BinStock
        fields = ["sku", "warehouse", "location", "lot", "expiry", "quantity", "sellable"]
        read_only_fields = fields


class AvailabilitySerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    warehouse = serializers.CharField(source="warehouse.code")
    available = serializers.IntegerField(
        source="available_units", help_text="on_hand - reserved: what may still be promised."
    )
    incoming = serializers.IntegerField(help_text="Units on open purchase orders.")

    class Meta:
        model = WarehouseStock
        fields = ["sku", "warehouse", "on_hand", "reserved", "available", "incoming"]
        read_only_fields = fields


class MovementSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    warehouse = serializers.CharField(source="warehouse.code")
    lot = serializers.CharField(source="lot.lot_number", allow_null=True)
    from_location = serializers.CharField(source="from_location.code", allow_null=True)
    to_location = serializers.CharField(source="to_location.code", allow_null=True)
    actor = serializers.CharField(source="actor.get_username", allow_null=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "sku",
            "warehouse",
            "lot",
            "quantity",
            "from_location",
            "to_location",
            "kind",
            "reference",
            "actor",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


def _location_in(warehouse: Warehouse, code: str, field: str) -> Location:
    location = Location.objects.select_related("warehouse").filter(warehouse=warehouse, code=code)
    found = location.first()
    if found is None:
        raise serializers.ValidationError({field: [f"{warehouse.code} has no location {code}."]})
    return found


class StockAdjustSerializer(serializers.Serializer):
    sku = CodeRelatedField(Sku)
    warehouse = CodeRelatedField(Warehouse)
    location = CodeField(help_text="Location code within the warehouse.")
    quantity = serializers.IntegerField(
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text="Signed change in units: positive adds, negative takes away; not zero.",
    )
    lot = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True, default=None
    )
    expiry = serializers.DateField(required=False, allow_null=True, default=None)
    reason = serializers.CharField(max_length=200)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        attrs["location"] = _location_in(attrs["warehouse"], attrs["location"], "location")
        if attrs["quantity"] == 0:
            raise serializers.ValidationError(
                {"quantity": ["Must be a non-zero whole number (a signed change)."]}
            )
        return attrs


class StockMoveSerializer(serializers.Serializer):
    sku = CodeRelatedField(Sku)
    warehouse = CodeRelatedField(Warehouse)
    from_location = CodeField(help_text="Location code within the warehouse.")
    to_location = CodeField(help_text="Location code within the warehouse.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    lot = serializers.CharField(
        max_length=64, required=False, allow_null=True, allow_blank=True, default=None
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        warehouse = attrs["warehouse"]
        attrs["from_location"] = _location_in(warehouse, attrs["from_location"], "from_location")
        attrs["to_location"] = _location_in(warehouse, attrs["to_location"], "to_location")
        return attrs


# Velocity -------------------------------------------------------------------------------------


class VelocitySerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="sku.code")
    warehouse = serializers.CharField(source="warehouse.code")

    class Meta:
        model = SkuVelocity
        fields = [
            "sku",
            "warehouse",
            "picks_30d",
            "units_30d",
            "picks_90d",
            "units_90d",
            "abc",
            "computed_at",
        ]
        read_only_fields = fields


class VelocityRecomputeSerializer(serializers.Serializer):
    warehouse = CodeRelatedField(Warehouse, required=False, allow_null=True, default=None)


class VelocityCountsSerializer(serializers.Serializer):
    A = serializers.IntegerField()
    B = serializers.IntegerField()
    C = serializers.IntegerField()
