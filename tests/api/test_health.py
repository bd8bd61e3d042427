"""GET /healthz (API.md "Health")."""

from django.test import Client


def test_healthz_ok_with_database_and_orm_queue(db, settings):
    assert settings.Q_CLUSTER.get("orm") == "default"
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["queue"] == "ok"
    assert body["broker"] == "orm"


def test_healthz_needs_no_login_and_only_answers_get(db):
    assert Client().get("/healthz").status_code == 200
    assert Client().post("/healthz").status_code == 405
