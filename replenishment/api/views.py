"""Replenishment endpoints (API.md, "Replenishment"): parse, call one service, render.

Purchasing, managers (their warehouses) and admins read and write; viewers read
(PRODUCT.md's table, ims.kits.roles).
"""

import datetime

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from ims.kits.access import api_scope, require_in_scope
from ims.kits.ordering import AliasOrderingFilter
from ims.kits.roles import BUYING, BUYING_READ
from ims.kits.schema import IMSAutoSchema
from receiving.api.serializers import PurchaseOrderSerializer
from receiving.selectors import purchase_order_list
from replenishment.api import serializers as s
from replenishment.filters import ReorderRuleFilter, ReplenishmentAlertFilter
from replenishment.selectors import alert_list, rule_list
from replenishment.services import (
    alerts_dismiss,
    alerts_order,
    reorder_rule_create,
    reorder_rule_delete,
    reorder_rule_update,
)

ON_PARAMETER = OpenApiParameter(
    "on",
    OpenApiTypes.DATE,
    description="Evaluate `in_force` on this date (YYYY-MM-DD) instead of today.",
)


class ReplenishmentViewSet(viewsets.GenericViewSet):
    schema = IMSAutoSchema()
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]

    def scope(self):
        return api_scope(self.request, self)


@extend_schema_view(
    list=extend_schema(summary="List reorder rules", parameters=[ON_PARAMETER]),
    retrieve=extend_schema(summary="A reorder rule", parameters=[ON_PARAMETER]),
    create=extend_schema(
        summary="Create a reorder rule",
        description="One rule per SKU and warehouse. Seasons are month-day ranges (an end "
        "before the start spans the new year) that may not overlap. The rule is checked at "
        "once: projected stock at or below the point in force raises an alert.",
        request=s.ReorderRuleWriteSerializer,
        responses={201: s.ReorderRuleSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a reorder rule",
        description="Any field but `sku` and `warehouse`; `seasonal` replaces every season.",
        request=s.ReorderRuleUpdateSerializer,
        responses={200: s.ReorderRuleSerializer},
    ),
    destroy=extend_schema(summary="Delete a reorder rule (its alerts stay)"),
)
class ReorderRuleViewSet(
    ReplenishmentViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
):
    serializer_class = s.ReorderRuleSerializer
    filterset_class = ReorderRuleFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"[0-9]+"
    ordering_aliases = {
        "sku": "sku__code",
        "warehouse": "warehouse__code",
        "reorder_point": "reorder_point",
        "projected": "projected",
        "supplier": "supplier__code",
        "updated_at": "updated_at",
    }

    roles = {
        "list": BUYING_READ,
        "retrieve": BUYING_READ,
        "create": BUYING,
        "partial_update": BUYING,
        "destroy": BUYING,
    }

    def get_queryset(self):
        return rule_list(warehouses=self.scope()).order_by("sku__code", "warehouse__code", "pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        raw = self.request.query_params.get("on")
        if raw:
            try:
                context["on"] = datetime.date.fromisoformat(raw)
            except ValueError:
                raise ValidationError({"on": ["A date is written YYYY-MM-DD."]}) from None
        return context

    def _render(self, rule, code=status.HTTP_200_OK):
        fresh = rule_list().get(pk=rule.pk)
        return Response(
            s.ReorderRuleSerializer(fresh, context=self.get_serializer_context()).data,
            status=code,
        )

    def create(self, request, *args, **kwargs):
        serializer = s.ReorderRuleWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        warehouse = serializer.validated_data["warehouse"]
        require_in_scope(self.scope(), warehouse.pk, f"Warehouse {warehouse.code}")
        rule = reorder_rule_create(**serializer.validated_data, actor=request.user)
        return self._render(rule, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        rule = self.get_object()
        serializer = s.ReorderRuleUpdateSerializer(data=request.data, context={"rule": rule})
        serializer.is_valid(raise_exception=True)
        rule = reorder_rule_update(rule=rule, **serializer.validated_data, actor=request.user)
        return self._render(rule)

    def destroy(self, request, *args, **kwargs):
        reorder_rule_delete(rule=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="List replenishment alerts"),
    retrieve=extend_schema(summary="A replenishment alert"),
)
class ReplenishmentAlertViewSet(
    ReplenishmentViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin
):
    serializer_class = s.ReplenishmentAlertSerializer
    filterset_class = ReplenishmentAlertFilter
    lookup_value_regex = r"[0-9]+"
    ordering_aliases = {
        "created_at": "created_at",
        "sku": "sku__code",
        "warehouse": "warehouse__code",
        "projected": "projected",
        "suggested_quantity": "suggested_quantity",
        "status": "status",
    }

    roles = {
        "list": BUYING_READ,
        "retrieve": BUYING_READ,
        "create_purchase_orders": BUYING,
        "dismiss_many": BUYING,
        "dismiss": BUYING,
    }

    def get_queryset(self):
        return alert_list(warehouses=self.scope())

    @extend_schema(
        summary="Turn alerts into draft purchase orders",
        description="One draft PO per supplier (the rule's preferred supplier) and warehouse, "
        "one line per SKU with the suggested quantity; the alerts become `ordered`. Without "
        "`ids`, every open alert. Alerts whose rule names no supplier stay open and are listed "
        "in `skipped`. 201 when a PO was drafted, else 200; an alert no longer open is 409 "
        "`invalid_state` and nothing is changed.",
        request=s.AlertIdsSerializer,
        responses={201: s.CreatedPurchaseOrdersSerializer, 200: s.CreatedPurchaseOrdersSerializer},
    )
    @action(detail=False, methods=["post"], url_path="create-purchase-orders")
    def create_purchase_orders(self, request):
        serializer = s.AlertIdsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = alerts_order(
            ids=serializer.validated_data.get("ids"), actor=request.user, warehouses=self.scope()
        )
        orders = purchase_order_list().filter(pk__in=[po.pk for po in result.purchase_orders])
        body = {
            "purchase_orders": PurchaseOrderSerializer(orders.order_by("pk"), many=True).data,
            "ordered": [alert.pk for alert in result.ordered],
            "skipped": [{"id": alert.pk, "reason": reason} for alert, reason in result.skipped],
        }
        code = status.HTTP_201_CREATED if result.purchase_orders else status.HTTP_200_OK
        return Response(body, status=code)

    @extend_schema(
        summary="Dismiss alerts, saying why",
        operation_id="replenishment_alerts_dismiss_many",
        request=s.DismissSerializer,
        responses={200: s.DismissedAlertsSerializer},
    )
    @action(detail=False, methods=["post"], url_path="dismiss")
    def dismiss_many(self, request):
        serializer = s.DismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        dismissed = alerts_dismiss(
            **serializer.validated_data, actor=request.user, warehouses=self.scope()
        )
        fresh = alert_list().filter(pk__in=[a.pk for a in dismissed]).order_by("pk")
        return Response({"dismissed": s.ReplenishmentAlertSerializer(fresh, many=True).data})

    @extend_schema(
        summary="Dismiss one alert, saying why",
        operation_id="replenishment_alerts_dismiss_one",
        request=s.DismissOneSerializer,
        responses={200: s.ReplenishmentAlertSerializer},
    )
    @action(detail=True, methods=["post"], url_path="dismiss")
    def dismiss(self, request, pk=None):
        alert = self.get_object()
        serializer = s.DismissOneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        alerts_dismiss(ids=[alert.pk], actor=request.user, **serializer.validated_data)
        return Response(s.ReplenishmentAlertSerializer(alert_list().get(pk=alert.pk)).data)
