"""Builders for the channel and order tests: a channel through the service, an order placed
through the service."""

from channels.services import OrderLineRequest, channel_create, order_create


def place(channel, external_id, *lines, expires_at=None, actor=None):
    """Place an order through the service: lines are (sku, quantity) pairs."""
    order, _ = order_create(
        channel=channel,
        external_id=external_id,
        lines=[OrderLineRequest(sku, quantity) for sku, quantity in lines],
        expires_at=expires_at,
        actor=actor,
    )
    return order


def make_channel(code, *warehouses, **extra):
    return channel_create(code=code, name=f"Channel {code}", warehouses=list(warehouses), **extra)
