"""Receiving endpoints (API.md, "Receiving"): parse, call one service, render.

Who may call each action is PRODUCT.md's table (ims.kits.roles): purchase orders and suppliers
are purchasing's and managers', receipts and put-away the dock's (associates and managers),
resolving a discrepancy a manager's; managers and associates see only their warehouses' rows.
"""

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from ims.kits.access import api_scope, require_in_scope
from ims.kits.ordering import AliasOrderingFilter
from ims.kits.roles import BUYING, BUYING_READ, FLOOR, HANDLE_STOCK, RECEIVING_READ
from ims.kits.schema import IMSAutoSchema
from receiving.api import inputs as i
from receiving.api import serializers as s
from receiving.filters import (
    DiscrepancyFilter,
    PurchaseOrderFilter,
    PutawayTaskFilter,
    SupplierFilter,
)
from receiving.models import Supplier
from receiving.selectors import (
    discrepancy_list,
    purchase_order_detail,
    purchase_order_list,
    putaway_task_list,
)
from receiving.services import (
    PurchaseLineRequest,
    discrepancy_resolve,
    purchase_order_cancel,
    purchase_order_close,
    purchase_order_create,
    purchase_order_open,
    putaway_complete,
    receipt_create,
    supplier_create,
    supplier_update,
)


def _valid_key(value: str) -> bool:
    return "\x00" not in value and len(value) <= 200


class ReceivingViewSet(viewsets.GenericViewSet):
    schema = IMSAutoSchema()
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]

    def scope(self):
        return api_scope(self.request, self)


