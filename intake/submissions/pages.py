"""Public web pages: the tip form, the confirmation, checking back and answering.

They work without JavaScript, set no cookie but the CSRF token's, and are never cached: the
confirmation and status pages show secrets.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Response, make_response, render_template, request, session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from intake.blueprints import Blueprint
from intake.crypto import keyed_digest
from intake.errors import IntakeError, InvalidInputError, NotFoundError, handle_http_exception
from intake.extensions import client_key, db, get_keyring, get_settings, limiter
from intake.identity.service import Contact
from intake.lifecycle.service import policy_of
from intake.models import ALERTING_URGENCIES, Tip
from intake.rewards.service import tipster_rewards
from intake.submissions import service
from intake.submissions.forms import MAX_PHOTOS, CheckForm, ReplyForm, TipForm, chosen_files
from intake.submissions.messages import emergency_advice, next_steps
from intake.submissions.views import find_tip_for_client

bp = Blueprint("public", __name__)


def _no_store(html: str, status: int = 200) -> Response:
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _language() -> str:
    return str(get_locale() or "en")


# The pipeline's messages as the resident reads them (the API answers them in English).
SERVICE_MESSAGES = {
    "This file is not a photo we can accept (JPEG, PNG, WebP or HEIC).": _l(
        "This file is not a photo we can accept (JPEG, PNG, WebP or HEIC)."
    ),
    "Not a valid phone number.": _l("This phone number does not look right."),
    "This date is in the future.": _l("This date is in the future."),
    "Tell us what you know.": _l("Tell us what you know."),
    "Write a message.": _l("Write a message."),
}


def _translated(messages: list[str]) -> list[str]:
    return [str(SERVICE_MESSAGES.get(m, _("Please check this field."))) for m in messages]


def _tip_form(**kwargs: object) -> TipForm:
    settings = get_settings()
    return TipForm(timezone=settings.timezone, region=settings.default_region, **kwargs)


def _form_page(
    form: TipForm, status: int = 200, dropped: list[str] | None = None, already_sent: bool = False
) -> Response:
    """The form, with every problem listed and any chosen photo named to choose again."""
    return _no_store(
        render_template(
            "submissions/form.html",
            form=form,
            already_sent=already_sent,
            dropped_photos=dropped or [],
            narrative_max=service.NARRATIVE_MAX,
            max_photos=MAX_PHOTOS,
        ),
        status,
    )


def _field_errors(form: TipForm, error: IntakeError) -> None:
    """Show a service's validation messages next to the form fields, in the page's language."""
    mapping = {
        "narrative": form.narrative,
        "location": form.location_text,
        "occurred_at": form.occurred_at,
        "photo": form.photo,
    }
    for name, messages in (error.fields or {}).items():
        if name == "contact" and isinstance(messages, dict):
            form.contact_phone.errors = _translated(list(messages.get("phone", [])))
            continue
        target = mapping.get(name)
        if target is not None and isinstance(messages, list):
            target.errors = _translated(list(messages))


@bp.get("/")
def tip_form() -> Response:
    """The tip form."""
    return _form_page(_tip_form(submission_id=secrets.token_urlsafe(24), lang=_language()))


# A library, a shelter or a phone carrier puts many residents behind one address: the form's limit
# per address is wide, and each browser session (its CSRF secret) has a narrower one of its own.
WEB_ADDRESS_LIMIT = "60 per hour"
WEB_SESSION_LIMIT = "10 per hour"


def _form_session_key() -> str:
    """Rate-limit key of one browser session: a keyed digest of its CSRF secret."""
    secret = str(session.get("csrf_token") or "")
    if not secret:
        return client_key("form")  # no session yet: CSRF refuses it anyway
    return "fs:" + keyed_digest(get_keyring(), "ratelimit", f"form:{secret}")[:32]


@bp.post("/")
@limiter.limit(WEB_ADDRESS_LIMIT)
@limiter.limit(WEB_SESSION_LIMIT, key_func=_form_session_key)
def submit() -> Response:
    """Receive the form; show the tip number and receipt."""
    form = _tip_form()
    uploads = chosen_files(form.photo)
    # A browser cannot refill a file input: name what was chosen so it can be chosen again.
    dropped = [str(upload.filename) for upload in uploads]
    if not form.validate_on_submit():
        return _form_page(form, 400, dropped)
    images = tuple(upload.read() for upload in uploads)
    occurred_at = None
    if form.occurred_at.data:
        zone = ZoneInfo(get_settings().timezone)
        occurred_at = form.occurred_at.data.replace(tzinfo=zone).astimezone(UTC)
    lat = float(form.lat.data) if form.lat.data and form.lon.data else None
    lon = float(form.lon.data) if form.lat.data and form.lon.data else None
    contact = Contact(
        phone=form.contact_phone.data or None,
        email=form.contact_email.data or None,
        name=form.contact_name.data or None,
        notify_by=form.notify_by.data or None,
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
    except service.IdempotencyConflictError:
        # This page was sent before with other content (back, edit, send): nothing is replayed.
        # A fresh form id, so sending what is on the page now makes a new tip.
        form.submission_id.data = secrets.token_urlsafe(24)
        return _form_page(form, 409, dropped, already_sent=True)
    except InvalidInputError as error:
        _field_errors(form, error)
        return _form_page(form, 400, dropped)
    return _no_store(
        render_template(
            "submissions/submitted.html",
            created=created,
            photo_count=len(images),
            advice=(
                emergency_advice(created.language)
                if created.urgency in ALERTING_URGENCIES
                else None
            ),
            next_steps=next_steps(created.language),
        )
    )


@bp.errorhandler(429)
def too_many_tips(error: HTTPException) -> Response | tuple[str, int]:
    """Over the form's limit: the typed text stays, with when to try again and who else to call."""
    if request.endpoint != "public.submit":
        return handle_http_exception(error)
    form = _tip_form()
    form.submission_id.data = form.submission_id.data or secrets.token_urlsafe(24)
    current = limiter.current_limit
    retry_at = None
    if current is not None:
        retry_at = datetime.fromtimestamp(current.reset_at, UTC).astimezone(
            ZoneInfo(get_settings().timezone)
        )
    dropped = [str(upload.filename) for upload in chosen_files(form.photo)]
    page = render_template(
        "submissions/form.html",
        form=form,
        dropped_photos=dropped,
        narrative_max=service.NARRATIVE_MAX,
        max_photos=MAX_PHOTOS,
        rate_limited=True,
        retry_at=retry_at.strftime("%H:%M") if retry_at else None,
    )
    response = _no_store(page, 429)
    if current is not None:
        response.headers["Retry-After"] = str(max(int(current.reset_at - time.time()), 1))
    return response


