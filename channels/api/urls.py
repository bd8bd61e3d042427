from django.urls import path
from rest_framework.routers import SimpleRouter

from channels.api.channels import ChannelViewSet
from channels.api.orders import OrderViewSet, PickTaskViewSet
from channels.api.webhooks import ShopifyWebhookView, WooCommerceWebhookView

router = SimpleRouter()
router.register("channels", ChannelViewSet, basename="channel")
router.register("orders", OrderViewSet, basename="order")
router.register("pick-tasks", PickTaskViewSet, basename="pick-task")

urlpatterns = [
    # The shops' order webhooks, signed by the shop (channels.api.webhooks).
    path(
        "channels/<str:code>/webhooks/shopify/",
        ShopifyWebhookView.as_view(),
        name="channel-webhook-shopify",
    ),
    path(
        "channels/<str:code>/webhooks/woocommerce/",
        WooCommerceWebhookView.as_view(),
        name="channel-webhook-woocommerce",
    ),
    *router.urls,
]
