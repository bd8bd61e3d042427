"""/channels/: channels, their listings, availability and API keys. Thin: parse, call one
service, render. A channel key sees only its own channel (and cannot configure it)."""

from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from channels.api import serializers as s
from channels.api.auth import channel_of
from channels.filters import ChannelFilter, ListingFilter
from channels.models import ChannelKey
from channels.selectors import channel_availability, channel_list, listing_list
from channels.services import (
    channel_create,
    channel_key_create,
    channel_key_revoke,
    channel_update,
    listing_create,
)
from channels.sync.pull import channel_pull
from channels.sync.services import channel_resync, channel_test_connection
from ims.kits.ordering import AliasOrderingFilter
from ims.kits.roles import CHANNEL_CONFIGURE, CHANNEL_OPERATE, CHANNEL_READ
from ims.kits.schema import IMSAutoSchema

CHANNEL_KEY_ACTIONS = {"list", "retrieve", "listings.get", "availability"}


@extend_schema_view(
    list=extend_schema(summary="List channels"),
    retrieve=extend_schema(summary="A channel by code"),
    create=extend_schema(
        summary="Create a channel",
        request=s.ChannelWriteSerializer,
        responses={201: s.ChannelSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a channel",
        description="settings are merged into the stored ones (a value of null removes one); "
        "warehouses replaces the priority list.",
        request=s.ChannelUpdateSerializer,
        responses={200: s.ChannelSerializer},
    ),
)
class ChannelViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    schema = IMSAutoSchema()
    serializer_class = s.ChannelSerializer
    filterset_class = ChannelFilter
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]
    ordering_aliases = {"code": "code", "name": "name", "created_at": "created_at"}
    # The listings and availability actions list listings: they sort by their own names.
    action_ordering_aliases = {
        action: {"sku": "sku__code", "external_id": "external_id"}
        for action in ("listings", "availability")
    }
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    channel_key_actions = CHANNEL_KEY_ACTIONS

    roles = {
        "list": CHANNEL_READ,
        "retrieve": CHANNEL_READ,
        "listings.get": CHANNEL_READ,
        "availability": CHANNEL_READ,
        "listings.post": CHANNEL_OPERATE,
        "resync": CHANNEL_OPERATE,
        "test_connection": CHANNEL_OPERATE,
        "pull_orders": CHANNEL_OPERATE,
        # Endpoint, credentials, keys, warehouses, buffer and the active flag: admins only.
        "create": CHANNEL_CONFIGURE,
        "partial_update": CHANNEL_CONFIGURE,
        "keys": CHANNEL_CONFIGURE,
        "revoke_key": CHANNEL_CONFIGURE,
    }

    def _channels(self):
        channels = channel_list()
        own = channel_of(self.request)
        return channels.filter(pk=own.pk) if own else channels

    def get_queryset(self):
        # The listing actions list listings (their filters and schema are the listings').
        if self.action in {"listings", "availability"}:
            return listing_list()
        if self.action == "keys":
            return ChannelKey.objects.select_related("channel")
        return self._channels()

    def get_object(self):
        # Not filter_queryset(): the listing actions' filters apply to listings, not channels.
        code = self.kwargs["code"]
        if "\x00" in code:
            raise NotFound()
        channel = get_object_or_404(self._channels(), code=code)
        self.check_object_permissions(self.request, channel)
        return channel

    def create(self, request, *args, **kwargs):
        serializer = s.ChannelWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        channel = channel_create(**serializer.validated_data, actor=request.user)
        return Response(
            s.ChannelSerializer(channel_list().get(pk=channel.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def partial_update(self, request, *args, **kwargs):
        channel = self.get_object()
        serializer = s.ChannelUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        channel = channel_update(channel=channel, **serializer.validated_data, actor=request.user)
        return Response(s.ChannelSerializer(channel_list().get(pk=channel.pk)).data)

    @extend_schema(
        methods=["GET"], summary="The channel's listings", responses=s.ListingSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="List a SKU on the channel",
        request=s.ListingSerializer,
        responses={201: s.ListingSerializer},
    )
    @action(detail=True, methods=["get", "post"], filterset_class=ListingFilter)
    def listings(self, request, code=None):
        channel = self.get_object()
        if request.method == "POST":
            serializer = s.ListingSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            listing = listing_create(
                channel=channel,
                sku=serializer.validated_data["sku"]["code"],
                external_id=serializer.validated_data.get("external_id", ""),
                actor=request.user,
            )
            return Response(s.ListingSerializer(listing).data, status=status.HTTP_201_CREATED)
        listings = self.filter_queryset(
            listing_list().filter(channel=channel).order_by("sku__code", "pk")
        )
        page = self.paginate_queryset(listings)
        return self.get_paginated_response(s.ListingSerializer(page, many=True).data)

    @extend_schema(
        summary="What the channel may sell now, per listed SKU",
        description="available over the channel's warehouses, minus its buffer, never below 0; "
        "expired holds do not count.",
        responses=s.ChannelAvailabilitySerializer(many=True),
    )
    @action(detail=True, methods=["get"], filterset_class=ListingFilter)
    def availability(self, request, code=None):
        channel = self.get_object()
        listings = self.filter_queryset(
            listing_list().filter(channel=channel).order_by("sku__code", "pk")
        )
        page = self.paginate_queryset(listings)
        units = channel_availability(channel=channel, sku_ids=[row.sku_id for row in page])
        rows = [
            {"sku": row.sku.code, "external_id": row.external_id, "available": units[row.sku_id]}
            for row in page
        ]
        return self.get_paginated_response(s.ChannelAvailabilitySerializer(rows, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="The channel's API keys (never the keys themselves)",
        responses=s.ChannelKeySerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Issue an API key for the channel",
        description="The response carries the key itself, this once; only a hash is stored.",
        request=s.ChannelKeyCreateSerializer,
        responses={201: s.ChannelKeyCreatedSerializer},
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def keys(self, request, code=None):
        channel = self.get_object()
        if request.method == "POST":
            serializer = s.ChannelKeyCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            key, raw = channel_key_create(
                channel=channel, name=serializer.validated_data.get("name", ""), actor=request.user
            )
            key.key = raw
            return Response(s.ChannelKeyCreatedSerializer(key).data, status=201)
        keys = ChannelKey.objects.filter(channel=channel).select_related("channel")
        page = self.paginate_queryset(keys.order_by("-created_at", "-pk"))
        return self.get_paginated_response(s.ChannelKeySerializer(page, many=True).data)

    @extend_schema(
        summary="Revoke one of the channel's API keys",
        request=None,
        responses=s.ChannelKeySerializer,
    )
    @action(
        detail=True, methods=["post"], url_path=r"keys/(?P<key_id>\d+)/revoke", filterset_class=None
    )
    def revoke_key(self, request, code=None, key_id=None):
        channel = self.get_object()
        key = get_object_or_404(
            ChannelKey.objects.select_related("channel"), pk=key_id, channel=channel
        )
        return Response(
            s.ChannelKeySerializer(channel_key_revoke(key=key, actor=request.user)).data
        )

    @extend_schema(
        summary="Push every listing of the channel now",
        description="Queues every listing (failed ones too) and clears the retry backoff.",
        request=None,
        responses=s.SyncActionResultSerializer,
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def resync(self, request, code=None):
        queued = channel_resync(channel=self.get_object())
        return Response({"ok": True, "detail": f"{queued} listings queued for a push."})

    @extend_schema(
        summary="Reach the channel's storefront with its credentials",
        request=None,
        responses=s.SyncActionResultSerializer,
    )
    @action(detail=True, methods=["post"], url_path="test-connection", filterset_class=None)
    def test_connection(self, request, code=None):
        ok, detail = channel_test_connection(channel=self.get_object())
        return Response({"ok": ok, "detail": detail})

    @extend_schema(
        summary="Pull the storefront's own orders now (connectors that pull, e.g. Vendure)",
        description="What the schedule does every minute: orders placed on the storefront "
        "become IMS orders (idempotent on the storefront's order code), cancelled ones are "
        "cancelled here. `refused` lists orders the IMS could not take yet, with the reason.",
        request=None,
        responses=s.PullResultSerializer,
    )
    @action(detail=True, methods=["post"], url_path="pull-orders", filterset_class=None)
    def pull_orders(self, request, code=None):
        channel = self.get_object()
        result = channel_pull(channel=channel)
        if result.busy:
            detail = "A pull is already running for this channel."
        elif result.error:
            detail = result.error
        elif not result.pulls:
            detail = f"The {channel.connector} connector does not pull orders."
        else:
            detail = f"Read {result.read} storefront order(s)."
        ok = result.pulls and not (result.busy or result.error)
        return Response(
            {
                "ok": ok,
                "detail": detail,
                "read": result.read,
                "taken": result.taken,
                "cancelled": result.cancelled,
                "refused": [{"order": k, "reason": v} for k, v in result.refused.items()],
            }
        )
