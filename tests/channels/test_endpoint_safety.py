"""Channel endpoints can't be aimed inside the network (SSRF): refused when saved and again when
connecting, in production settings; redirects are never followed; a storefront's error body is
shown only as a short, escaped excerpt."""

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from channels.connectors import http
from channels.connectors.endpoints import endpoint_problem
from channels.services import channel_create, channel_update
from channels.sync.services import channel_test_connection
from tests import factories
from tests.channels.receivers import Receiver

PRODUCTION = override_settings(IMS_ALLOW_PRIVATE_ENDPOINTS=False, IMS_ENDPOINTS_HTTPS_ONLY=True)

REFUSED = [
    "https://127.0.0.1/hook",
    "https://127.8.9.10:8443/hook",
    "https://10.0.0.5/hook",
    "https://172.16.3.4/hook",
    "https://192.168.1.10/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
    "https://[::1]/hook",
    "https://[fe80::1]/hook",
    "https://[fc00::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://localhost/hook",  # a host name that resolves to loopback
    "https://shop.example.com/?",  # would turn an appended API path into a query string
    "https://shop.example.com/admin?x=1",
    "https://shop.example.com/#fragment",
    "http://93.184.215.14/hook",  # plain http in production
]


@PRODUCTION
@pytest.mark.parametrize("url", REFUSED)
def test_refused_when_saved(db, url):
    with pytest.raises(ValidationError) as caught:
        channel_create(code="SHOP", name="Shop", endpoint_url=url)
    assert "endpoint_url" in caught.value.message_dict


@PRODUCTION
def test_refused_when_changed_and_through_the_api(db, api):
    channel = channel_create(code="SHOP", name="Shop", endpoint_url="https://93.184.215.14/hook")
    with pytest.raises(ValidationError):
        channel_update(channel=channel, endpoint_url="https://10.1.2.3/hook")
    channel.refresh_from_db()
    assert channel.endpoint_url == "https://93.184.215.14/hook"
    response = api.patch(
        "/api/v1/channels/SHOP/", {"endpoint_url": "https://169.254.169.254/"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "endpoint_url" in body["errors"]


@PRODUCTION
@pytest.mark.parametrize(
    "url", ["", "https://93.184.215.14/hook", "https://[2606:4700::1111]/hook"]
)
def test_public_https_endpoints_are_fine(url):
    assert endpoint_problem(url) is None


def test_test_settings_allow_local_peers():
    assert endpoint_problem("http://127.0.0.1:8000/hook") is None


def test_loopback_refused_at_connection_time(db):
    """Saved while allowed (or a name that later resolves inside: DNS rebinding): the client
    checks the address it actually reaches, and sends nothing."""
    with Receiver() as receiver:
        port = receiver.url.rsplit(":", 1)[1]
        with override_settings(IMS_ALLOW_PRIVATE_ENDPOINTS=False):
            for url in (receiver.url + "/hook", f"http://localhost:{port}/hook"):
                with pytest.raises(http.HttpError) as caught:
                    http.call("POST", url, payload={})
                assert caught.value.permanent
                assert "loopback" in caught.value.detail
        assert receiver.requests == []


def test_plain_http_refused_at_connection_time(db):
    with Receiver() as receiver, override_settings(IMS_ENDPOINTS_HTTPS_ONLY=True):
        with pytest.raises(http.HttpError) as caught:
            http.call("POST", receiver.url + "/hook", payload={})
        assert "https" in caught.value.detail
        assert receiver.requests == []


def test_redirect_is_not_followed(db):
    warehouse = factories.warehouse()
    with Receiver() as receiver, Receiver() as inside:
        receiver.respond(302, "", headers={"Location": inside.url + "/internal"})
        channel = channel_create(
            code="SHOP", name="Shop", endpoint_url=receiver.url + "/hook", warehouses=[warehouse]
        )
        ok, detail = channel_test_connection(channel=channel)
        assert ok is False
        assert "redirected (HTTP 302)" in detail
        assert inside.url + "/internal" in detail
        assert len(receiver.requests) == 1
        assert inside.requests == []


def test_error_body_is_a_short_escaped_excerpt(db):
    body = "oops <script>alert(1)</script> \x07" + "A" * 5000
    with Receiver() as receiver:
        receiver.respond(500, body, headers={"Content-Type": "text/plain"})
        with pytest.raises(http.HttpError) as caught:
            http.call("POST", receiver.url + "/hook", payload={})
    detail = caught.value.detail
    assert "<script>" not in detail
    assert "&lt;script&gt;" in detail
    assert "\x07" not in detail
    assert "A" * 300 not in detail
    assert detail.endswith("…")
    assert len(detail) < 400


def test_json_error_message_is_cut_too(db):
    with Receiver() as receiver:
        receiver.respond(422, {"message": "bad " * 2000})
        with pytest.raises(http.HttpError) as caught:
            http.call("POST", receiver.url + "/hook", payload={})
    assert len(http.words(caught.value)) < 260
