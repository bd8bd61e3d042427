"""/users/ and /audit-log/: admins manage people, roles and warehouses; every change outside the
stock ledger is in the audit log with who and what, secrets masked, written with the change."""

import pytest
from django.contrib.auth import get_user_model
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import AuditEntry
from tests import factories
from tests.replenishment.helpers import rule

USERS = "/api/v1/users/"
AUDIT = "/api/v1/audit-log/"


@pytest.fixture
def two_warehouses(db):
    return factories.warehouse("WH1"), factories.warehouse("WH2")


def test_an_admin_adds_a_user_who_can_then_sign_in(api, two_warehouses):
    created = api.post(
        USERS,
        {
            "username": "ana",
            "password": "long-enough-pass-42",
            "email": "ana@example.com",
            "roles": ["associate"],
            "warehouses": ["WH2"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json() == {
        "username": "ana",
        "email": "ana@example.com",
        "roles": ["associate"],
        "warehouses": ["WH2"],
        "active": True,
        "last_login": None,
    }
    assert "password" not in created.json()
    token = APIClient().post(
        "/api/v1/auth/token/",
        {"username": "ana", "password": "long-enough-pass-42"},
        format="json",
    )
    assert token.status_code == 200
    entry = AuditEntry.objects.get(object_type="user")
    assert (entry.actor_name, entry.action, entry.object_repr) == ("manager", "create", "ana")
    assert entry.changes["roles"] == [None, ["associate"]]
    assert entry.changes["password"] == ["", "••••"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "bo", "password": "long-enough-pass-42", "roles": ["boss"]}, "roles"),
        ({"username": "bo", "password": "123"}, "password"),
        (
            {"username": "bo", "password": "long-enough-pass-42", "warehouses": ["NOPE"]},
            "warehouses",
        ),
        ({"username": "manager", "password": "long-enough-pass-42"}, "username"),
        ({"username": "", "password": "long-enough-pass-42"}, "username"),
        ({"password": "long-enough-pass-42"}, "username"),
    ],
)
def test_bad_users_are_refused_naming_the_field(api, two_warehouses, body, field):
    response = api.post(USERS, body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not AuditEntry.objects.exists()
    assert not get_user_model().objects.filter(username="bo").exists()


def test_changing_roles_and_warehouses_is_audited_with_before_and_after(api, two_warehouses):
    person = factories.user("cy", role="associate")
    two_warehouses[0].staff.add(person)
    response = api.patch(
        f"{USERS}cy/",
        {"roles": ["manager", "viewer"], "warehouses": ["WH1", "WH2"], "password": "new-pass-99-x"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["roles"] == ["manager", "viewer"]
    assert response.json()["warehouses"] == ["WH1", "WH2"]
    log = api.get(AUDIT, {"object_type": "user"}).json()["results"]
    assert len(log) == 1
    assert log[0]["actor"] == "manager"
    assert log[0]["object"] == "cy"
    assert log[0]["changes"]["roles"] == [["associate"], ["manager", "viewer"]]
    assert log[0]["changes"]["warehouses"] == [["WH1"], ["WH1", "WH2"]]
    assert log[0]["changes"]["password"] == ["", "••••"]
    assert "new-pass-99-x" not in str(log)
    # an update that changes nothing writes nothing
    same = api.patch(f"{USERS}cy/", {"roles": ["viewer", "manager"]}, format="json")
    assert same.status_code == 200
    assert AuditEntry.objects.count() == 1


def test_reorder_rule_changes_name_who_and_what(api, warehouse, sku):
    made = rule(sku, warehouse, point=5)
    changed = api.patch(f"/api/v1/reorder-rules/{made.pk}/", {"reorder_point": 9}, format="json")
    assert changed.status_code == 200
    refused = api.patch(f"/api/v1/reorder-rules/{made.pk}/", {"reorder_point": -1}, format="json")
    assert refused.status_code == 400
    assert api.delete(f"/api/v1/reorder-rules/{made.pk}/").status_code == 204
    log = api.get(AUDIT, {"object_type": "reorder_rule"}).json()["results"]
    assert [(e["action"], e["actor"]) for e in log] == [
        ("delete", "manager"),
        ("update", "manager"),
        ("create", ""),
    ]
    assert log[1]["changes"] == {"reorder_point": [5, 9]}  # the refused change left nothing


def test_only_admins_see_users_and_the_log(db):
    for role in ("manager", "purchasing", "associate", "viewer"):
        client = APIClient()
        client.force_authenticate(factories.user(f"u-{role}", role=role))
        assert client.get(USERS).status_code == 403
        assert client.get(AUDIT).status_code == 403
        assert client.post(USERS, {"username": "x", "password": "y"}).status_code == 403


def test_channel_configuration_is_audited_with_credentials_masked(api, two_warehouses, sku):
    created = api.post(
        "/api/v1/channels/",
        {
            "code": "shop",
            "name": "Shop",
            "connector": "webhook",
            "endpoint_url": "http://127.0.0.1:9/hook",
            "secret": "s3cret-value",
            "warehouses": ["WH1"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    changed = api.patch(
        "/api/v1/channels/shop/",
        {"buffer": 3, "warehouses": ["WH2", "WH1"], "settings": {"access_token": "tok-123"}},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    listed = api.post(
        "/api/v1/channels/shop/listings/", {"sku": sku.code, "external_id": "x-1"}, format="json"
    )
    assert listed.status_code == 201, listed.json()
    key = api.post("/api/v1/channels/shop/keys/", {"name": "bot"}, format="json").json()
    assert api.post(f"/api/v1/channels/shop/keys/{key['id']}/revoke/").status_code == 200
    log = api.get(AUDIT, {"object_type": "channel"}).json()["results"]
    assert [e["action"] for e in log] == [
        "key_revoke",
        "key_create",
        "listing_create",
        "update",
        "create",
    ]
    assert {e["actor"] for e in log} == {"manager"}
    assert log[4]["changes"]["secret"] == ["", "••••"]
    assert log[3]["changes"] == {
        "buffer": [0, 3],
        "warehouses": ["WH1", "WH2,WH1"],
        "settings.access_token": ["", "••••"],
    }
    assert log[2]["changes"] == {"sku": [None, sku.code], "external_id": [None, "x-1"]}
    assert "s3cret-value" not in str(log)
    assert "tok-123" not in str(log)
    assert key["key"] not in str(log)


def test_the_user_document_admits_no_email_and_no_sign_in_yet(api):
    """A user without an e-mail who never signed in is answered as the schema documents it
    (the coverage fuzz found "" against format email and null against a non-nullable string)."""
    factories.user("dee")
    body = api.get(f"{USERS}dee/").json()
    assert (body["email"], body["last_login"]) == ("", None)
    user = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]["User"]
    assert user["properties"]["last_login"]["nullable"] is True
    assert {"type": "string", "maxLength": 0} in user["properties"]["email"]["oneOf"]


def test_a_setting_turning_from_an_object_into_a_value_and_back_is_audited(api, two_warehouses):
    """Was a 500 (the audit diff read a list as a dict), found by the coverage fuzz:
    PATCH /channels/{code}/ {"settings": {"x": [null, null]}} after {"x": {...}}."""
    made = api.post(
        "/api/v1/channels/", {"code": "shop", "name": "Shop", "warehouses": ["WH1"]}, format="json"
    )
    assert made.status_code == 201, made.json()
    for settings in (
        {"extra": {"store": "main", "access_token": "tok-1"}},
        {"extra": [None, None]},
        {"extra": {"access_token": "tok-2"}},
    ):
        changed = api.patch("/api/v1/channels/shop/", {"settings": settings}, format="json")
        assert changed.status_code == 200, changed.json()
    log = api.get(AUDIT, {"object_type": "channel", "action": "update"}).json()["results"]
    assert [entry["changes"] for entry in log] == [
        {"settings.extra": [[None, None], None], "settings.extra.access_token": ["", "••••"]},
        {
            "settings.extra": [None, [None, None]],
            "settings.extra.access_token": ["••••", ""],
            "settings.extra.store": ["main", None],
        },
        {"settings.extra.access_token": ["", "••••"], "settings.extra.store": [None, "main"]},
    ]
    assert "tok-" not in str(log)
