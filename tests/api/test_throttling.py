"""Sign-in lockout (django-axes) on the token endpoint and the sign-in screen, and the API rate
limits per person and per channel key: 429 with Retry-After, in the contract's shape on the API."""

import copy

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from channels.services import channel_create, channel_key_create
from tests import factories

TOKEN_URL = "/api/v1/auth/token/"
LOGIN_URL = "/accounts/login/"
PASSWORD = "pass-1234!"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()  # throttle counters of other tests never count here
    yield
    cache.clear()


def _rates(**rates) -> dict:
    framework = copy.deepcopy(settings.REST_FRAMEWORK)
    framework["DEFAULT_THROTTLE_RATES"].update(rates)
    return framework


def _assert_throttled(response) -> None:
    assert response.status_code == 429, response.content
    assert int(response["Retry-After"]) >= 1
    body = response.json()
    assert body["code"] == "throttled"
    assert isinstance(body["detail"], str)
    assert body["detail"]


# -- lockout -------------------------------------------------------------------------------------


@pytest.fixture
def person(db):
    return factories.user("picker", role="associate", password=PASSWORD)


def _token(client, password):
    return client.post(TOKEN_URL, {"username": "picker", "password": password}, format="json")


@override_settings(AXES_FAILURE_LIMIT=3)
def test_token_lockout_after_failures_then_even_the_right_password_waits(person):
    client = APIClient()
    for _ in range(2):
        assert _token(client, "wrong").status_code == 400
    locked = _token(client, "wrong")
    _assert_throttled(locked)
    assert "Too many failed sign-ins" in locked.json()["detail"]
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    _assert_throttled(_token(client, PASSWORD))
    assert not Token.objects.filter(user=person).exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_token_success_resets_the_failures(person):
    client = APIClient()
    for _ in range(2):
        assert _token(client, "wrong").status_code == 400
    assert _token(client, PASSWORD).status_code == 200
    for _ in range(2):
        assert _token(client, "wrong").status_code == 400
    assert _token(client, PASSWORD).status_code == 200


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_is_per_username_and_address(person):
    factories.user("packer", role="associate", password=PASSWORD)
    client = APIClient()
    for _ in range(3):
        _token(client, "wrong")
    assert _token(client, PASSWORD).status_code == 429
    other_user = client.post(TOKEN_URL, {"username": "packer", "password": PASSWORD}, format="json")
    assert other_user.status_code == 200
    elsewhere = APIClient(REMOTE_ADDR="203.0.113.9")
    assert _token(elsewhere, PASSWORD).status_code == 200


def _sign_in(client, password):
    return client.post(LOGIN_URL, {"username": "picker", "password": password})


@override_settings(AXES_FAILURE_LIMIT=3)
def test_screen_lockout_says_so_in_words(person):
    client = Client()
    for _ in range(2):
        assert _sign_in(client, "wrong").status_code == 200  # the form again, with its error
    locked = _sign_in(client, "wrong")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) >= 1
    page = locked.content.decode()
    assert "Too many failed sign-ins" in page
    assert 'name="username"' in page  # still the sign-in screen, not a bare message
    right = _sign_in(client, PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


@override_settings(AXES_FAILURE_LIMIT=3)
def test_screen_success_resets_the_failures(person):
    client = Client()
    for _ in range(2):
        _sign_in(client, "wrong")
    assert _sign_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(2):
        assert _sign_in(client, "wrong").status_code == 200
    assert _sign_in(client, PASSWORD).status_code == 302


def test_sign_in_rate_per_address(person):
    client = APIClient()
    with override_settings(REST_FRAMEWORK=_rates(sign_in="2/min")):
        assert _token(client, PASSWORD).status_code == 200
        assert _token(client, PASSWORD).status_code == 200
        _assert_throttled(_token(client, PASSWORD))


# -- API rate limits -----------------------------------------------------------------------------


def _token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_rate_limit_per_token_user(db):
    first = _token_client(factories.user("one", role="admin"))
    second = _token_client(factories.user("two", role="admin"))
    with override_settings(REST_FRAMEWORK=_rates(user="3/min")):
        for _ in range(3):
            assert first.get("/api/v1/warehouses/").status_code == 200
        throttled = first.get("/api/v1/warehouses/")
        _assert_throttled(throttled)
        assert int(throttled["Retry-After"]) <= 60
        assert second.get("/api/v1/warehouses/").status_code == 200


def test_rate_limit_per_channel_key(db):
    warehouse = factories.warehouse()
    channel = channel_create(code="SHOP", name="Shop", warehouses=[warehouse])
    clients = []
    for _ in range(2):
        _, raw = channel_key_create(channel=channel)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
        clients.append(client)
    url = "/api/v1/channels/SHOP/availability/"
    with override_settings(REST_FRAMEWORK=_rates(channel_key="2/min")):
        for _ in range(2):
            assert clients[0].get(url).status_code == 200
        _assert_throttled(clients[0].get(url))
        assert clients[1].get(url).status_code == 200  # each key has its own allowance


def test_production_rates_are_generous():
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    for scope in ("user", "channel_key"):
        number, period = rates[scope].split("/")
        assert period.startswith("m")
        assert int(number) >= 1000
