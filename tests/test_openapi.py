"""The OpenAPI document tells the truth about errors: every operation publishes the one error shape,
and real error answers of the service fit it exactly."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def spec(client) -> dict[str, Any]:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        *_, kind, name = node["$ref"].split("/")
        node = spec["components"][kind][name]
    return node


def _error_schema(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    response = _resolve(spec, response)
    return _resolve(spec, response["content"]["application/json"]["schema"])


def _fits(spec: dict[str, Any], schema: dict[str, Any], value: Any) -> None:
    """Check a JSON value against the subset of OpenAPI schema our error shape uses."""
    schema = _resolve(spec, schema)
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(value, dict)
        properties = schema.get("properties", {})
        assert set(schema.get("required", [])) <= set(value), value
        if properties:
            assert set(value) <= set(properties), f"{set(value) - set(properties)} not published"
            for key, item in value.items():
                _fits(spec, properties[key], item)
    elif kind == "integer":
        assert isinstance(value, int)
    elif kind == "string":
        assert isinstance(value, str)


def test_every_operation_documents_the_projects_error_shape(spec) -> None:
    operations = [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) >= 10
    for path, method, operation in operations:
        default = operation["responses"].get("default")
        assert default, f"{method.upper()} {path} documents no error response"
        schema = _error_schema(spec, default)
        assert set(schema["properties"]) == {"error"}, f"{method.upper()} {path}"
        body = _resolve(spec, schema["properties"]["error"])
        assert set(body["properties"]) == {"status", "code", "message", "fields"}
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert _error_schema(spec, response) == schema, f"{method.upper()} {path} {status}"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("post", "/api/v1/tips", {"json": {"narrative": ""}}, 400),
        ("post", "/api/v1/tips", {"json": {"narrative": "x", "surprise": 1}}, 400),
        ("post", "/api/v1/tips", {"data": "narrative=x"}, 415),
        (
            "post",
            "/api/v1/tips/ABCD-2345/status",
            {"json": {"receipt": "AAAA-BBBB-CCCC-DDDD"}},
            404,
        ),
        ("get", "/api/v1/staff/queues", {}, 401),
        ("get", "/api/v1/nowhere", {}, 404),
    ],
)
def test_real_error_answers_fit_the_published_schema(
    client, spec, method, path, kwargs, status
) -> None:
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    default = spec["paths"]["/api/v1/tips"]["post"]["responses"]["default"]
    _fits(spec, _error_schema(spec, default), response.get_json())
    assert response.get_json()["error"]["status"] == status
