"""Fixtures for channels and orders: a channel selling from the `warehouse` fixture, an
associate working there, a client per channel key (builders are in tests/channels/helpers.py)."""

import pytest
from rest_framework.test import APIClient

from channels.services import channel_key_create
from tests import factories
from tests.channels.helpers import make_channel


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
