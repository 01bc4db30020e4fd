"""Staff API: a supervisor reveals who sent a tip (POST /api/v1/staff/tips/<number>/reveal).

Bearer tokens with the ``reveal`` scope only; the blueprint is registered with its access rule by
:func:`intake.staff.pages.register_staff`.
"""

from __future__ import annotations

from typing import Any

from intake.api import Blueprint
from intake.extensions import db, get_keyring, get_settings
from intake.identity.reveal import RevealRefused, reveal_identity
from intake.identity.schemas import RevealedSchema, RevealRequestSchema
from intake.staff.access import current_user, login_client, requires_scope
from intake.unit_of_work import keep_on_error

bp = Blueprint(
    "staff_reveal_api",
    __name__,
    url_prefix="/api/v1/staff",
    description=(
        "Supervisors (oversight, for the oversight queue): reveal a tipster's contact, with a"
        " reason and a fresh TOTP code; limited per hour, audited, announced to the others."
    ),
)


@bp.route("/tips/<tip_number>/reveal", methods=["POST"])
@bp.arguments(RevealRequestSchema)
@bp.response(200, RevealedSchema)
@requires_scope("reveal")
def reveal(data: dict[str, Any], tip_number: str) -> Any:
    """Supervisors: the tipster's contact, with a reason and a fresh TOTP code (audited, rate-
    limited, the other supervisors notified; the identity is never logged)."""
    try:
        revealed = reveal_identity(
            db.session(),
            get_keyring(),
            current_user(),
            tip_number,
            data["reason"],
            data["totp"],
            limit=get_settings().reveal_limit,
            client=login_client(),
        )
    except RevealRefused:
        keep_on_error()  # the refusal and the failed code are kept
        raise
    response = {
        "tip_number": revealed.tip_number,
        "channel": revealed.channel,
        "identity": revealed.identity,
        "source_url": revealed.source_url,
    }
    return response
