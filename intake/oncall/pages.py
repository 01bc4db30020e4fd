"""Staff pages: the urgent board (refreshes itself, no script needed), acknowledging from a tip
page, and the on-call roster (supervisors, oversight for its own queue, administrators)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from intake.blueprints import Blueprint
from intake.errors import IntakeError
from intake.extensions import db
from intake.models import Queue, User
from intake.oncall import service
from intake.oncall.rules import TIERS, age_text, urgency_label
from intake.staff.access import current_user
from intake.staff.rendering import flash_error, staff_page
from intake.unit_of_work import attempt

board_bp = Blueprint("oncall_pages", __name__, url_prefix="/staff")
roster_bp = Blueprint("oncall_roster_pages", __name__, url_prefix="/staff/oncall")
# Seconds between the board's own reloads (a meta refresh: works with scripts off).
BOARD_REFRESH_SECONDS = 15


class AcknowledgeForm(FlaskForm):
    """Acknowledge an urgent tip."""


class TierForm(FlaskForm):
    """Set who is on one tier of a queue."""

    queue = HiddenField(validators=[DataRequired(), Length(max=40)])
    tier = IntegerField("Tier", validators=[NumberRange(1, max(TIERS))])
    usernames = StringField("Usernames (space-separated)", validators=[Length(max=400)])


@board_bp.get("/urgent")
def urgent_board() -> Response:
    """Urgent tips nobody has acknowledged yet, oldest first, with their age; reloads itself
    (a script, or a meta refresh without scripts) unless ``?refresh=off``."""
    entries = service.board(db.session(), current_user())
    is_refreshing = request.args.get("refresh") != "off"
    response = staff_page(
        "staff/urgent.html",
        entries=entries,
        refresh_seconds=BOARD_REFRESH_SECONDS if is_refreshing else 0,
        default_refresh=BOARD_REFRESH_SECONDS,
        age_text=age_text,
        urgency_label=urgency_label,
        tiers=TIERS,
        ack_form=AcknowledgeForm(),
    )
    return response


@board_bp.post("/tips/<tip_number>/acknowledge")
def acknowledge(tip_number: str) -> Response:
    """Acknowledge from the tip page or the board; the next tier is not told."""
    if AcknowledgeForm().validate_on_submit():
        try:
            with attempt():
                service.acknowledge(db.session(), current_user(), tip_number)
            flash("Acknowledged: the escalation has stopped.", "notice")
        except IntakeError as error:
            flash_error(error)
    return redirect(url_for("staff_pages.tip", tip_number=tip_number))


def _managed_queues(user: User) -> list[Queue]:
    if user.role == "admin":
        return list(db.session.scalars(select(Queue).order_by(Queue.code)))
    return service.visible_queues(db.session(), user)


@roster_bp.get("/")
def roster() -> Response:
    """The roster of every queue the user manages, tier by tier, and forms to change it."""
    user = current_user()
    queues = _managed_queues(user)
    entries = service.roster(db.session(), [q.id for q in queues])
    by_queue: dict[str, dict[int, list[service.RosterEntry]]] = {}
    for entry in entries:
        by_queue.setdefault(entry.queue, {}).setdefault(entry.tier, []).append(entry)
    return staff_page(
        "staff/oncall.html", queues=queues, by_queue=by_queue, tiers=TIERS, form=TierForm()
    )


@roster_bp.post("/")
def set_roster() -> Response:
    """Set (or, with no usernames, clear) one tier of a queue the user manages."""
    user = current_user()
    form = TierForm()
    if form.validate_on_submit():
        code = form.queue.data or ""
        tier = int(form.tier.data or 0)
        names = (form.usernames.data or "").split()
        try:
            with attempt():
                if code not in {q.code for q in _managed_queues(user)}:
                    raise service.RosterError("You do not manage this queue.")
                if names:
                    service.set_tier(db.session(), code, tier, names, actor=user)
                else:
                    service.clear_roster(db.session(), code, tier, actor=user)
            flash(f"Roster of {code}, tier {tier}, saved.", "notice")
        except IntakeError as error:
            flash_error(error)
    return redirect(url_for("oncall_roster_pages.roster"))
