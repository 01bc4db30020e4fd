"""Public web pages: the tip form, the confirmation, checking back and answering.

They work without JavaScript, set no cookie but the CSRF token's, and are never cached: the
confirmation and status pages show secrets.
"""

from __future__ import annotations

import secrets
from datetime import UTC
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, make_response, render_template
from flask_babel import get_locale

from intake.errors import IntakeError, InvalidInputError, NotFoundError
from intake.extensions import db, get_keyring, get_settings, limiter
from intake.models import ALERTING_URGENCIES
from intake.submissions import service
from intake.submissions.forms import CheckForm, ReplyForm, TipForm
from intake.submissions.messages import emergency_advice, next_steps
from intake.submissions.views import CHECK_LIMIT, GUESS_LIMIT, SUBMIT_LIMIT, tip_number_key

bp = Blueprint("public", __name__)


def _no_store(html: str, status: int = 200) -> Response:
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _language() -> str:
    return str(get_locale() or "en")


def _field_errors(form: TipForm, error: IntakeError) -> None:
    """Show a service's validation messages next to the form fields."""
    mapping = {
        "narrative": form.narrative,
        "location": form.location_text,
        "occurred_at": form.occurred_at,
        "photo": form.photo,
    }
    for name, messages in (error.fields or {}).items():
        if name == "contact" and isinstance(messages, dict):
            form.contact_phone.errors = list(messages.get("phone", []))
            continue
        target = mapping.get(name)
        if target is not None and isinstance(messages, list):
            target.errors = list(messages)


@bp.get("/")
def tip_form() -> Response:
    """The tip form."""
    form = TipForm(submission_id=secrets.token_urlsafe(24), lang=_language())
    return _no_store(render_template("submissions/form.html", form=form))


@bp.post("/")
@limiter.limit(SUBMIT_LIMIT)
def submit() -> Response:
    """Receive the form; show the tip number and receipt."""
    form = TipForm()
    if not form.validate_on_submit():
        return _no_store(render_template("submissions/form.html", form=form), 400)
    images: tuple[bytes, ...] = ()
    upload = form.photo.data
    if upload and getattr(upload, "filename", ""):
        images = (upload.read(),)
    occurred_at = None
    if form.occurred_at.data:
        zone = ZoneInfo(get_settings().timezone)
        occurred_at = form.occurred_at.data.replace(tzinfo=zone).astimezone(UTC)
    lat = float(form.lat.data) if form.lat.data and form.lon.data else None
    lon = float(form.lon.data) if form.lat.data and form.lon.data else None
    contact = service.Contact(
        phone=form.contact_phone.data or None,
        email=form.contact_email.data or None,
        name=form.contact_name.data or None,
    )
    submission = service.TipSubmission(
        channel="web",
        narrative=form.narrative.data or "",
        language=_language(),
        location_text=form.location_text.data or None,
        lat=lat,
        lon=lon,
        occurred_at=occurred_at,
        contact=contact if (contact.phone or contact.email or contact.name) else None,
        images=images,
        idempotency_key=form.submission_id.data or None,
    )
    try:
        created = service.submit_tip(
            db.session(), get_keyring(), submission, default_region=get_settings().default_region
        )
    except InvalidInputError as error:
        db.session.rollback()
        _field_errors(form, error)
        return _no_store(render_template("submissions/form.html", form=form), 400)
    db.session.commit()
    return _no_store(
        render_template(
            "submissions/submitted.html",
            created=created,
            advice=(
                emergency_advice(created.language)
                if created.urgency in ALERTING_URGENCIES
                else None
            ),
            next_steps=next_steps(created.language),
        )
    )


@bp.get("/check")
def check_form() -> Response:
    """The page to come back to a tip."""
    return _no_store(render_template("submissions/check.html", form=CheckForm(lang=_language())))


def _status_page(
    tip_number: str, receipt: str, reply_form: ReplyForm | None = None, notice: str | None = None
) -> Response:
    keyring = get_keyring()
    try:
        tip = service.find_tip_by_receipt(db.session(), keyring, tip_number, receipt)
    except NotFoundError:
        form = CheckForm(lang=_language())
        return _no_store(render_template("submissions/check.html", form=form, not_found=True), 404)
    status = service.tip_status(keyring, tip)
    reply_form = reply_form or ReplyForm(
        tip_number=tip.tip_number, receipt=receipt, lang=_language()
    )
    return _no_store(
        render_template(
            "submissions/status.html", status=status, reply_form=reply_form, notice=notice
        )
    )


@bp.post("/check")
@limiter.limit(CHECK_LIMIT)
@limiter.limit(GUESS_LIMIT, key_func=tip_number_key, deduct_when=lambda r: r.status_code == 404)
def check() -> Response:
    """Show a tip's status and thread to whoever holds its receipt."""
    form = CheckForm()
    if not form.validate_on_submit():
        return _no_store(render_template("submissions/check.html", form=form), 400)
    return _status_page(form.tip_number.data or "", form.receipt.data or "")


@bp.post("/check/reply")
@limiter.limit(CHECK_LIMIT)
@limiter.limit(GUESS_LIMIT, key_func=tip_number_key, deduct_when=lambda r: r.status_code == 404)
def reply() -> Response:
    """Add the tipster's message to the thread."""
    form = ReplyForm()
    if not form.validate_on_submit():
        return _status_page(form.tip_number.data or "", form.receipt.data or "", reply_form=form)
    keyring = get_keyring()
    try:
        tip = service.find_tip_by_receipt(
            db.session(), keyring, form.tip_number.data or "", form.receipt.data or ""
        )
    except NotFoundError:
        return _status_page("", "")
    service.add_followup(db.session(), keyring, tip, form.body.data or "", channel="web")
    db.session.commit()
    return _status_page(tip.tip_number, form.receipt.data or "", notice="sent")


@bp.get("/privacy")
def privacy() -> Response:
    """What is and is not kept about a tipster."""
    return _no_store(render_template("submissions/privacy.html"))
