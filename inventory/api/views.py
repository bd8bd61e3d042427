"""Catalog, places and stock endpoints: parse, call one service, render (DESIGN.md)."""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ims.kits.access import api_scope, require_in_scope
from ims.kits.ordering import AliasOrderingFilter
from ims.kits.roles import CATALOG, HANDLE_STOCK, READ_STOCK, WAREHOUSES
from ims.kits.schema import IMSAutoSchema
from inventory.api import serializers as s
from inventory.filters import (
    AvailabilityFilter,
    LocationFilter,
    MovementFilter,
    SkuFilter,
    StockFilter,
    VelocityFilter,
    WarehouseFilter,
)
from inventory.models import Sku
from inventory.selectors.stock import (
    availability_list,
    location_list,
    movement_list,
    stock_list,
    velocity_list,
    warehouse_list,
)
from inventory.services import (
    location_create,
    sku_create,
    stock_adjust,
    stock_move,
    warehouse_create,
)
from inventory.services.catalog import sku_update, warehouse_update
from inventory.services.slotting import velocity_and_slotting_recompute

CODE_PATTERN = r"[^/]+"
FILTERS = [DjangoFilterBackend, AliasOrderingFilter]


def _valid_key(value: str) -> bool:
    # A NUL byte can reach us through a URL; PostgreSQL rejects it in any text comparison.
    return "\x00" not in value and len(value) <= 200


class ByCodeMixin:
    """Detail URLs address objects by their natural key."""

    schema = IMSAutoSchema()
    lookup_field = "code"
    lookup_value_regex = CODE_PATTERN

    def get_object(self):
        if not _valid_key(self.kwargs[self.lookup_field]):
            raise NotFound()
        return super().get_object()


