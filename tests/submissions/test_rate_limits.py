"""Rate limits: shared across workers through Redis, keyed without storing any address."""

from __future__ import annotations

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
