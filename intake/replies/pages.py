"""Staff pages for canned replies: supervisors add and retire them (English and Spanish)."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from intake.blueprints import Blueprint
from intake.errors import IntakeError
from intake.extensions import db
from intake.replies import service
from intake.replies.service import TITLE_MAX
from intake.staff.access import current_user
from intake.staff.forms import LogoutForm
from intake.tips.rules import REPLY_MAX
from intake.unit_of_work import attempt

bp = Blueprint("staff_canned_pages", __name__, url_prefix="/staff/canned")


class CannedForm(FlaskForm):
    """A new canned reply."""

    title = StringField("Title (staff see it)", validators=[DataRequired(), Length(max=TITLE_MAX)])
    language = SelectField(
        "Language", choices=[SelectChoice("en", "English"), SelectChoice("es", "Spanish")]
    )
    body = TextAreaField(
        "Text the tipster will read",
        id="canned-body",
        validators=[DataRequired(), Length(max=REPLY_MAX)],
    )


class RetireForm(FlaskForm):
    """Stop offering one canned reply."""

    canned_id = HiddenField()


def _page(form: CannedForm, status: int = 200) -> Response:
    response = make_response(
        render_template(
            "staff/canned.html",
            user=current_user(),
            logout_form=LogoutForm(),
            form=form,
            retire_form=RetireForm(),
            canned=service.list_canned(db.session()),
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def index() -> Response:
    """The canned replies and a form for a new one."""
    return _page(CannedForm())


@bp.post("/")
def add() -> Response:
    """Add a canned reply."""
    form = CannedForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        service.add_canned(
            db.session(),
            current_user(),
            form.title.data or "",
            form.language.data or "",
            form.body.data or "",
        )
    except IntakeError as error:
        flash(error.message, "error")
        return _page(form, 400)  # an answer of 400 or more rolls back
    flash("Canned reply added.", "notice")
    return redirect(url_for("staff_canned_pages.index"))


@bp.post("/retire")
def retire() -> Response:
    """Stop offering a canned reply."""
    form = RetireForm()
    if form.validate_on_submit() and (form.canned_id.data or "").isdigit():
        try:
            with attempt():
                service.retire_canned(db.session(), current_user(), int(form.canned_id.data or 0))
            flash("Canned reply retired.", "notice")
        except IntakeError as error:
            flash(error.message, "error")
    return redirect(url_for("staff_canned_pages.index"))
