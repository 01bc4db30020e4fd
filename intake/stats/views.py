"""Public statistics API: GET /api/v1/stats as JSON or CSV, for journalists and civic groups."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Response

from intake.api import Blueprint
from intake.extensions import db, get_settings, limiter
from intake.stats import service
from intake.stats.schemas import StatsQuerySchema, StatsSchema

bp = Blueprint(
    "stats_api",
    __name__,
    url_prefix="/api/v1/stats",
    description="Published statistics: tips by district, category and period, and outcomes.",
)

STATS_LIMIT = "60 per hour"
CSV_COLUMNS = ("period", "district", "category", "outcome", "count", "suppressed")


def _csv(rows: list[dict[str, object]]) -> Response:
    columns = [c for c in CSV_COLUMNS if any(c in row for row in rows)] or ["period", "count"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="intake-stats.csv"'
    return response


@bp.route("", methods=["GET"])
@limiter.limit(STATS_LIMIT)
@bp.arguments(StatsQuerySchema, location="query")
@bp.response(200, StatsSchema)
@bp.doc(
    responses={
        "200": {
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Stats"}},
                "text/csv": {"schema": {"type": "string"}},
            },
            "description": "The rows as JSON, or as CSV with `format=csv`",
        }
    }
)
def get_stats(args: dict[str, Any]) -> Any:
    """Tips received (or their outcomes), small counts suppressed; `format=csv` for CSV."""
    settings = get_settings()
    query = service.StatsQuery(
        group=tuple(p for p in args["group"].split(",") if p),
        period=args["period"],
        table=args["table"],
        month_from=args.get("month_from"),
        month_to=args.get("month_to"),
    )
    rows = service.query_rows(
        db.session(), query, minimum=settings.stats_min_count, timezone=settings.timezone
    )
    if args["format"] == "csv":
        return _csv(rows)
    return {
        "min_count": settings.stats_min_count,
        "as_of": service.current_month(settings.timezone),
        "rows": rows,
    }
