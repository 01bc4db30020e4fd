"""Staff web pages of one tip: its thread, notes, attachments, history and the actions on it.

Server-rendered, no script, no third-party asset. Every form is a POST with a CSRF token that
redirects back (post/redirect/get); messages shown after an action are our own words. The routes
are on the workspace's shared ``staff_pages`` blueprint (:mod:`intake.staff.blueprints`).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from intake.api import MAX_INTEGER
from intake.errors import IntakeError, NotFoundError
from intake.extensions import db, get_keyring
from intake.identity.pages import RevealForm
from intake.models import Category, Queue, utcnow
from intake.models.tip import STATUSES, URGENCIES
from intake.oncall.pages import AcknowledgeForm
from intake.oncall.service import open_alert
from intake.queues import service as queues
from intake.related import service as related
from intake.related.views import ClusterForm
from intake.replies import service as replies
from intake.staff.access import current_user
from intake.staff.blueprints import pages_bp as bp
from intake.staff.rendering import back_to_tip, flash_error, staff_page
from intake.tips import service
from intake.tips.rules import DISPOSITIONS, NOTE_MAX, REPLY_MAX
from intake.unit_of_work import attempt
from intake.workspace.service import moved_away


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


class LinkForm(FlaskForm):
    """Confirm or reject a suggested related tip."""

    other = HiddenField(validators=[DataRequired(), Length(max=20)])
    decision = HiddenField(validators=[DataRequired()])


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
        cluster_workers=[u.username for u in queues.queue_workers(db.session(), tip_row.queue)]
        if has_cluster
        else [],
        cluster_queues=[(q.code, q.name) for q in all_queues] if has_cluster else [],
        cluster_dispositions=DISPOSITIONS,
        inline_types=INLINE_TYPES,
        tip=detail,
        urgent_alert=open_alert(db.session(), tip_row),
        ack_form=AcknowledgeForm(),
        urgency_form=UrgencyForm(urgency=detail.urgency),
        is_supervisor=queues.supervises(user),
        claim_form=ClaimForm(),
        can_claim=detail.status != "closed"
        and detail.assignee != user.username
        and (detail.assignee is None or queues.supervises(user)),
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
    return back_to_tip(tip_number)


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
    return back_to_tip(tip_number)


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
    return back_to_tip(tip_number)


@bp.post("/tips/<tip_number>/category")
def change_category(tip_number: str) -> Response:
    """Correct the category."""
    form = CategoryForm()
    form.category.choices = [SelectChoice(c) for c in db.session.scalars(select(Category.code))]
    if form.validate_on_submit():
        _apply(tip_number, service.TipChange(category=form.category.data), "Category corrected.")
    return back_to_tip(tip_number)


@bp.post("/tips/<tip_number>/urgency")
def change_urgency(tip_number: str) -> Response:
    """Correct the urgency (kept as a correction the classifier learns from)."""
    form = UrgencyForm()
    if form.validate_on_submit():
        _apply(tip_number, service.TipChange(urgency=form.urgency.data), "Urgency corrected.")
    return back_to_tip(tip_number)


@bp.post("/tips/<tip_number>/reroute")
def reroute(tip_number: str) -> Response:
    """Move the tip to another queue (supervisors)."""
    form = RerouteForm()
    form.queue.choices = [SelectChoice(q) for q in db.session.scalars(select(Queue.code))]
    if not form.validate_on_submit():
        flash("Choose a queue and say why the tip moves.", "error")
        return back_to_tip(tip_number)
    change = service.TipChange(queue=form.queue.data, reason=form.reason.data)
    _apply(tip_number, change, f"Tip moved to {form.queue.data}.")
    user = current_user()
    try:
        service.find_tip(db.session(), user, tip_number)
    except IntakeError:
        return redirect(url_for("staff_pages.home"))
    return back_to_tip(tip_number)


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
    return back_to_tip(tip_number)


@bp.post("/tips/<tip_number>/replies")
def add_reply(tip_number: str) -> Response:
    """Send a message to the tipster, after a page that shows exactly what they will read."""
    form = ReplyForm()
    if not form.validate_on_submit():
        flash("Write a reply.", "error")
        return back_to_tip(tip_number)
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
    return back_to_tip(tip_number)


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
    return back_to_tip(tip_number)


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
