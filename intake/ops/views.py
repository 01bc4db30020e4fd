"""Health check for load balancers and the operator on call."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import text

from intake.blueprints import Blueprint
from intake.extensions import db
from intake.oncall.service import alert_health

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def health() -> Response | tuple[Response, int]:
    """200 when the database answers, 503 otherwise; with counts of stuck alert notices.

    ``alerts.unsent``: urgent-tip and supervisor notices queued over a minute ago and not yet
    sent; ``alerts.dead``: those that failed for good in the last 24 hours. Counts only, never a
    tip; they do not change the status (a load balancer must not drop the server for them).
    """
    try:
        db.session.execute(text("SELECT 1"))
        alerts = alert_health(db.session())
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok", "alerts": alerts})
