"""Staff pages of the social-media team: the forwarding form, and the status of its forwards.

Server-rendered, no script. The answer to a forward carries the tip's secret code once: it is
never flashed or redirected, and the page is not cached.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from intake.blueprints import Blueprint
from intake.errors import IntakeError
from intake.extensions import db, get_keyring, get_settings
from intake.forwards import service
from intake.forwards.messages import forward_answer
from intake.forwards.rules import PLATFORMS
from intake.staff.access import current_user
from intake.staff.rendering import flash_error, staff_page
from intake.submissions.service import NARRATIVE_MAX

forward_bp = Blueprint("staff_forward_pages", __name__, url_prefix="/staff/forward")
forwards_bp = Blueprint("staff_forwards_pages", __name__, url_prefix="/staff/forwards")


class ForwardForm(FlaskForm):
    """A post, comment or DM to turn into a tip."""

    platform = SelectField("Platform", choices=[SelectChoice(p) for p in PLATFORMS])
    url = StringField("Link to the post", validators=[Optional(), Length(max=2000)])
    handle = StringField("Sender's handle", validators=[Optional(), Length(max=200)])
    text = TextAreaField("Text of the post", validators=[DataRequired(), Length(max=NARRATIVE_MAX)])
    posted_at = DateTimeLocalField(
        "Posted at (local time)", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    photo = FileField("Image (optional)")


@forward_bp.get("/")
def forward_form() -> Response:
    """The forwarding form of the social-media team."""
    return staff_page("staff/forward.html", form=ForwardForm())


@forward_bp.post("/")
def forward_submit() -> Response:
    """Make a tip of a forwarded post."""
    form = ForwardForm()
    if not form.validate_on_submit():
        return staff_page("staff/forward.html", 400, form=form)
    posted_at = None
    if form.posted_at.data:
        zone = ZoneInfo(get_settings().timezone)
        posted_at = form.posted_at.data.replace(tzinfo=zone).astimezone(UTC)
    images: tuple[bytes, ...] = ()
    upload = form.photo.data
    if upload and getattr(upload, "filename", ""):
        images = (upload.read(),)
    try:
        forward = service.forward_post(
            db.session(),
            get_keyring(),
            current_user(),
            service.ForwardedPost(
                platform=form.platform.data or "other",
                url=form.url.data or None,
                handle=form.handle.data or None,
                text=form.text.data or "",
                posted_at=posted_at,
                images=images,
            ),
            default_region=get_settings().default_region,
        )
    except IntakeError as error:
        flash_error(error)  # a 400: the request's unit of work rolls back
        return staff_page("staff/forward.html", 400, form=form)
    created = forward.tip
    flash(f"Tip {created.tip_number} created in queue {created.queue_code}.", "notice")
    # The receipt exists only now (stored as a digest): it is shown on this one answer, never in
    # the session's flash store or a redirect, and the page is not cached.
    response = staff_page(
        "staff/forward.html",
        form=ForwardForm(formdata=None),
        created=_pasteable(created),
        forward=forward,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _pasteable(created: Any) -> dict[str, str]:
    """The tip number, receipt and the replies to paste back, in English and Spanish."""
    answer = forward_answer(
        created.tip_number, created.receipt or "", get_settings().public_base_url
    )
    return {"tip_number": created.tip_number, **answer}


@forwards_bp.get("")
def forwards() -> Response:
    """What the user forwarded, newest first, each with its status in words."""
    page = service.list_forwards(
        db.session(), current_user(), cursor=(request.args.get("cursor") or "")[:200] or None
    )
    return staff_page("staff/forwards.html", page=page)
