"""Staff rewards page /staff/rewards/: propose, decide (a second supervisor), mark paid.

Forms post and redirect back (post/redirect/get); messages are our own words.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DecimalField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from intake.blueprints import Blueprint
from intake.errors import IntakeError
from intake.extensions import db, get_keyring
from intake.rewards import service
from intake.rewards.rules import AMOUNT_MAX_CENTS, REASON_MAX
from intake.staff.access import current_user
from intake.staff.forms import LogoutForm
from intake.staff.rendering import flash_error
from intake.unit_of_work import attempt

bp = Blueprint("staff_rewards_pages", __name__, url_prefix="/staff/rewards")


class ProposeForm(FlaskForm):
    """Propose a reward on a tip."""

    tip_number = StringField("Tip number", validators=[DataRequired(), Length(max=20)])
    amount = DecimalField(
        "Amount (dollars)",
        places=2,
        validators=[DataRequired(), NumberRange(min=0.01, max=AMOUNT_MAX_CENTS / 100)],
    )
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=REASON_MAX)])


class DecisionForm(FlaskForm):
    """Approve or decline."""

    approve = HiddenField(validators=[DataRequired()])


class PayForm(FlaskForm):
    """The claim code the collector shows."""

    claim_code = StringField("Claim code", validators=[DataRequired(), Length(max=40)])


@bp.get("/")
def rewards() -> Response:
    """Rewards on the tips you see, and the forms to propose, decide and pay."""
    user = current_user()
    items = service.list_rewards(db.session(), get_keyring(), user)
    response = make_response(
        render_template(
            "rewards/staff.html",
            user=user,
            logout_form=LogoutForm(),
            items=items,
            propose_form=ProposeForm(),
            decision_form=DecisionForm(),
            pay_form=PayForm(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _back() -> Response:
    return redirect(url_for("staff_rewards_pages.rewards"))


@bp.post("/")
def propose() -> Response:
    """Propose a reward."""
    form = ProposeForm()
    if not form.validate_on_submit() or form.amount.data is None:
        flash("Give a tip number, an amount and a reason.", "error")
        return _back()
    try:
        with attempt():
            service.propose_reward(
                db.session(),
                get_keyring(),
                current_user(),
                form.tip_number.data or "",
                int(form.amount.data * 100),
                form.reason.data or "",
            )
        flash("Reward proposed. A second supervisor must approve it.", "notice")
    except IntakeError as error:
        flash_error(error)
    return _back()


@bp.post("/<reward_id>/decision")
def decide(reward_id: str) -> Response:
    """Approve or decline a reward another supervisor proposed."""
    form = DecisionForm()
    if not form.validate_on_submit():
        return _back()
    try:
        with attempt():
            service.decide_reward(
                db.session(),
                get_keyring(),
                current_user(),
                service.parse_reward_id(reward_id),
                approve=form.approve.data == "yes",
            )
        flash("Reward decided.", "notice")
    except IntakeError as error:
        flash_error(error)
    return _back()


@bp.post("/payments")
def pay() -> Response:
    """Mark the reward with this claim code paid."""
    form = PayForm()
    if not form.validate_on_submit():
        flash("Type the claim code.", "error")
        return _back()
    try:
        with attempt():
            reward = service.pay_reward(
                db.session(), get_keyring(), current_user(), form.claim_code.data or ""
            )
        flash(f"Paid: ${reward.amount_cents / 100:,.2f} on tip {reward.tip.tip_number}.", "notice")
    except IntakeError as error:
        flash_error(error)
    return _back()
