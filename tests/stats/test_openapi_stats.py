"""The statistics API is in the OpenAPI document, with its JSON and CSV answers."""

from __future__ import annotations


def test_the_stats_operation_documents_json_and_csv(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/stats"]["get"]
    content = operation["responses"]["200"]["content"]
    assert set(content) == {"application/json", "text/csv"}
    assert (
        content["application/json"]["schema"]["$ref"].split("/")[-1]
        in spec["components"]["schemas"]
    )
    names = {p["name"] for p in operation["parameters"]}
    assert {"group", "period", "from", "to", "format", "table"} <= names
