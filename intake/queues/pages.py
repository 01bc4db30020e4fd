"""Staff web pages of the queues: my queues (with every open emergency), search, a queue's page
and its bulk action.

Server-rendered, no script, no third-party asset. Every form is a POST with a CSRF token that
redirects back (post/redirect/get); messages shown after an action are our own words. The routes
are on the workspace's shared ``staff_pages`` blueprint (:mod:`intake.staff.blueprints`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from intake.api import MAX_INTEGER
from intake.errors import IntakeError, NotFoundError
from intake.extensions import db, get_keyring, get_settings
from intake.models import Category, Queue, utcnow
from intake.models.tip import CHANNELS, STATUSES, URGENCIES
from intake.queues import service
from intake.queues.rules import SORTS, age_words
from intake.search.service import search_tips
from intake.staff.access import current_user
from intake.staff.blueprints import pages_bp as bp
from intake.staff.rendering import flash_error, flash_outcomes, staff_page
from intake.submissions.rules import normalise_tip_number
from intake.tips import service as tips
from intake.tips.rules import DISPOSITIONS
from intake.unit_of_work import attempt

BULK_CHOICES = [
    SelectChoice("claim", "Claim (assign to me)"),
    SelectChoice("assign", "Assign to…"),
    SelectChoice("reroute", "Move to queue…"),
    SelectChoice("close", "Close with disposition…"),
]


class BulkForm(FlaskForm):
    """One action for the tips ticked on a queue page (the boxes belong to this form)."""

    action = SelectField("Action", choices=[])
    assignee = SelectField("Assign to", choices=[], validate_choice=False)
    queue = SelectField("Move to queue", choices=[], validate_choice=False)
    reason = StringField("Reason for the move", validators=[Optional(), Length(max=300)])
    # Each target is checked by the service, and only for the action that uses it.
    disposition = SelectField(
        "Disposition",
        choices=[SelectChoice("", "—"), *(SelectChoice(d) for d in DISPOSITIONS)],
        validate_choice=False,
    )


@bp.app_template_filter("age")
def _age(value: datetime) -> str:
    """How long ago, short ("12 min", "3 h", "2 d"): the exact local time goes in a title."""
    return age_words(value, utcnow())


#: The home page lists every open emergency; past this many (a city-wide disaster) it says there
#: are more and sends the reader to each queue instead of rendering thousands of rows.
URGENT_SHOWN_MAX = 1000


HIGH_SHOWN = 25


def _open_of_urgency(user: Any, urgency: str, most: int) -> tuple[list[Any], bool]:
    """Open tips of one urgency the user sees, newest first, up to ``most``; and whether more."""
    items: list[Any] = []
    cursor = None
    while len(items) < most:
        page = service.list_tips(
            db.session(),
            user,
            filters=service.TipFilters(status="open", urgency=urgency),
            cursor=cursor,
            limit=min(service.PAGE_MAX, most - len(items)),
        )
        items.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            return items, False
    return items, cursor is not None


@bp.get("/")
def home() -> Response:
    """My queues with counts, every open emergency on top, then the newest high-urgency tips."""
    user = current_user()
    emergencies, more_emergencies = _open_of_urgency(user, "emergency", URGENT_SHOWN_MAX)
    possible, more_possible = _open_of_urgency(user, "possible_emergency", URGENT_SHOWN_MAX)
    high, more_high = _open_of_urgency(user, "high", HIGH_SHOWN)
    return staff_page(
        "staff/home.html",
        queues=service.queue_summaries(db.session(), user),
        urgent=emergencies + possible + high,
        emergency_count=len(emergencies) + len(possible),
        more_emergencies=more_emergencies or more_possible,
        high_count=len(high),
        more_high=more_high,
    )


def parse_day(value: str | None, *, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=ZoneInfo(get_settings().timezone))
    except ValueError:
        return None
    if end:
        day = day.replace(hour=23, minute=59, second=59, microsecond=999999)
    try:
        return day.astimezone(UTC)
    except OverflowError:  # 9999-12-31 in a zone behind UTC: no such instant
        return None


@bp.get("/search")
def search() -> Response:
    """Find tips by words of their sealed text, or go straight to a tip by its number."""
    user = current_user()
    text = (request.args.get("q") or "").strip()[:200]
    number = normalise_tip_number(text) if text else None
    if number is not None:
        try:
            tips.find_tip(db.session(), user, number)
            return redirect(url_for("staff_pages.tip", tip_number=number))
        except NotFoundError:
            pass  # not a visible tip: search for the words instead, as for any text
    found, error = None, None
    if text:
        try:
            found = search_tips(
                db.session(), get_keyring(), user, text, cursor=request.args.get("cursor") or None
            )
        except IntakeError as failure:
            messages = [m for ms in (failure.fields or {}).values() for m in ms]
            error = messages[0] if messages else failure.message
    return staff_page("staff/search.html", q=text, found=found, search_error=error)


#: The query parameters of the queue page's filters (kept by its sort and page links).
QUEUE_FILTERS = ("status", "urgency", "category", "channel", "from", "to", "assigned", "awaiting")


@bp.get("/queues/<code>")
def queue(code: str) -> Response:
    """A queue's tips (urgent first then newest, or by time), with filters, "1–50 of 166" and
    the previous and next pages."""
    user = current_user()
    current = service.find_queue(db.session(), user, code)
    args = request.args
    filters = service.TipFilters(
        status=args.get("status") if args.get("status") in (*STATUSES, "open") else None,
        category=args.get("category") or None,
        urgency=args.get("urgency") if args.get("urgency") in URGENCIES else None,
        channel=args.get("channel") if args.get("channel") in CHANNELS else None,
        created_from=parse_day(args.get("from")),
        created_to=parse_day(args.get("to"), end=True),
        awaiting=True if args.get("awaiting") == "true" else None,
        assignee_id=user.id if args.get("assigned") == "me" else None,
        is_unassigned=args.get("assigned") == "none",
    )
    sort = str(args.get("sort")) if args.get("sort") in SORTS else "urgency"
    keyring = get_keyring()
    try:
        page = service.list_tips(
            db.session(),
            user,
            queue_code=code,
            filters=filters,
            cursor=args.get("cursor") or None,
            limit=service.LISTING_PAGE,
            keyring=keyring,
            sort=sort,
        )
    except IntakeError:  # a stale or hand-edited cursor: the first page
        page = service.list_tips(
            db.session(),
            user,
            queue_code=code,
            filters=filters,
            limit=service.LISTING_PAGE,
            keyring=keyring,
            sort=sort,
        )
    count = service.count_tips(db.session(), user, queue_code=code, filters=filters)
    # The position is carried in the links (keyset pages have no offset): exact on the first
    # page, counted on from there; the total is counted afresh each time.
    start = args.get("start", type=int) or 1
    if page.prev_cursor is None or not 1 <= start <= MAX_INTEGER:
        start = 1
    end = start + len(page.items) - 1
    kept: dict[str, Any] = {k: v for k, v in args.items() if k in QUEUE_FILTERS and v}

    def link(order: str, **more: Any) -> str:
        # The default order is no parameter at all: the plain queue link stays the first page.
        wanted = order if order != "urgency" else None
        return url_for("staff_pages.queue", code=code, **kept, sort=wanted, **more)

    categories = list(db.session.scalars(select(Category.code).order_by(Category.sort_order)))
    return staff_page(
        "staff/queue.html",
        queue=current,
        page=page,
        args=args,
        sort=sort,
        sort_urls={order: link(order) for order in SORTS},
        shown=(start, end),
        page_size=service.LISTING_PAGE,
        count=count,
        next_url=page.next_cursor and link(sort, cursor=page.next_cursor, start=end + 1),
        prev_url=page.prev_cursor
        and link(sort, cursor=page.prev_cursor, start=max(1, start - service.LISTING_PAGE)),
        statuses=STATUSES,
        urgencies=URGENCIES,
        channels=CHANNELS,
        categories=categories,
        bulk_form=_bulk_form(current),
    )


def _bulk_form(current: Queue) -> BulkForm:
    form = BulkForm()
    form.action.choices = list(BULK_CHOICES)
    if not service.supervises(current_user()):
        # Assigning to others and moving tips are a supervisor's (the service says so too).
        form.action.choices = [c for c in BULK_CHOICES if c.value in ("claim", "close")]
    form.assignee.choices = [
        SelectChoice(u.username) for u in service.queue_workers(db.session(), current)
    ]
    form.queue.choices = [
        SelectChoice(q.code, q.name) for q in db.session.scalars(select(Queue).order_by(Queue.code))
    ]
    return form


@bp.post("/queues/<code>/bulk")
def bulk(code: str) -> Response:
    """Claim, assign, re-route or close the ticked tips; says what was done and what refused."""
    user = current_user()
    current = service.find_queue(db.session(), user, code)
    form = _bulk_form(current)
    back = redirect(url_for("staff_pages.queue", code=current.code))
    if not form.validate_on_submit():
        flash("Choose an action for the ticked tips.", "error")
        return back
    numbers = request.form.getlist("tip_numbers")
    if not numbers:
        flash("Tick the tips to change first.", "error")
        return back
    action = form.action.data or ""
    change = tips.BulkAction(
        action=action,
        assignee=form.assignee.data if action == "assign" else None,
        queue=form.queue.data if action == "reroute" else None,
        reason=form.reason.data if action == "reroute" else None,
        disposition=(form.disposition.data or None) if action == "close" else None,
    )
    try:
        with attempt():
            outcomes = tips.bulk_change(db.session(), get_keyring(), user, numbers, change)
    except IntakeError as error:
        flash_error(error)
        return back
    flash_outcomes(tips.BULK_DONE[action], outcomes)
    return back
