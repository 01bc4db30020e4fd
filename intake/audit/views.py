"""Staff API: the audit log (GET /api/v1/staff/audit, supervisors).

Bearer tokens only; the blueprint is registered with its access rule by
:func:`intake.staff.pages.register_staff`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from intake.api import Blueprint
from intake.audit import listing
from intake.audit.schemas import AuditPageSchema, AuditQuerySchema
from intake.extensions import db
from intake.staff.access import current_user

bp = Blueprint(
    "staff_audit_api", __name__, url_prefix="/api/v1/staff", description="The audit log."
)


@bp.route("/audit", methods=["GET"])
@bp.arguments(AuditQuerySchema, location="query")
@bp.response(200, AuditPageSchema)
def list_audit(args: dict[str, Any]) -> Any:
    """Supervisors: the audit log, newest first (``tip`` filters by tip number, ``view=reveals``
    keeps identity reveals)."""
    page = listing.list_audit(
        db.session(),
        current_user(),
        tip_number=args.get("tip"),
        before=args.get("before"),
        limit=args["limit"],
        view=args["view"],
    )
    items = []
    for entry in page.items:
        item = asdict(entry)
        item["tip_number"] = page.tip_numbers.get(entry.seq)
        items.append(item)
    return {"items": items, "next_before": page.next_before}
