"""Inbound order webhooks from the shops (API.md, "Inbound storefront webhooks").

Per shop, one module reads its deliveries (`shopify`, `woocommerce`: topics, headers, the order
payload → `lines.ShopOrder`); `signature` checks the HMAC both sign with; `delivery` answers one
request (verify first, then parse, then the service); `intake` is the service (the normal order
intake, idempotent on the shop's order id); `retry` is the schedule that takes kept orders once
they can be; `selectors` reads what the channel page shows.
"""

from types import ModuleType

from channels.webhooks import shopify, woocommerce

# connector name -> the module that reads its deliveries
SHOPS: dict[str, ModuleType] = {shopify.NAME: shopify, woocommerce.NAME: woocommerce}

__all__ = ["SHOPS"]
