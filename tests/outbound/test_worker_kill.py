"""Two real `flask intake worker` processes, one killed with SIGKILL mid-drain: every queued reply
reaches the provider's stand-in exactly once within 30 s of the kill (bench/outbox_kill.py).

The stand-in holds one of the doomed worker's requests unanswered, so the kill lands while that
worker has a row leased and a send in flight, every run. Runs on SQLite and on PostgreSQL
(DATABASE_URL); about 20 s, most of it the dead worker's lease running out.
"""

from __future__ import annotations

from bench.outbox_kill import run


def test_a_worker_killed_mid_drain_leaves_every_reply_sent_once_within_30_s(app, tmp_path):
    outcome = run(app, tmp_path, replies=40, deadline=30.0)
    assert outcome.by_worker.get("a", 0) >= 1  # the killed worker was draining when it died
    assert outcome.duplicates == {}
    assert outcome.accepted == 40  # within 30 s of the kill
    assert outcome.statuses == {"sent": 40}