@extend_schema_view(
    list=extend_schema(summary="List suppliers"),
    retrieve=extend_schema(summary="A supplier by code"),
    create=extend_schema(summary="Add a supplier"),
    partial_update=extend_schema(
        summary="Change a supplier's name or e-mail",
        request=i.SupplierUpdateSerializer,
        responses={200: s.SupplierSerializer},
    ),
)
class SupplierViewSet(
    ReceivingViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
):
    queryset = Supplier.objects.order_by("code")
    serializer_class = s.SupplierSerializer
    filterset_class = SupplierFilter
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    ordering_aliases = {"code": "code", "name": "name", "created_at": "created_at"}
    http_method_names = ["get", "post", "patch", "head", "options"]
    roles = {
        "list": BUYING_READ,
        "retrieve": BUYING_READ,
        "create": BUYING,
        "partial_update": BUYING,
    }

    def get_object(self):
        if not _valid_key(self.kwargs["code"]):
            raise NotFound()
        return super().get_object()

    def create(self, request, *args, **kwargs):
        serializer = s.SupplierSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        supplier = supplier_create(**serializer.validated_data)
        return Response(s.SupplierSerializer(supplier).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        supplier = self.get_object()
        serializer = i.SupplierUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        supplier = supplier_update(supplier=supplier, **serializer.validated_data)
        return Response(s.SupplierSerializer(supplier).data)


_PO_STATES = (
    "Transitions: draft → open → partially_received → received → closed; draft or open → "
    "cancelled. A transition that is not allowed is 409 `invalid_state`."
)


@extend_schema_view(
    list=extend_schema(summary="List purchase orders"),
    retrieve=extend_schema(
        summary="A purchase order by number, with its receipts and discrepancies",
        responses={200: s.PurchaseOrderDetailSerializer},
    ),
    create=extend_schema(
        summary="Create a purchase order",
        description='A draft, or an open PO when given `"status": "open"`. One line per SKU. '
        "Without `number` it is numbered PO-<id>.",
        request=i.PurchaseOrderCreateSerializer,
        responses={201: s.PurchaseOrderSerializer},
    ),
)
class PurchaseOrderViewSet(
    ReceivingViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
):
    serializer_class = s.PurchaseOrderSerializer
    filterset_class = PurchaseOrderFilter
    lookup_field = "number"
    lookup_value_regex = r"[^/]+"
    ordering_aliases = {
        "number": "number",
        "expected_date": "expected_date",
        "created_at": "created_at",
        "status": "status",
        "supplier": "supplier__code",
        "warehouse": "warehouse__code",
    }
    roles = {
        "list": RECEIVING_READ,
        "retrieve": RECEIVING_READ,
        "create": BUYING,
        "open": BUYING,
        "cancel": BUYING,
        "close": BUYING,
        "receipts": FLOOR,
    }

    def get_queryset(self):
        if self.action == "retrieve":
            return purchase_order_detail(warehouses=self.scope())
        return purchase_order_list(warehouses=self.scope())

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.PurchaseOrderDetailSerializer
        return s.PurchaseOrderSerializer

    def get_object(self):
        if not _valid_key(self.kwargs["number"]):
            raise NotFound()
        return super().get_object()

    def _render(self, purchase_order, status_code=status.HTTP_200_OK):
        fresh = purchase_order_list().get(pk=purchase_order.pk)
        return Response(s.PurchaseOrderSerializer(fresh).data, status=status_code)

    def create(self, request, *args, **kwargs):
        serializer = i.PurchaseOrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        warehouse = data["warehouse"]
        require_in_scope(self.scope(), warehouse.pk, f"Warehouse {warehouse.code}")
        purchase_order = purchase_order_create(
            number=data.get("number"),
            supplier=data["supplier"],
            warehouse=data["warehouse"],
            expected_date=data["expected_date"],
            status=data["status"],
            note=data["note"],
            lines=[PurchaseLineRequest(**line) for line in data["lines"]],
            actor=request.user,
        )
        return self._render(purchase_order, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Open a draft purchase order (sent to the supplier)",
        description=_PO_STATES,
        request=None,
        responses={200: s.PurchaseOrderSerializer},
    )
    @action(detail=True, methods=["post"])
    def open(self, request, number=None):
        return self._render(
            purchase_order_open(purchase_order=self.get_object(), actor=request.user)
        )

    @extend_schema(
        summary="Cancel a purchase order (only while nothing has been received)",
        description=_PO_STATES,
        request=None,
        responses={200: s.PurchaseOrderSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, number=None):
        return self._render(
            purchase_order_cancel(purchase_order=self.get_object(), actor=request.user)
        )

    @extend_schema(
        summary="Close a purchase order: nothing more is expected",
        description="Flags `short` for every line received below its ordered quantity (returned "
        "in `short`). " + _PO_STATES,
        request=None,
        responses={200: s.ClosedPurchaseOrderSerializer},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, number=None):
        purchase_order, short = purchase_order_close(
            purchase_order=self.get_object(), actor=request.user
        )
        fresh = purchase_order_list().get(pk=purchase_order.pk)
        fresh.short = short
        return Response(s.ClosedPurchaseOrderSerializer(fresh).data)

    @extend_schema(
        summary="Record a shipment received against the purchase order",
        description="All lines or none. Sound units land at the warehouse's dock (not "
        "sellable) with a put-away task per line; damaged units go to quarantine. Discrepancies "
        "are flagged at once: `over_receipt` (beyond the configured tolerance; the units are "
        "accepted), `unexpected_sku` and `missing_lot` (the units are held in quarantine until a "
        "manager resolves the flag), `damaged`. A draft, closed or cancelled PO is 409 "
        "`invalid_state`; a warehouse without a dock (or quarantine, when one is needed) is 409 "
        "`location_missing`.",
        request=i.ReceiptCreateSerializer,
        responses={201: s.ReceiptResultSerializer},
    )
    @action(detail=True, methods=["post"])
    def receipts(self, request, number=None):
        purchase_order = self.get_object()
        serializer = i.ReceiptCreateSerializer(
            data=request.data, context={"purchase_order": purchase_order}
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = receipt_create(
            purchase_order=purchase_order,
            lines=data["lines"],
            dock=data.get("dock"),
            note=data["note"],
            actor=request.user,
        )
        return Response(s.ReceiptResultSerializer(result).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="List discrepancies, newest first"),
    retrieve=extend_schema(summary="A discrepancy"),
)
class DiscrepancyViewSet(ReceivingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.DiscrepancySerializer
    filterset_class = DiscrepancyFilter
    lookup_value_regex = r"[0-9]{1,18}"
    ordering_aliases = {
        "created_at": "created_at",
        "code": "code",
        "sku": "sku__code",
        "purchase_order": "purchase_order__number",
    }
    roles = {"list": RECEIVING_READ, "retrieve": RECEIVING_READ, "resolve": HANDLE_STOCK}

    def get_queryset(self):
        return discrepancy_list(warehouses=self.scope())

    @extend_schema(
        summary="Resolve a discrepancy with a note (who and when are recorded)",
        description="`release: true` sends units held in quarantine (unexpected_sku, "
        "missing_lot, damaged) to the shelves with a put-away task; a missing_lot batch needs "
        "its real `lot` first. Resolving twice is 409 `invalid_state`.",
        request=i.DiscrepancyResolveSerializer,
        responses={200: s.DiscrepancyResolvedSerializer},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        serializer = i.DiscrepancyResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        discrepancy, task = discrepancy_resolve(
            discrepancy=self.get_object(),
            note=data["note"],
            release=data["release"],
            lot_number=data["lot"],
            expiry=data["expiry"],
            actor=request.user,
        )
        fresh = discrepancy_list().get(pk=discrepancy.pk)
        fresh.putaway_task = task and putaway_task_list().get(pk=task.pk)
        return Response(s.DiscrepancyResolvedSerializer(fresh).data)


@extend_schema_view(
    list=extend_schema(summary="List put-away tasks"),
    retrieve=extend_schema(summary="A put-away task"),
)
class PutawayTaskViewSet(ReceivingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = s.PutawayTaskSerializer
    filterset_class = PutawayTaskFilter
    lookup_value_regex = r"[0-9]{1,18}"
    ordering_aliases = {
        "created_at": "created_at",
        "sku": "sku__code",
        "quantity": "quantity",
        "walk": "suggested_location__travel_cost",
    }
    roles = {"list": FLOOR, "retrieve": FLOOR, "complete": FLOOR}

    def get_queryset(self):
        return putaway_task_list(warehouses=self.scope())

    @extend_schema(
        summary="Confirm a put-away: the units move into the bin and become sellable",
        description="Default: the suggested bin, all the units. A partial quantity closes this "
        "task for what moved and opens a new one for the rest (`remainder`). A task that is no "
        "longer open is 409 `invalid_state`; a bin without room is 400 on `location`.",
        request=i.PutawayCompleteSerializer,
        responses={200: s.PutawayCompletedSerializer},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        task = self.get_object()
        serializer = i.PutawayCompleteSerializer(data=request.data, context={"task": task})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        done, remainder = putaway_complete(
            task=task,
            location=data.get("location"),
            quantity=data.get("quantity"),
            actor=request.user,
        )
        fresh = putaway_task_list().get(pk=done.pk)
        fresh.remainder = remainder and putaway_task_list().get(pk=remainder.pk)
        return Response(s.PutawayCompletedSerializer(fresh).data)