@bp.post("/form")
def switch_language() -> Response:
    """The form again, in the language chosen, with what was typed (nothing is saved)."""
    form = _tip_form()
    form.submission_id.data = form.submission_id.data or secrets.token_urlsafe(24)
    return _form_page(form)


@bp.get("/check")
def check_form() -> Response:
    """The page to come back to a tip."""
    return _no_store(render_template("submissions/check.html", form=CheckForm(lang=_language())))


def _not_found_page() -> Response:
    form = CheckForm(lang=_language())
    return _no_store(render_template("submissions/check.html", form=form, not_found=True), 404)


def _status_page(
    tip_number: str,
    receipt: str,
    reply_form: ReplyForm | None = None,
    notice: str | None = None,
    draft: str | None = None,
) -> Response:
    try:
        tip = find_tip_for_client(tip_number, receipt)
    except NotFoundError:
        return _not_found_page()
    return _render_status(tip, receipt, reply_form, notice, draft)


def _render_status(
    tip: Tip,
    receipt: str,
    reply_form: ReplyForm | None = None,
    notice: str | None = None,
    draft: str | None = None,
    http_status: int = 200,
) -> Response:
    status = service.tip_status(get_keyring(), tip)
    rewards = tipster_rewards(db.session(), get_keyring(), tip)
    reply_form = reply_form or ReplyForm(
        formdata=None,
        tip_number=tip.tip_number,
        receipt=receipt,
        reply_id=secrets.token_urlsafe(24),
        body=draft or "",
        lang=_language(),
    )
    return _no_store(
        render_template(
            "submissions/status.html",
            status=status,
            rewards=rewards,
            reply_form=reply_form,
            notice=notice,
            has_contact=tip.reporter_id is not None,
        ),
        http_status,
    )


@bp.post("/check")
def check() -> Response:
    """Show a tip's status and thread to whoever holds its receipt."""
    form = CheckForm()
    if not form.validate_on_submit():
        return _no_store(render_template("submissions/check.html", form=form), 400)
    # A language switch from the status page posts the half-written answer along: keep it.
    draft = request.form.get("body")
    return _status_page(form.tip_number.data or "", form.receipt.data or "", draft=draft)


@bp.post("/check/reply")
def reply() -> Response:
    """Add the tipster's message to the thread."""
    form = ReplyForm()
    if not form.validate_on_submit():
        return _status_page(form.tip_number.data or "", form.receipt.data or "", reply_form=form)
    try:
        tip = find_tip_for_client(form.tip_number.data or "", form.receipt.data or "")
    except NotFoundError:
        return _not_found_page()
    keyring = get_keyring()
    images = tuple(upload.read() for upload in chosen_files(form.photo))
    if service.claim_followup_key(db.session(), keyring, tip, form.reply_id.data or None):
        try:
            service.add_followup(
                db.session(), keyring, tip, form.body.data or "", channel="web", images=images
            )
        except InvalidInputError as error:
            form.photo.errors = _translated(list((error.fields or {}).get("photo", [])))
            form.body.errors = _translated(list((error.fields or {}).get("body", [])))
            return _render_status(tip, form.receipt.data or "", reply_form=form, http_status=400)
    return _render_status(tip, form.receipt.data or "", notice="sent")


@bp.get("/privacy")
def privacy() -> Response:
    """What is and is not kept about a tipster."""
    return _no_store(
        render_template("submissions/privacy.html", retention=policy_of(get_settings()))
    )
