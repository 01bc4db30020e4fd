"""The staff page that reveals who sent a tip (supervisors, with a reason and a fresh code).

The route is on the workspace's shared ``staff_pages`` blueprint (:mod:`intake.staff.blueprints`),
beside the tip page whose form posts to it.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from intake.errors import IntakeError
from intake.extensions import db, get_keyring, get_settings
from intake.identity.reveal import reveal_identity
from intake.staff.access import current_user, login_client, requires_scope
from intake.staff.blueprints import pages_bp as bp
from intake.staff.rendering import back_to_tip, flash_error, staff_page


class RevealForm(FlaskForm):
    """Why the identity must be revealed, and a fresh second factor."""

    reason = TextAreaField("Reason (recorded in the audit log)", validators=[Length(max=500)])
    totp = StringField(
        "Code from your authenticator app (a new one, not the login's)",
        validators=[Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


@bp.post("/tips/<tip_number>/reveal")
@requires_scope("reveal")
def reveal(tip_number: str) -> Response:
    """Supervisors: show the tipster's contact, with a reason (audited)."""
    form = RevealForm()
    if not form.validate_on_submit():
        return back_to_tip(tip_number)
    try:
        revealed = reveal_identity(
            db.session(),
            get_keyring(),
            current_user(),
            tip_number,
            form.reason.data or "",
            form.totp.data or "",
            limit=get_settings().reveal_limit,
            client=login_client(),
        )
    except IntakeError as error:
        # A refusal (a wrong code, the hourly limit) is recorded and kept: the redirect commits
        # it. Any other refusal comes from the checks made before anything is written.
        flash_error(error)
        return back_to_tip(tip_number)
    return staff_page("staff/revealed.html", revealed=revealed)
