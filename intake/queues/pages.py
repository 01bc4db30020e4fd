"""Staff web pages: my queues, a queue, a tip with its thread and actions, the audit log
(supervisors).

Server-rendered, no script, no third-party asset. Every form is a POST with a CSRF token that
redirects back (post/redirect/get); messages shown after an action are our own words.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    flash,
    redirect,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from intake.api import MAX_INTEGER
from intake.audit.labels import ACTION_LABELS, NOISY_ACTIONS, action_label, detail_words
from intake.errors import IntakeError, NotFoundError
from intake.extensions import db, get_keyring, get_settings
from intake.models import Category, Queue, utcnow
from intake.models.tip import CHANNELS, STATUSES, URGENCIES
from intake.oncall.pages import AcknowledgeForm
from intake.oncall.service import open_alert
from intake.queues import service
from intake.queues.rules import DISPOSITIONS, NOTE_MAX, REPLY_MAX, SORTS, age_words
from intake.related import service as related
from intake.related.views import ClusterForm
from intake.replies import service as replies
from intake.search.service import search_tips
from intake.staff.access import current_user, login_client, requires_scope
from intake.staff.rendering import flash_error, flash_outcomes, staff_page
from intake.submissions.rules import normalise_tip_number
from intake.unit_of_work import attempt
from intake.workspace.service import moved_away

bp = Blueprint("staff_pages", __name__, url_prefix="/staff")
audit_bp = Blueprint("staff_audit_pages", __name__, url_prefix="/staff/audit")


class ClaimForm(FlaskForm):
    """Take the tip."""


class StatusForm(FlaskForm):
    """Move the tip through the workflow."""

    status = SelectField("New status", choices=[SelectChoice(s) for s in STATUSES])
    disposition = SelectField(
        "Disposition (to close)",
        choices=[SelectChoice("", "—"), *(SelectChoice(d) for d in DISPOSITIONS)],
    )


class CategoryForm(FlaskForm):
    """Correct the category."""

    category = SelectField("Category", choices=[])


class UrgencyForm(FlaskForm):
    """Correct the urgency."""

    urgency = SelectField("Urgency", choices=[SelectChoice(u) for u in URGENCIES])


class RerouteForm(FlaskForm):
    """Move the tip to another queue (supervisors)."""

    queue = SelectField("Queue", choices=[])
    reason = StringField("Reason", validators=[DataRequired(), Length(max=300)])


class CaseNumberForm(FlaskForm):
    """The records system's case number for this tip (empty clears it)."""

    rms_case_number = StringField(
        "Case number (records system)",
        id="rms-case-number",
        validators=[Length(max=service.CASE_NUMBER_MAX)],
    )


class NoteForm(FlaskForm):
    """An internal note: staff only, never sent. Its own field name and id, unlike the reply."""

    note_body = TextAreaField(
        "Internal note (staff only, never sent to the tipster)",
        id="note-body",
        validators=[DataRequired(), Length(max=NOTE_MAX)],
    )


class ReplyForm(FlaskForm):
    """A message to the tipster; sent only after a confirmation page shows the exact text."""

    reply_body = TextAreaField(
        "Message to the tipster (visible to the tipster)",
        id="reply-body",
        validators=[DataRequired(), Length(max=REPLY_MAX)],
    )
    # Set by the confirmation page's "Send" button alone: the first post only shows the text.
    confirmed = HiddenField()


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


class LinkForm(FlaskForm):
    """Confirm or reject a suggested related tip."""

    other = HiddenField(validators=[DataRequired(), Length(max=20)])
    decision = HiddenField(validators=[DataRequired()])


