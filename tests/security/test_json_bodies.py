"""JSON a parser accepts but the application cannot hold: refused as invalid input, never a 500.

Each body is small (well under ``MAX_JSON_BYTES``): nesting deeper than the interpreter's
recursion limit, an integer longer than Python converts (4300 digits), and a lone UTF-16
surrogate escape, which ``json`` decodes into a string no encoder (nor the sealing) accepts.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from intake.models import Tip

DEEP = '{"narrative": "x", "location": ' + '{"text": ' * 1200 + '"a"' + "}" * 1200 + "}"
LONG_INTEGER = '{"narrative": "x", "location": {"lat": 1' + "0" * 5000 + "}}"
LONE_SURROGATE = '{"narrative": "Seen at the park \\ud800 last night"}'
SURROGATE_KEY = '{"narrative": "Seen at the park last night", "\\udfff": 1}'
BODIES = {
    "deep": DEEP,
    "long_integer": LONG_INTEGER,
    "lone_surrogate": LONE_SURROGATE,
    "surrogate_key": SURROGATE_KEY,
}


@pytest.mark.parametrize("name", sorted(BODIES))
def test_the_public_api_refuses_json_it_cannot_hold(client, session, name):
    response = client.post("/api/v1/tips", data=BODIES[name], content_type="application/json")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_input" and error["status"] == 400
    assert "park" not in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Tip)) == 0


@pytest.mark.parametrize("name", ["deep", "lone_surrogate"])
def test_the_receipt_check_refuses_them_too(client, name):
    body = BODIES[name].replace('"narrative"', '"receipt"')
    response = client.post(
        "/api/v1/tips/K7QM-4821/status", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_input"