@extend_schema_view(
    list=extend_schema(summary="List SKUs"),
    create=extend_schema(summary="Create a SKU", request=s.SkuSerializer),
    retrieve=extend_schema(summary="A SKU by code"),
    partial_update=extend_schema(
        summary="Change a SKU",
        description="name, barcode, active and lot_tracked may change; the code never does. "
        "lot_tracked changes only while the SKU has no stock anywhere (else 409 invalid_state).",
        request=s.SkuUpdateSerializer,
        responses={200: s.SkuSerializer},
    ),
)
class SkuViewSet(
    ByCodeMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Sku.objects.all()
    roles = {
        "list": READ_STOCK,
        "retrieve": READ_STOCK,
        "create": CATALOG,
        "partial_update": CATALOG,
    }
    serializer_class = s.SkuSerializer
    filterset_class = SkuFilter
    filter_backends = FILTERS
    ordering_aliases = {"code": "code", "name": "name", "created_at": "created_at"}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = s.SkuSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sku = sku_create(
            code=data["code"],
            name=data["name"],
            barcode=data.get("barcode"),
            lot_tracked=data.get("lot_tracked", False),
            active=data.get("active", True),
        )
        return Response(s.SkuSerializer(sku).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        sku = self.get_object()
        serializer = s.SkuUpdateSerializer(data=request.data, partial=True, context={"sku": sku})
        serializer.is_valid(raise_exception=True)
        sku = sku_update(sku=sku, **serializer.validated_data)
        return Response(s.SkuSerializer(sku).data)


@extend_schema_view(
    list=extend_schema(summary="List warehouses"),
    create=extend_schema(summary="Create a warehouse"),
    retrieve=extend_schema(summary="A warehouse by code"),
    partial_update=extend_schema(
        summary="Rename a warehouse",
        request=s.WarehouseUpdateSerializer,
        responses={200: s.WarehouseSerializer},
    ),
)
class WarehouseViewSet(
    ByCodeMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    roles = {
        "list": READ_STOCK,
        "retrieve": READ_STOCK,
        "create": WAREHOUSES,
        "partial_update": WAREHOUSES,
    }
    serializer_class = s.WarehouseSerializer
    filterset_class = WarehouseFilter
    filter_backends = FILTERS
    ordering_aliases = {"code": "code", "name": "name"}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return warehouse_list(warehouses=api_scope(self.request, self))

    def create(self, request, *args, **kwargs):
        serializer = s.WarehouseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        warehouse = warehouse_create(**serializer.validated_data)
        return Response(s.WarehouseSerializer(warehouse).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        warehouse = self.get_object()
        serializer = s.WarehouseUpdateSerializer(
            data=request.data, partial=True, context={"warehouse": warehouse}
        )
        serializer.is_valid(raise_exception=True)
        warehouse = warehouse_update(warehouse=warehouse, **serializer.validated_data)
        return Response(s.WarehouseSerializer(warehouse).data)


class LocationListView(generics.ListCreateAPIView):
    """Locations of every warehouse; one is addressed as /locations/{warehouse}/{code}/."""

    schema = IMSAutoSchema()
    serializer_class = s.LocationSerializer
    roles = {"get": READ_STOCK, "post": CATALOG}
    filterset_class = LocationFilter
    filter_backends = FILTERS
    ordering_aliases = {
        "warehouse": "warehouse__code",
        "code": "code",
        "path": "path",
        "type": "type",
        "travel_cost": "travel_cost",
    }

    def get_queryset(self):
        return location_list(warehouses=api_scope(self.request, self))

    @extend_schema(summary="List locations")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Add a location",
        description="`parent` is the code of a zone in the same warehouse (or null). Only zones "
        "contain other locations; only bins are sellable.",
    )
    def post(self, request, *args, **kwargs):
        serializer = s.LocationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        warehouse = serializer.validated_data["warehouse"]
        require_in_scope(api_scope(request, self), warehouse.pk, f"Warehouse {warehouse.code}")
        location = location_create(**serializer.validated_data)
        return Response(s.LocationSerializer(location).data, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="A location by warehouse code and location code",
    parameters=[
        OpenApiParameter("warehouse", OpenApiTypes.STR, OpenApiParameter.PATH),
        OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH),
    ],
)
class LocationDetailView(generics.RetrieveAPIView):
    schema = IMSAutoSchema()
    serializer_class = s.LocationSerializer
    roles = {"get": READ_STOCK}

    def get_object(self):
        warehouse, code = self.kwargs["warehouse"], self.kwargs["code"]
        if not (_valid_key(warehouse) and _valid_key(code)):
            raise NotFound()
        locations = location_list(warehouses=api_scope(self.request, self))
        location = locations.filter(warehouse__code=warehouse, code=code).first()
        if location is None:
            raise NotFound(f"{warehouse} has no location {code}.")
        return location


@extend_schema(summary="Stock per bin, SKU and lot (empty bins left out)")
class StockListView(generics.ListAPIView):
    schema = IMSAutoSchema()
    serializer_class = s.StockSerializer
    roles = {"get": READ_STOCK}
    filterset_class = StockFilter
    filter_backends = FILTERS
    ordering_aliases = {
        "sku": "sku__code",
        "location": "location__path",
        "quantity": "quantity",
        "lot": "lot__lot_number",
    }

    def get_queryset(self):
        return stock_list(warehouses=api_scope(self.request, self))


@extend_schema(
    summary="Available units per SKU and warehouse",
    description="A row for every SKU and warehouse with stock, units expected on open purchase "
    "orders (`incoming`) or units at a receiving dock awaiting put-away: a SKU with nothing "
    "sellable yet shows on_hand, reserved and available 0, and a pair stays listed once it had "
    "units, like a sold-out SKU. Units at the dock are in none of the figures: received, they "
    "leave `incoming`; put away, they join `on_hand`.",
)
class AvailabilityListView(generics.ListAPIView):
    schema = IMSAutoSchema()
    serializer_class = s.AvailabilitySerializer
    roles = {"get": READ_STOCK}
    filterset_class = AvailabilityFilter
    filter_backends = FILTERS
    ordering_aliases = {
        "sku": "sku__code",
        "warehouse": "warehouse__code",
        "on_hand": "on_hand",
        "reserved": "reserved",
        "available": "available_units",
    }

    def get_queryset(self):
        return availability_list(warehouses=api_scope(self.request, self))


@extend_schema(summary="SKU velocity and ABC class per warehouse (recomputed nightly)")
class VelocityListView(generics.ListAPIView):
    schema = IMSAutoSchema()
    serializer_class = s.VelocitySerializer
    roles = {"get": READ_STOCK}
    filterset_class = VelocityFilter
    filter_backends = FILTERS
    ordering_aliases = {
        "sku": "sku__code",
        "warehouse": "warehouse__code",
        "picks_30d": "picks_30d",
        "units_30d": "units_30d",
        "picks_90d": "picks_90d",
        "units_90d": "units_90d",
        "abc": "abc",
    }

    def get_queryset(self):
        return velocity_list(warehouses=api_scope(self.request, self))


@extend_schema(
    summary="Recompute SKU velocity and ABC classes now",
    description="For the `warehouse` given, else every warehouse the caller manages; answers "
    "how many SKUs are in each class. The slotting recommendations of those warehouses are "
    "recomputed from the new figures too.",
    request=s.VelocityRecomputeSerializer,
    responses={200: s.VelocityCountsSerializer},
)
class VelocityRecomputeView(APIView):
    schema = IMSAutoSchema()
    roles = {"post": HANDLE_STOCK}

    def post(self, request):
        serializer = s.VelocityRecomputeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        warehouse = serializer.validated_data["warehouse"]
        scope = api_scope(request, self)
        if warehouse is not None:
            require_in_scope(scope, warehouse.pk, f"Warehouse {warehouse.code}")
            scope = [warehouse.pk]
        counts = velocity_and_slotting_recompute(
            warehouses=None if scope is None else sorted(scope)
        )
        return Response(s.VelocityCountsSerializer(counts).data)


class MovementViewSet(viewsets.ReadOnlyModelViewSet):
    """The stock ledger, newest first. Movements are never changed or deleted."""

    schema = IMSAutoSchema()
    serializer_class = s.MovementSerializer
    roles = {"list": READ_STOCK, "retrieve": READ_STOCK}
    filterset_class = MovementFilter
    filter_backends = FILTERS
    ordering_aliases = {"created_at": "created_at", "id": "id", "quantity": "quantity"}
    lookup_value_regex = r"[0-9]{1,18}"

    def get_queryset(self):
        return movement_list(warehouses=api_scope(self.request, self))


def _require_location_in_scope(request, view, location) -> None:
    require_in_scope(
        api_scope(request, view), location.warehouse_id, f"Warehouse {location.warehouse.code}"
    )


@extend_schema(
    summary="Adjust stock at one location",
    description="A signed correction. A decrease below what the location holds (or, in a "
    "sellable bin, below what is not promised to orders) is refused with 409 "
    "`insufficient_stock`. Lot-tracked SKUs need `lot`; a positive change may create it.",
    request=s.StockAdjustSerializer,
    responses={201: s.MovementSerializer},
)
class StockAdjustView(APIView):
    schema = IMSAutoSchema()
    roles = {"post": HANDLE_STOCK}

    def post(self, request):
        serializer = s.StockAdjustSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        _require_location_in_scope(request, self, data["location"])
        movement = stock_adjust(
            sku=data["sku"],
            location=data["location"],
            quantity=data["quantity"],
            reason=data["reason"],
            lot_number=data["lot"],
            expiry=data["expiry"],
            reference=data["reference"],
            actor=request.user,
        )
        return Response(s.MovementSerializer(movement).data, status=status.HTTP_201_CREATED)


@extend_schema(
    summary="Move stock between two locations of one warehouse",
    description="Leaving sellable bins for a non-sellable place takes only available units "
    "(409 `insufficient_stock` otherwise).",
    request=s.StockMoveSerializer,
    responses={201: s.MovementSerializer},
)
class StockMoveView(APIView):
    schema = IMSAutoSchema()
    roles = {"post": HANDLE_STOCK}

    def post(self, request):
        serializer = s.StockMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        _require_location_in_scope(request, self, data["from_location"])
        movement = stock_move(
            sku=data["sku"],
            from_location=data["from_location"],
            to_location=data["to_location"],
            quantity=data["quantity"],
            lot_number=data["lot"],
            reason=data["reason"],
            reference=data["reference"],
            actor=request.user,
        )
        return Response(s.MovementSerializer(movement).data, status=status.HTTP_201_CREATED)


__all__ = [
    "AvailabilityListView",
    "LocationDetailView",
    "LocationListView",
    "MovementViewSet",
    "SkuViewSet",
    "StockAdjustView",
    "StockListView",
    "StockMoveView",
    "WarehouseViewSet",
]