class RevealForm(FlaskForm):
    """Why the identity must be revealed, and a fresh second factor."""

    reason = TextAreaField("Reason (recorded in the audit log)", validators=[Length(max=500)])
    totp = StringField(
        "Code from your authenticator app (a new one, not the login's)",
        validators=[Length(max=12)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


@bp.app_template_filter("age")
def _age(value: datetime) -> str:
    """How long ago, short ("12 min", "3 h", "2 d"): the exact local time goes in a title."""
    return age_words(value, utcnow())


def _back(tip_number: str) -> Response:
    return redirect(url_for("staff_pages.tip", tip_number=tip_number))


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


def _parse_day(value: str | None, *, end: bool = False) -> datetime | None:
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
            service.find_tip(db.session(), user, number)
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
        created_from=_parse_day(args.get("from")),
        created_to=_parse_day(args.get("to"), end=True),
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
    change = service.BulkAction(
        action=action,
        assignee=form.assignee.data if action == "assign" else None,
        queue=form.queue.data if action == "reroute" else None,
        reason=form.reason.data if action == "reroute" else None,
        disposition=(form.disposition.data or None) if action == "close" else None,
    )
    try:
        with attempt():
            outcomes = service.bulk_change(db.session(), get_keyring(), user, numbers, change)
    except IntakeError as error:
        flash_error(error)
        return back
    flash_outcomes(service.BULK_DONE[action], outcomes)
    return back


@bp.get("/tips/<tip_number>")
def tip(tip_number: str) -> Response:
    """A tip with its thread, notes, attachments, history and the actions."""
    user = current_user()
    try:
        detail = service.view_tip(db.session(), get_keyring(), user, tip_number)
    except NotFoundError:
        moved = moved_away(db.session(), user, tip_number)
        if moved is None:
            raise
        return staff_page("staff/moved.html", 404, tip_number=tip_number, moved_to=moved)
    related_tips = related.related_of(db.session(), get_keyring(), user, detail)
    category_form = CategoryForm(category=detail.category)
    category_form.category.choices = [
        SelectChoice(c)
        for c in db.session.scalars(select(Category.code).order_by(Category.sort_order))
    ]
    reroute_form = RerouteForm(queue=detail.queue)
    all_queues = list(db.session.scalars(select(Queue).order_by(Queue.code)))
    reroute_form.queue.choices = [SelectChoice(q.code, q.name) for q in all_queues]
    canned = replies.list_canned(db.session(), language=detail.language)
    reply_form = ReplyForm()
    chosen = request.args.get("canned", type=int)
    if chosen is not None and 0 < chosen <= MAX_INTEGER:
        try:
            reply_form.reply_body.data = replies.get_canned(db.session(), chosen).body
        except IntakeError:
            flash("That canned reply is no longer offered.", "error")
    tip_row = service.find_tip(db.session(), user, tip_number)
    # The cluster form's choices are read only when the tip has a confirmed cluster to act on.
    has_cluster = any(r.is_confirmed for r in related_tips) and user.role != "prosecutor"
    return staff_page(
        "staff/tip.html",
        canned=canned,
        related=related_tips,
        link_form=LinkForm(),
        # Acting on a confirmed cluster at once (the related section shows it when there is one).
        cluster_form=ClusterForm() if has_cluster else None,
        cluster_workers=[u.username for u in service.queue_workers(db.session(), tip_row.queue)]
        if has_cluster
        else [],
        cluster_queues=[(q.code, q.name) for q in all_queues] if has_cluster else [],
        cluster_dispositions=DISPOSITIONS,
        inline_types=INLINE_TYPES,
        tip=detail,
        urgent_alert=open_alert(db.session(), tip_row),
        ack_form=AcknowledgeForm(),
        urgency_form=UrgencyForm(urgency=detail.urgency),
        is_supervisor=service.supervises(user),
        claim_form=ClaimForm(),
        can_claim=detail.status != "closed"
        and detail.assignee != user.username
        and (detail.assignee is None or service.supervises(user)),
        status_form=StatusForm(status=detail.status),
        category_form=category_form,
        reroute_form=reroute_form,
        note_form=NoteForm(),
        case_form=CaseNumberForm(rms_case_number=detail.rms_case_number or ""),
        reply_form=reply_form,
        reveal_form=RevealForm(),
    )


@bp.post("/tips/<tip_number>/case")
def set_case_number(tip_number: str) -> Response:
    """Set or clear the records system's case number (audited)."""
    form = CaseNumberForm()
    if form.validate_on_submit():
        value = form.rms_case_number.data or ""
        _apply(tip_number, service.TipChange(rms_case_number=value), "Case number saved.")
    else:
        flash(
            f"Use at most {service.CASE_NUMBER_MAX} letters, digits, spaces and . / # : _ -.",
            "error",
        )
    return _back(tip_number)


@bp.get("/tips/<tip_number>/summary")
def case_summary(tip_number: str) -> Response:
    """A printable case summary for a prosecutor or records system: never the identity."""
    with_notes = request.args.get("notes") == "1"
    detail = service.case_summary(
        db.session(), get_keyring(), current_user(), tip_number, with_notes=with_notes
    )
    response = staff_page("staff/summary.html", tip=detail, with_notes=with_notes, now=utcnow())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/tips/<tip_number>/claim")
def claim(tip_number: str) -> Response:
    """Take the tip."""
    if ClaimForm().validate_on_submit():
        try:
            with attempt():
                service.claim_tip(db.session(), current_user(), tip_number)
            flash("You have claimed this tip.", "notice")
        except IntakeError as error:
            flash_error(error)
    return _back(tip_number)


def _apply(tip_number: str, change: service.TipChange, done: str) -> None:
    try:
        with attempt():
            service.update_tip(db.session(), get_keyring(), current_user(), tip_number, change)
        flash(done, "notice")
    except IntakeError as error:
        flash_error(error)


@bp.post("/tips/<tip_number>/status")
def change_status(tip_number: str) -> Response:
    """Change the status (closing needs a disposition)."""
    form = StatusForm()
    if form.validate_on_submit():
        change = service.TipChange(
            status=form.status.data, disposition=form.disposition.data or None
        )
        _apply(tip_number, change, f"Status changed to {form.status.data}.")
    return _back(tip_number)


@bp.post("/tips/<tip_number>/category")
def change_category(tip_number: str) -> Response:
    """Correct the category."""
    form = CategoryForm()
    form.category.choices = [SelectChoice(c) for c in db.session.scalars(select(Category.code))]
    if form.validate_on_submit():
        _apply(tip_number, service.TipChange(category=form.category.data), "Category corrected.")
    return _back(tip_number)


@bp.post("/tips/<tip_number>/urgency")
def change_urgency(tip_number: str) -> Response:
    """Correct the urgency (kept as a correction the classifier learns from)."""
    form = UrgencyForm()
    if form.validate_on_submit():
        _apply(tip_number, service.TipChange(urgency=form.urgency.data), "Urgency corrected.")
    return _back(tip_number)


@bp.post("/tips/<tip_number>/reroute")
def reroute(tip_number: str) -> Response:
    """Move the tip to another queue (supervisors)."""
    form = RerouteForm()
    form.queue.choices = [SelectChoice(q) for q in db.session.scalars(select(Queue.code))]
    if not form.validate_on_submit():
        flash("Choose a queue and say why the tip moves.", "error")
        return _back(tip_number)
    change = service.TipChange(queue=form.queue.data, reason=form.reason.data)
    _apply(tip_number, change, f"Tip moved to {form.queue.data}.")
    user = current_user()
    try:
        service.find_tip(db.session(), user, tip_number)
    except IntakeError:
        return redirect(url_for("staff_pages.home"))
    return _back(tip_number)


@bp.post("/tips/<tip_number>/notes")
def add_note(tip_number: str) -> Response:
    """Add an internal note."""
    form = NoteForm()
    if form.validate_on_submit():
        try:
            with attempt():
                service.add_note(
                    db.session(),
                    get_keyring(),
                    current_user(),
                    tip_number,
                    form.note_body.data or "",
                )
            flash("Internal note added (not sent to the tipster).", "notice")
        except IntakeError as error:
            flash_error(error)
    else:
        flash("Write a note.", "error")
    return _back(tip_number)


@bp.post("/tips/<tip_number>/replies")
def add_reply(tip_number: str) -> Response:
    """Send a message to the tipster, after a page that shows exactly what they will read."""
    form = ReplyForm()
    if not form.validate_on_submit():
        flash("Write a reply.", "error")
        return _back(tip_number)
    text = (form.reply_body.data or "").strip()
    user = current_user()
    if form.confirmed.data != "yes":
        # Checks the tip is still visible before its number and the draft are shown again.
        found = service.find_tip(db.session(), user, tip_number)
        confirm = ReplyForm(formdata=None, reply_body=text, confirmed="yes")
        edit = ReplyForm(formdata=None, reply_body=text)
        return staff_page(
            "staff/reply_confirm.html",
            tip_number=found.tip_number,
            language=found.language,
            text=text,
            confirm_form=confirm,
            edit_form=edit,
        )
    try:
        with attempt():
            service.send_reply(db.session(), get_keyring(), user, tip_number, text)
        flash("Reply sent to the tipster.", "notice")
    except IntakeError as error:
        flash_error(error)
    return _back(tip_number)


@bp.post("/tips/<tip_number>/links")
def decide_link(tip_number: str) -> Response:
    """Confirm that a related tip is the same incident, or reject the suggestion."""
    form = LinkForm()
    if form.validate_on_submit():
        try:
            with attempt():
                related.decide_link(
                    db.session(),
                    current_user(),
                    tip_number,
                    form.other.data or "",
                    form.decision.data or "",
                )
            flash(
                "Linked as the same incident."
                if form.decision.data == "confirmed"
                else "Suggestion rejected.",
                "notice",
            )
        except IntakeError as error:
            flash_error(error)
    return _back(tip_number)


@bp.post("/tips/<tip_number>/reveal")
@requires_scope("reveal")
def reveal(tip_number: str) -> Response:
    """Supervisors: show the tipster's contact, with a reason (audited)."""
    form = RevealForm()
    if not form.validate_on_submit():
        return _back(tip_number)
    try:
        revealed = service.reveal_identity(
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
        return _back(tip_number)
    return staff_page("staff/revealed.html", revealed=revealed)


@bp.get("/tips/<tip_number>/attachments/<attachment_id>/view")
def attachment_view(tip_number: str, attachment_id: str) -> Response:
    """A photo shown on the tip page: the same access check as the download, audited as viewed,
    never cached. Only images are shown inline (every kept photo is re-encoded by Pillow)."""
    row, data = service.download_attachment(
        db.session(),
        get_keyring(),
        current_user(),
        tip_number,
        attachment_id,
        action="attachment.viewed",
    )
    if row.content_type not in INLINE_TYPES:
        raise NotFoundError("This attachment is not a photo.")
    response = Response(data, mimetype=row.content_type)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "no-store"
    return response


INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


@bp.get("/tips/<tip_number>/attachments/<attachment_id>")
def attachment(tip_number: str, attachment_id: str) -> Response:
    """Download an attachment (audited)."""
    row, data = service.download_attachment(
        db.session(), get_keyring(), current_user(), tip_number, attachment_id
    )
    response = Response(data, mimetype=row.content_type)
    response.headers["Content-Disposition"] = "attachment"
    response.headers["Cache-Control"] = "no-store"
    return response


@audit_bp.get("/")
def audit() -> Response:
    """Supervisors: the audit log, newest first (filter by tip number; older pages)."""
    user = current_user()
    tip_number = (request.args.get("tip") or "").strip() or None
    before = request.args.get("before", type=int)
    view = request.args.get("view") or "all"
    if view not in service.AUDIT_VIEWS:
        view = "all"
    if before is not None and not 0 < before <= MAX_INTEGER:
        before = None  # a hand-edited link: the newest page, not a driver's OverflowError
    actor = (request.args.get("user") or "").strip()[:80] or None
    action = request.args.get("action") or None
    if action not in ACTION_LABELS:
        action = None
    day_from = (request.args.get("from") or "").strip()[:10]
    day_to = (request.args.get("to") or "").strip()[:10]
    show_views = request.args.get("views") == "1"
    filters: dict[str, Any] = {
        "actor": actor,
        "action": action,
        "since": _parse_day(day_from),
        "until": _parse_day(day_to, end=True),
        "hide_actions": () if show_views else NOISY_ACTIONS,
    }
    try:
        page = service.list_audit(
            db.session(), user, tip_number=tip_number, before=before, view=view, **filters
        )
    except NotFoundError:
        flash("No tip has this number.", "error")
        page = service.list_audit(db.session(), user, before=before, view=view, **filters)
    # The links that page on or flip the opened-tips switch keep every other filter.
    keep = {
        "tip": tip_number or None,
        "view": view if view == "reveals" else None,
        "user": actor,
        "action": action,
        "from": day_from or None,
        "to": day_to or None,
        "views": "1" if show_views else None,
    }
    return staff_page(
        "staff/audit.html",
        page=page,
        rows=_collapse_restricted(page.items),
        tip_number=tip_number or "",
        view=view,
        actor=actor or "",
        action=action or "",
        day_from=day_from if filters["since"] else "",
        day_to=day_to if filters["until"] else "",
        show_views=show_views,
        keep=keep,
        action_labels=ACTION_LABELS,
        action_label=action_label,
        detail_words=detail_words,
    )


def _collapse_restricted(items: list[service.HistoryEntry]) -> list[Any]:
    """The page's rows: an event, or one line for a run of events outside the viewer's queues."""
    rows: list[Any] = []
    for entry in items:
        if entry.action != service.RESTRICTED_ACTION:
            rows.append(entry)
        elif rows and isinstance(rows[-1], list):
            rows[-1].append(entry)
        else:
            rows.append([entry])
    return rows
