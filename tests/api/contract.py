"""Assertions on the contract's response shapes (API.md, "Conventions")."""


def assert_error(response, status: int, code: str | None = None, field: str | None = None):
    """A 4xx in the contract's shape: {"code", "detail", "errors"?}; `field` must be named."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert isinstance(body.get("code"), str), body
    assert body["code"]
    assert isinstance(body.get("detail"), str), body
    assert body["detail"]
    if code is not None:
        assert body["code"] == code, body
    if field is not None:
        assert field in body.get("errors", {}), body
        assert body["errors"][field], body
    return body


def assert_list(response, count: int | None = None) -> list:
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert set(body) >= {"results", "next"}, body
    if count is not None:
        assert len(body["results"]) == count, body["results"]
    return body["results"]
