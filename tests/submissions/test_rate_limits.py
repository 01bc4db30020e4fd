"""Rate limits: shared across workers through Redis, keyed without storing any address."""

from __future__ import annotations

import re
import socket

import redis

NARRATIVE = "Someone is dealing out of the corner store on Main Street every night"
CLIENT = "198.51.100.23"
REDIS_URL = "redis://127.0.0.1:6379/15"


def test_limits_live_in_redis_and_keys_hold_no_address(make_app) -> None:
    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    app = make_app(ratelimit_storage_uri=REDIS_URL)
    client = app.test_client()
    statuses = [
        client.post(
            "/api/v1/tips/ZZZZ-9999/status",
            json={"receipt": f"AAAA-BBBB-CCCC-{i:04d}"},
            environ_base={"REMOTE_ADDR": CLIENT},
        ).status_code
        for i in range(11)
    ]
    assert statuses[-1] == 429
    keys = [key.decode() for key in store.keys("*")]
    assert keys, "the limiter wrote nothing to Redis"
    assert not [key for key in keys if CLIENT in key or "198.51" in key]
    # A second app (another worker) shares the counters.
    other = make_app(ratelimit_storage_uri=REDIS_URL).test_client()
    again = other.post(
        "/api/v1/tips/ZZZZ-9999/status",
        json={"receipt": "AAAA-BBBB-CCCC-DDDD"},
        environ_base={"REMOTE_ADDR": CLIENT},
    )
    assert again.status_code == 429
    store.flushdb()


def test_submissions_are_limited_per_client(client) -> None:
    codes = [
        client.post(
            "/api/v1/tips", json={"narrative": NARRATIVE}, environ_base={"REMOTE_ADDR": CLIENT}
        ).status_code
        for _ in range(21)
    ]
    assert codes[:20] == [201] * 20
    assert codes[20] == 429
    other = client.post(
        "/api/v1/tips", json={"narrative": NARRATIVE}, environ_base={"REMOTE_ADDR": "198.51.100.99"}
    )
    assert other.status_code == 201


def test_forwarded_address_counts_only_behind_a_trusted_proxy(make_app) -> None:
    def spread(app) -> list[int]:
        client = app.test_client()
        return [
            client.post(
                "/api/v1/tips",
                json={"narrative": NARRATIVE},
                environ_base={"REMOTE_ADDR": "10.0.0.2"},
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
            ).status_code
            for i in range(21)
        ]

    # Without a trusted proxy the header is ignored: all 21 come from one address.
    assert spread(make_app())[-1] == 429
    # Behind one trusted proxy, each resident is counted on their own.
    assert spread(make_app(trusted_proxy_count=1)) == [201] * 21


def _check(client, number: str, receipt: str, address: str):
    return client.post(
        f"/api/v1/tips/{number}/status",
        json={"receipt": receipt},
        environ_base={"REMOTE_ADDR": address},
    )


def _new_tip(client) -> tuple[str, str]:
    body = client.post(
        "/api/v1/tips", json={"narrative": NARRATIVE}, environ_base={"REMOTE_ADDR": "192.0.2.1"}
    ).get_json()
    return body["tip_number"], body["receipt"]


def _wrong(i: int) -> str:
    return f"AAAA-BBBB-CCCC-{i:04d}"


def test_strangers_guessing_never_lock_the_tipster_out(client) -> None:
    number, receipt = _new_tip(client)
    # Many addresses, each guessing a little, and one guessing until it is stopped.
    for i in range(30):
        assert _check(client, number, _wrong(i), f"203.0.113.{i}").status_code == 404
    codes = [_check(client, number, _wrong(i), CLIENT).status_code for i in range(12)]
    assert codes[:10] == [404] * 10 and codes[10:] == [429, 429]

    # The tipster, from an address that has not been guessing, gets in at once.
    assert _check(client, number, receipt, "198.51.100.200").status_code == 200
    # The guesser is stopped for this tip even with the right receipt.
    assert _check(client, number, receipt, CLIENT).status_code == 429


def test_guesses_are_limited_per_client_across_tip_numbers(client) -> None:
    number, receipt = _new_tip(client)
    codes = [
        _check(client, f"ZZZ{i % 10}-{1000 + i}", _wrong(i), CLIENT).status_code for i in range(21)
    ]
    assert codes[:20] == [404] * 20 and codes[20] == 429
    assert _check(client, number, receipt, CLIENT).status_code == 429
    assert _check(client, number, receipt, "198.51.100.201").status_code == 200


def test_receipt_checks_carry_no_rate_limit_headers(client) -> None:
    number, receipt = _new_tip(client)
    page = client.get("/check").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    responses = [
        _check(client, number, receipt, CLIENT),
        _check(client, number, _wrong(1), CLIENT),
        client.post(
            f"/api/v1/tips/{number}/followups",
            json={"receipt": _wrong(2), "body": "more"},
            environ_base={"REMOTE_ADDR": CLIENT},
        ),
        client.post(
            "/check",
            data={"csrf_token": token, "tip_number": number, "receipt": _wrong(3)},
            environ_base={"REMOTE_ADDR": CLIENT},
        ),
        client.post(
            "/check",
            data={"csrf_token": token, "tip_number": number, "receipt": receipt},
            environ_base={"REMOTE_ADDR": CLIENT},
        ),
    ]
    assert [r.status_code for r in responses] == [200, 404, 404, 404, 200]
    for response in responses:
        assert not [n for n, _ in response.headers if n.lower().startswith("x-ratelimit")]
        assert "Retry-After" not in response.headers


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens once the socket is closed


def test_receipt_checks_fail_closed_when_the_limit_store_is_down(make_app, caplog) -> None:
    app = make_app(ratelimit_storage_uri=f"redis://127.0.0.1:{_closed_port()}/0")
    client = app.test_client()
    # Submitting a tip fails open: a tip must never be lost to a counter outage.
    created = client.post("/api/v1/tips", json={"narrative": NARRATIVE})
    assert created.status_code == 201
    number, receipt = created.get_json()["tip_number"], created.get_json()["receipt"]

    for body in ({"receipt": receipt}, {"receipt": _wrong(1)}):
        response = client.post(f"/api/v1/tips/{number}/status", json=body)
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "unavailable"
        assert receipt not in response.get_data(as_text=True)
    followup = client.post(
        f"/api/v1/tips/{number}/followups", json={"receipt": receipt, "body": "more"}
    )
    assert followup.status_code == 503

    page = client.get("/check").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    html = client.post(
        "/check", data={"csrf_token": token, "tip_number": number, "receipt": receipt}
    )
    assert html.status_code == 503
    assert html.mimetype == "text/html" and "<html" in html.get_data(as_text=True)
    assert "rate-limit store unavailable (ConnectionError)" in caplog.text
