"""Connector registry: `connector_for(channel)` picks the class by `channel.connector`."""

from __future__ import annotations

import importlib

from channels.connectors.base import Connector, DeliveryError, PushItem, RemoteOrder

# name -> "module:Class"; imported lazily so one connector's import error can't break the others.
REGISTRY: dict[str, str] = {
    "webhook": "channels.connectors.webhook:WebhookConnector",
    "shopify": "channels.connectors.shopify:ShopifyConnector",
    "woocommerce": "channels.connectors.woocommerce:WooCommerceConnector",
    "vendure": "channels.connectors.vendure:VendureConnector",
}


def connector_for(channel) -> Connector:
    """The connector for `channel` (a SalesChannel); DeliveryError(permanent) if unknown."""
    target = REGISTRY.get(channel.connector)
    if target is None:
        raise DeliveryError(f"No connector for '{channel.connector}'.", permanent=True)
    module_name, class_name = target.split(":")
    try:
        cls = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise DeliveryError(
            f"Connector '{channel.connector}' is not available: {exc}", permanent=True
        ) from exc
    return cls(channel)


__all__ = ["REGISTRY", "Connector", "DeliveryError", "PushItem", "RemoteOrder", "connector_for"]
