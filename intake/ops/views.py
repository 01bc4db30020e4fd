"""Health check for load balancers and the operator on call."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from intake.extensions import db

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def health() -> Response | tuple[Response, int]:
    """200 when the database answers, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return jsonify({"status": "unavailable"}), 503
    return jsonify({"status": "ok"})
