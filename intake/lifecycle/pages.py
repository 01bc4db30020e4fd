"""Pages of the data lifecycle: a tipster forgets their contact details; supervisors hold and
export tips.

The tipster's pages work without JavaScript, are never cached, and ask before they act.
"""

from __future__ import annotations

import json

from flask import Response, flash, make_response, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from intake.blueprints import Blueprint
from intake.errors import IntakeError, NotFoundError
from intake.extensions import db, get_keyring
from intake.lifecycle import export, service
from intake.queues.service import supervises
from intake.staff.access import current_user
from intake.staff.forms import LogoutForm
from intake.submissions.pages import _not_found_page
from intake.submissions.views import find_tip_for_client
from intake.tips.service import find_tip
from intake.unit_of_work import attempt

public_bp = Blueprint("lifecycle_public", __name__)
staff_bp = Blueprint("lifecycle_staff", __name__, url_prefix="/staff")


class ForgetForm(FlaskForm):
    """Forget the contact details of the tip this receipt opens (``confirm`` once asked)."""

    tip_number = HiddenField(validators=[DataRequired(), Length(max=20)])
    receipt = HiddenField(validators=[DataRequired(), Length(max=40)])
    confirm = HiddenField(validators=[Optional(), Length(max=3)])
    lang = HiddenField()


def _no_store(html: str, status: int = 200) -> Response:
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


OUTCOMES = {
    service.FORGOTTEN_NOW: _l(
        "Your contact details are deleted for good. Nobody can reach you about this tip any more."
        " Your tip stays with the detectives."
    ),
    service.FORGET_LATER: _l(
        "A court or the law requires us to keep this tip for now. Your contact details will be"
        " deleted as soon as that ends. Nobody sees them in the meantime without a recorded"
        " reason."
    ),
    service.NOTHING_TO_FORGET: _l("We hold no contact details for this tip."),
}


@public_bp.post("/check/forget")
def forget() -> Response:
    """Ask, then forget the tipster's contact details (the tip itself stays)."""
    form = ForgetForm()
    if not form.validate_on_submit():
        return _not_found_page()
    try:
        tip = find_tip_for_client(form.tip_number.data or "", form.receipt.data or "")
    except NotFoundError:
        return _not_found_page()
    if form.confirm.data != "yes":
        return _no_store(render_template("lifecycle/forget_confirm.html", form=form))
    outcome = service.forget_contact(db.session(), tip, via="web")
    return _no_store(
        render_template("lifecycle/forgotten.html", form=form, message=OUTCOMES[outcome])
    )


# --- staff ---------------------------------------------------------------------------------------


class HoldForm(FlaskForm):
    """Put a tip on legal hold or release it, with a reason."""

    hold = HiddenField(validators=[DataRequired(), Length(max=5)])
    reason = TextAreaField(
        "Reason (recorded)",
        validators=[DataRequired(), Length(min=service.HOLD_REASON_MIN, max=300)],
    )


class ExportForm(FlaskForm):
    """Which copy, and why."""

    kind = RadioField(
        "Copy",
        choices=[
            SelectChoice(
                export.RECORDS, "Records request (identities and identifying details redacted)"
            ),
            SelectChoice(
                export.PROSECUTOR, "Prosecutor (the tip's content; needs a reason; audited)"
            ),
        ],
        default=export.RECORDS,
    )
    reason = TextAreaField("Reason (required for the prosecutor's copy)", validators=[Optional()])


def _back(tip_number: str) -> BaseResponse:
    return redirect(url_for("staff_pages.tip", tip_number=tip_number))


@staff_bp.post("/tips/<tip_number>/hold")
def hold(tip_number: str) -> BaseResponse:
    """Supervisors: put the tip on legal hold (never shredded) or release it."""
    form = HoldForm()
    if not form.validate_on_submit():
        flash(f"Say why ({service.HOLD_REASON_MIN} to 300 characters).", "error")
        return _back(tip_number)
    wanted = form.hold.data == "on"
    try:
        with attempt():
            service.set_legal_hold(
                db.session(), current_user(), tip_number, hold=wanted, reason=form.reason.data or ""
            )
    except IntakeError as error:
        flash(error.message, "error")
        return _back(tip_number)
    flash("Tip put on legal hold." if wanted else "Legal hold released.", "notice")
    return _back(tip_number)


def _staff_page(html: str, status: int = 200) -> Response:
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@staff_bp.route("/tips/<tip_number>/export", methods=["GET", "POST"])
def export_tip(tip_number: str) -> Response:
    """Supervisors: download a records-request copy or a prosecutor's copy (audited)."""
    user = current_user()
    if not supervises(user):
        raise NotFoundError("No such tip.")
    tip = find_tip(db.session(), user, tip_number)
    form = ExportForm()
    if form.validate_on_submit():
        try:
            with attempt():
                if form.kind.data == export.PROSECUTOR:
                    copy = export.prosecutor_copy(
                        db.session(),
                        get_keyring(),
                        tip.tip_number,
                        form.reason.data or "",
                        user=user,
                    )
                else:
                    copy = export.records_copy(
                        db.session(), get_keyring(), tip.tip_number, user=user
                    )
        except IntakeError as error:
            flash(error.message if not error.fields else "Say why (at least 10 characters).")
        else:
            # Audited: the copy's event commits before the file is sent.
            response = make_response(json.dumps(copy, indent=2, ensure_ascii=False))
            response.headers["Content-Type"] = "application/json; charset=utf-8"
            response.headers["Content-Disposition"] = (
                f'attachment; filename="tip-{tip.tip_number}-{copy["export"]}.json"'
            )
            response.headers["Cache-Control"] = "no-store"
            return response
    return _staff_page(
        render_template(
            "lifecycle/export.html",
            form=form,
            tip_number=tip.tip_number,
            user=user,
            logout_form=LogoutForm(),
        )
    )
