"""Cycle counts through the API (API.md "Counts, velocity and slotting"): open, list, submit,
approve, recount. Blind: while a count is open no answer carries a line's expected quantity.

Who may call: FLOOR (admin, manager, associate) lists, reads and submits counts of their
warehouses — an associate only their own and unassigned ones (others are 404); HANDLE_STOCK
(admin, manager) opens counts by hand, approves and recounts.
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from ims.kits.access import api_scope, can, require_in_scope
from ims.kits.roles import FLOOR, HANDLE_STOCK
from ims.kits.schema import IMSAutoSchema
from inventory.api.fields import ScannedSkuField
from inventory.api.serializers import MAX_QUANTITY
from inventory.models import CountOrigin, CycleCount, Location, Warehouse
from inventory.selectors.counts import count_list
from inventory.services.count_posting import (
    CountedLine,
    count_approve,
    count_recount,
    count_submit,
)
from inventory.services.counts import count_create


@extend_schema_field({"type": "string", "description": "Location code in the count's warehouse."})
class LocationCodeField(serializers.Field):
    """A location by code, inside the warehouse in the serializer's context; a code scanned as
    the screens print it ("WH1:B-01") is taken too."""

    default_error_messages = {
        "invalid": "Must be a location code (text).",
        "does_not_exist": "{warehouse} has no location {value}.",
    }

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.strip() or "\x00" in data or len(data) > 100:
            self.fail("invalid")
        warehouse = self.context["warehouse"]
        location = location_by_code(warehouse, data)
        if location is None:
            self.fail("does_not_exist", warehouse=warehouse.code, value=data.strip())
        return location


def location_by_code(warehouse: Warehouse, value: str) -> Location | None:
    value = value.strip()
    prefix = f"{warehouse.code}:"
    code = value[len(prefix) :] if value.startswith(prefix) else value
    return Location.objects.filter(warehouse=warehouse, code=code).first()


class CountLineSerializer(serializers.Serializer):
    """A count line. `expected`, `counted`, `variance` and what was posted appear only once the
    count is no longer open (blind counting)."""

    id = serializers.IntegerField(read_only=True)
    location = serializers.CharField(source="location.code", read_only=True)
    sku = serializers.CharField(source="sku.code", read_only=True)
    lot = serializers.CharField(source="lot.lot_number", read_only=True, allow_null=True)
    found = serializers.BooleanField(read_only=True)
    status = serializers.CharField(required=False, help_text="Shown once submitted.")
    expected = serializers.IntegerField(required=False, allow_null=True)
    counted = serializers.IntegerField(required=False, allow_null=True)
    variance = serializers.IntegerField(required=False, allow_null=True)
    posted = serializers.IntegerField(required=False, help_text="Units posted (signed).")
    unit_cost = serializers.DecimalField(
        max_digits=12, decimal_places=4, required=False, allow_null=True
    )
    note = serializers.CharField(required=False)

    RESULT_FIELDS = ("status", "expected", "counted", "variance", "posted", "unit_cost", "note")

    def to_representation(self, line):
        data = super().to_representation(line)
        if line.count.blind:
            for name in self.RESULT_FIELDS:
                data.pop(name, None)
        return data


class CycleCountSerializer(serializers.ModelSerializer):
    warehouse = serializers.CharField(source="warehouse.code", read_only=True)
    assignee = serializers.CharField(source="assignee.username", read_only=True, allow_null=True)
    location = serializers.CharField(source="location.code", read_only=True, allow_null=True)
    sku = serializers.CharField(source="sku.code", read_only=True, allow_null=True)
    zone = serializers.CharField(source="zone.code", read_only=True, allow_null=True)
    recount = serializers.SerializerMethodField()
    lines = CountLineSerializer(many=True, read_only=True)

    class Meta:
        model = CycleCount
        fields = [
            "id",
            "warehouse",
            "status",
            "origin",
            "assignee",
            "reason",
            "reference",
            "location",
            "sku",
            "zone",
            "recount_of",
            "recount",
            "created_at",
            "submitted_at",
            "closed_at",
            "lines",
        ]
        read_only_fields = fields

    def get_recount(self, count) -> int | None:
        """The count that recounts this one, once a manager asked for it."""
        recount = getattr(count, "recount", None) if count.status == "cancelled" else None
        return recount.pk if recount else None


class CountCreateSerializer(serializers.Serializer):
    warehouse = serializers.SlugRelatedField(slug_field="code", queryset=Warehouse.objects.all())
    location = serializers.CharField(required=False, allow_blank=True, max_length=100)
    sku = ScannedSkuField(required=False)
    zone = serializers.CharField(required=False, allow_blank=True, max_length=100)
    assignee = serializers.CharField(required=False, allow_blank=True, max_length=150)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")

    def validate(self, attrs):
        warehouse = attrs["warehouse"]
        for name in ("location", "zone"):
            code = (attrs.get(name) or "").strip()
            attrs[name] = location_by_code(warehouse, code) if code and "\x00" not in code else None
            if code and attrs[name] is None:
                raise serializers.ValidationError(
                    {name: f"{warehouse.code} has no location {code}."}
                )
        username = (attrs.get("assignee") or "").strip()
        attrs["assignee"] = None
        if username:
            attrs["assignee"] = get_user_model().objects.filter(username=username).first()
            if attrs["assignee"] is None:
                raise serializers.ValidationError({"assignee": f"Unknown user {username}."})
        return attrs


class CountedLineSerializer(serializers.Serializer):
    location = LocationCodeField()
    sku = ScannedSkuField()
    lot = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=64)
    quantity = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY)


class CountSubmitSerializer(serializers.Serializer):
    lines = CountedLineSerializer(many=True, allow_empty=False)


class CountRecountSerializer(serializers.Serializer):
    assignee = serializers.CharField(required=False, allow_blank=True, max_length=150)


@extend_schema_view(
    list=extend_schema(summary="List cycle counts (blind while open)"),
    retrieve=extend_schema(summary="A cycle count (blind while open)"),
)
class CycleCountViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    schema = IMSAutoSchema()
    serializer_class = CycleCountSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    roles = {
        "list": FLOOR,
        "retrieve": FLOOR,
        "create": HANDLE_STOCK,
        "submit": FLOOR,
        "approve": HANDLE_STOCK,
        "recount": HANDLE_STOCK,
    }

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator asks for the model
            return CycleCount.objects.none()
        mine = None if can(self.request, HANDLE_STOCK) else self.request.user
        counts = count_list(warehouses=api_scope(self.request, self), assignee_or_unassigned=mine)
        counts = counts.select_related("recount")
        for name in ("status", "origin"):
            value = self.request.query_params.get(name)
            if value:
                counts = counts.filter(**{name: value})
        warehouse = self.request.query_params.get("warehouse")
        if warehouse and "\x00" not in warehouse:
            counts = counts.filter(warehouse__code=warehouse)
        return counts.order_by("-created_at", "-id")

    def _answer(self, count, code=status.HTTP_200_OK):
        fresh = count_list().select_related("recount").get(pk=count.pk)
        return Response(CycleCountSerializer(fresh).data, status=code)

    @extend_schema(
        summary="Open a blind cycle count: a bin, a SKU across its bins, or a zone's bins",
        request=CountCreateSerializer,
        responses={201: CycleCountSerializer},
    )
    def create(self, request):
        serializer = CountCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        require_in_scope(api_scope(request, self), data["warehouse"].pk, "Warehouse")
        count = count_create(
            warehouse=data["warehouse"],
            location=data["location"],
            sku=data.get("sku"),
            zone=data["zone"],
            assignee=data["assignee"],
            reason=data["reason"],
            origin=CountOrigin.MANUAL,
            actor=request.user,
        )
        return self._answer(count, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Submit what was counted; variances within tolerance post at once",
        description="Every line must be counted (0 is a count); a unit no line expected, in one "
        "of the count's bins, is a new line. Answers each line's `expected` (the snapshot plus "
        "every movement since), `counted` and `variance`; `status` is `posted`, or "
        "`pending_approval` when a variance is beyond tolerance. A count no longer open is 409.",
        request=CountSubmitSerializer,
        responses={200: CycleCountSerializer},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        count = self.get_object()
        serializer = CountSubmitSerializer(
            data=request.data, context={"warehouse": count.warehouse}
        )
        serializer.is_valid(raise_exception=True)
        lines = [
            CountedLine(
                location=line["location"],
                sku=line["sku"],
                quantity=line["quantity"],
                lot_number=line.get("lot") or None,
            )
            for line in serializer.validated_data["lines"]
        ]
        return self._answer(count_submit(count=count, lines=lines, actor=request.user))

    @extend_schema(
        summary="Approve a count's held variances: they post now",
        request=None,
        responses={200: CycleCountSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._answer(count_approve(count=self.get_object(), actor=request.user))

    @extend_schema(
        summary="Recount: a new blind count of the held lines; this one is cancelled",
        request=CountRecountSerializer,
        responses={201: CycleCountSerializer},
    )
    @action(detail=True, methods=["post"])
    def recount(self, request, pk=None):
        count = self.get_object()
        serializer = CountRecountSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = (serializer.validated_data.get("assignee") or "").strip()
        assignee = None
        if username:
            assignee = get_user_model().objects.filter(username=username).first()
            if assignee is None:
                raise serializers.ValidationError({"assignee": f"Unknown user {username}."})
        recount = count_recount(count=count, assignee=assignee, actor=request.user)
        return self._answer(recount, status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("cycle-counts", CycleCountViewSet, basename="cycle-count")

urlpatterns: list = [*router.urls]
