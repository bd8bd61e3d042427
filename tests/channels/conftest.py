"""Fixtures for channels and orders: a channel selling from the `warehouse` fixture, an
associate working there, and helpers that place orders through the service."""

import pytest
from rest_framework.test import APIClient

from channels.services import OrderLineRequest, channel_create, channel_key_create, order_create
from tests import factories


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


@pytest.fixture
def shop(warehouse, places):
    return make_channel("SHOP", warehouse)


@pytest.fixture
def associate(warehouse):
    person = factories.user("picker", role="associate")
    warehouse.staff.add(person)
    return person


@pytest.fixture
def key_client():
    """Returns a function: channel → APIClient authenticated with a fresh key of that channel."""

    def make(channel):
        _, raw = channel_key_create(channel=channel)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        return client

    return make
