"""What the channel page shows of a Shopify or WooCommerce channel's order webhooks: the address
to paste into the shop's admin, the topics to subscribe, the last deliveries and the orders kept
with their reason. Three queries whatever the numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

from channels.models import SalesChannel, WebhookDelivery, WebhookOrder, WebhookOrderState
from channels.webhooks import SHOPS

RECENT = 10
KEPT_SHOWN = 50


@dataclass
class WebhookPanel:
    shop: ModuleType  # channels.webhooks.shopify or .woocommerce
    address: str
    has_secret: bool
    recent: list[WebhookDelivery] = field(default_factory=list)
    kept: list[WebhookOrder] = field(default_factory=list)
    kept_count: int = 0

    @property
    def label(self) -> str:
        return self.shop.LABEL

    @property
    def topics(self) -> tuple[str, ...]:
        return self.shop.TOPICS

    @property
    def last(self) -> WebhookDelivery | None:
        return self.recent[0] if self.recent else None


def webhook_shop(channel: SalesChannel) -> ModuleType | None:
    """The shop whose webhooks the channel takes (by its connector), or None."""
    return SHOPS.get(channel.connector)


def webhook_panel(channel: SalesChannel, *, address: str) -> WebhookPanel | None:
    """None for a channel whose connector takes no webhooks. `address` is the absolute URL of
    the channel's webhook endpoint (the view knows the host)."""
    shop = webhook_shop(channel)
    if shop is None:
        return None
    kept = WebhookOrder.objects.filter(channel=channel, state=WebhookOrderState.KEPT)
    return WebhookPanel(
        shop=shop,
        address=address,
        has_secret=bool((channel.settings or {}).get("webhook_secret")),
        recent=list(WebhookDelivery.objects.filter(channel=channel)[:RECENT]),
        kept=list(kept.order_by("-received_at", "-id")[:KEPT_SHOWN]),
        kept_count=kept.count(),
    )
