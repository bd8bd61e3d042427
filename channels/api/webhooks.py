"""POST /channels/{code}/webhooks/shopify/ and /woocommerce/: the shops' order webhooks. Thin:
find the channel, hand the raw body and headers to channels.webhooks.delivery, render.

The door: these are called by the shops, with no person, token or key, so they declare no
roles (tests/test_doors.py lists them with the other doors open by nature). What lets a call
in is the shop's HMAC of the raw body with the channel's `webhook_secret`, checked before the
body is read; without it the answer is 401 and nothing is written. No session authentication,
so no CSRF check applies (DRF's views are CSRF-exempt otherwise), and no rate limit: the API
limits people and channel keys, not anonymous callers, and a 429 would count as a failed
delivery (WooCommerce disables a webhook after 5 in a row). An unsigned request costs one
indexed lookup and one HMAC.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from channels.models import SalesChannel
from channels.webhooks import shopify, woocommerce
from channels.webhooks.delivery import delivery_answer
from ims.kits.schema import IMSAutoSchema


class WebhookAnswerSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    outcome = serializers.ChoiceField(
        choices=["taken", "known", "kept", "cancelled", "ignored"], required=False
    )
    detail = serializers.CharField()
    order = serializers.IntegerField(allow_null=True, required=False)


class ShopWebhookView(APIView):
    shop = None  # the channels.webhooks module of the shop this address is for
    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    schema = IMSAutoSchema()

    def post(self, request, code):
        channel = None if "\x00" in code else SalesChannel.objects.filter(code=code).first()
        if channel is None:
            return Response(
                {"code": "not_found", "detail": f"There is no channel {code}."}, status=404
            )
        if channel.connector != self.shop.NAME:
            return Response(
                {
                    "code": "not_found",
                    "detail": f"Channel {code} is a {channel.get_connector_display()} channel: "
                    f"this address takes {self.shop.LABEL}'s order webhooks, for "
                    f"{self.shop.LABEL} channels only.",
                },
                status=404,
            )
        answer = delivery_answer(
            shop=self.shop, channel=channel, body=request.body, headers=request.headers
        )
        return Response(answer.body, status=answer.status)


def _schema(shop):
    return extend_schema(
        summary=f"Receive {shop.LABEL}'s order webhooks",
        description=(
            f"Called by {shop.LABEL}, signed with `{shop.SIGNATURE_HEADER}` (base64 HMAC-SHA256 "
            "of the raw body with the channel's `webhook_secret` setting); a bad or missing "
            f"signature is 401 and writes nothing. Topics ({shop.TOPIC_HEADER}): "
            f"{', '.join(shop.TOPICS)}. Every signed order is answered 200, also one the IMS "
            "can't take yet (`kept`: shown on the channel's page, retried every minute)."
        ),
        auth=[],
        request={"application/json": OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(shop.TOPIC_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER),
            OpenApiParameter(shop.SIGNATURE_HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER),
        ],
        responses={200: WebhookAnswerSerializer},
        operation_id=f"channels_webhooks_{shop.NAME}_create",
    )


class ShopifyWebhookView(ShopWebhookView):
    shop = shopify

    @_schema(shopify)
    def post(self, request, code):
        return super().post(request, code)


class WooCommerceWebhookView(ShopWebhookView):
    shop = woocommerce

    @_schema(woocommerce)
    def post(self, request, code):
        return super().post(request, code)
