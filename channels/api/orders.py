"""/orders/ and /pick-tasks/. Thin: parse, call one service, render.

A channel key sees and creates only its own channel's orders (and may cancel them or confirm a
hold); shipping, put-back and picks are the warehouse's, for people only.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from channels.api import serializers as s
from channels.api.auth import channel_of
from channels.filters import OrderFilter, PickTaskFilter
from channels.models import SalesChannel
from channels.selectors import order_list, pick_task_list
from channels.services import (
    OrderLineRequest,
    order_cancel,
    order_confirm,
    order_create,
    order_put_back,
    order_ship,
    pick_task_assign,
    pick_task_confirm,
)
from ims.kits.access import api_scope, can
from ims.kits.roles import (
    FLOOR,
    HANDLE_STOCK,
    ORDER_CREATE,
    ORDER_HANDLE,
    ORDER_SHIP,
    READ_STOCK,
)
from ims.kits.schema import IMSAutoSchema

ORDER_KEY_ACTIONS = {"list", "retrieve", "create", "cancel", "confirm"}


@extend_schema_view(
    list=extend_schema(summary="List orders"),
    retrieve=extend_schema(summary="An order"),
    create=extend_schema(
        summary="Place an order: reserve every line or nothing",
        description="201 with the new order; the same channel and external_id again → 200 with "
        "the first order, nothing reserved twice; not enough stock → 409 insufficient_stock "
        "naming every short line. A line that no single warehouse can fill is split across "
        "the channel's warehouses in priority order (one line per warehouse in the response).",
        request=s.OrderCreateSerializer,
        responses={201: s.OrderSerializer, 200: s.OrderSerializer},
    ),
)
class OrderViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    schema = IMSAutoSchema()
    serializer_class = s.OrderSerializer
    filterset_class = OrderFilter
    ordering_fields = ["id", "created_at", "updated_at", "status", "external_id"]
    ordering = ["-created_at", "-id"]
    lookup_value_regex = r"\d+"
    channel_key_actions = ORDER_KEY_ACTIONS
    roles = {
        "list": READ_STOCK,
        "retrieve": READ_STOCK,
        "create": ORDER_CREATE,
        "confirm": ORDER_HANDLE,
        "cancel": ORDER_HANDLE,
        "put_back": ORDER_HANDLE,
        "ship": ORDER_SHIP,
    }

    def get_queryset(self):
        return order_list(
            warehouses=api_scope(self.request, self), channel=channel_of(self.request)
        )

    def _render(self, order, code=status.HTTP_200_OK):
        return Response(s.OrderSerializer(order_list().get(pk=order.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = s.OrderCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        own = channel_of(request)
        code = data.get("channel") or (own.code if own else None)
        if not code:
            raise exceptions.ValidationError({"channel": ["Name the channel (its code)."]})
        if own is not None and code != own.code:
            raise exceptions.PermissionDenied(f"This key acts for channel {own.code} only.")
        channel = own or SalesChannel.objects.filter(code=code).first()
        if channel is None:
            raise exceptions.ValidationError({"channel": [f"Unknown channel {code}."]})
        expires_at = data.get("expires_at")
        if data.get("hold_minutes"):
            expires_at = timezone.now() + datetime.timedelta(minutes=data["hold_minutes"])
        order, created = order_create(
            channel=channel,
            external_id=data["external_id"],
            lines=[OrderLineRequest(line["sku"], line["quantity"]) for line in data["lines"]],
            expires_at=expires_at,
            actor=request.user,
        )
        return self._render(order, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="Cancel: release what is still reserved", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._render(order_cancel(order=self.get_object(), actor=request.user))

    @extend_schema(summary="Ship a picked order (409 invalid_state otherwise)", request=None)
    @action(detail=True, methods=["post"])
    def ship(self, request, pk=None):
        return self._render(order_ship(order=self.get_object(), actor=request.user))

    @extend_schema(
        summary="Confirm an unpaid hold: its reservations no longer expire", request=None
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._render(order_confirm(order=self.get_object()))

    @extend_schema(summary="Put a cancelled order's picked units back in their bins", request=None)
    @action(detail=True, methods=["post"], url_path="put-back")
    def put_back(self, request, pk=None):
        order = self.get_object()
        order_put_back(order=order, actor=request.user)
        return self._render(order)


@extend_schema_view(
    list=extend_schema(summary="List pick tasks"),
    retrieve=extend_schema(summary="A pick task"),
)
class PickTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    schema = IMSAutoSchema()
    serializer_class = s.PickTaskSerializer
    filterset_class = PickTaskFilter
    ordering_fields = ["id", "created_at", "sequence", "status"]
    ordering = ["order__created_at", "order_id", "sequence", "id"]
    lookup_value_regex = r"\d+"
    roles = {
        "list": READ_STOCK,
        "retrieve": READ_STOCK,
        "confirm": FLOOR,
        "assign": HANDLE_STOCK,
    }

    def get_queryset(self):
        return pick_task_list(warehouses=api_scope(self.request, self))

    @extend_schema(
        summary="Confirm a pick",
        description="quantity = units taken from the bin. Fewer than asked is a short pick: "
        "the bin is written down to what was found, the rest re-routed to another bin or "
        "released (the line is marked short), and the bin queued for a count.",
        request=s.PickConfirmSerializer,
        responses=s.PickTaskSerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        serializer = s.PickConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = self.get_object()
        if not can(request, HANDLE_STOCK) and task.assignee_id not in (None, request.user.pk):
            raise exceptions.PermissionDenied(
                f"This pick is assigned to {task.assignee.get_username()}."
            )
        task = pick_task_confirm(
            task=task,
            quantity=serializer.validated_data["quantity"],
            actor=request.user,
        )
        return Response(s.PickTaskSerializer(pick_task_list().get(pk=task.pk)).data)

    @extend_schema(
        summary="Give an open pick (and its order's other open picks there) to an associate",
        request=s.PickAssignSerializer,
        responses=s.PickTaskSerializer,
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        serializer = s.PickAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["assignee"]
        assignee = None
        if username:
            assignee = get_user_model().objects.filter(username=username).first()
            if assignee is None:
                raise exceptions.ValidationError({"assignee": [f"Unknown user {username}."]})
        task = pick_task_assign(task=self.get_object(), assignee=assignee)
        return Response(s.PickTaskSerializer(pick_task_list().get(pk=task.pk)).data)
