"""Web forms (Flask-WTF: CSRF-protected, validated server-side, no JavaScript needed)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from intake.submissions.service import LOCATION_TEXT_MAX, NARRATIVE_MAX


class TipForm(FlaskForm):
    """The resident's tip form."""

    narrative = TextAreaField(
        _l("What do you know?"),
        validators=[DataRequired(_l("Tell us what you know.")), Length(max=NARRATIVE_MAX)],
    )
    location_text = StringField(
        _l("Where did it happen? (optional)"),
        validators=[Optional(), Length(max=LOCATION_TEXT_MAX)],
    )
    lat = HiddenField(validators=[Optional(), Regexp(r"^-?\d{1,3}(\.\d{1,10})?$")])
    lon = HiddenField(validators=[Optional(), Regexp(r"^-?\d{1,3}(\.\d{1,10})?$")])
    occurred_at = DateTimeLocalField(
        _l("When did it happen? (optional)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    photo = FileField(_l("Photo (optional)"))
    contact_phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=40)])
    contact_email = StringField(
        _l("Email (optional)"),
        validators=[
            Optional(),
            Email(_l("This email address does not look right.")),
            Length(max=200),
        ],
    )
    contact_name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=120)])
    submission_id = HiddenField(validators=[Optional(), Regexp(r"^[A-Za-z0-9_\-]{16,128}$")])
    lang = HiddenField()


class CheckForm(FlaskForm):
    """Tip number and receipt, to come back to a tip."""

    tip_number = StringField(_l("Tip number"), validators=[DataRequired(), Length(max=20)])
    receipt = StringField(_l("Receipt"), validators=[DataRequired(), Length(max=40)])
    lang = HiddenField()


class ReplyForm(FlaskForm):
    """An answer or more information, sent from the status page."""

    tip_number = HiddenField(validators=[DataRequired(), Length(max=20)])
    receipt = HiddenField(validators=[DataRequired(), Length(max=40)])
    body = TextAreaField(
        _l("Add information or answer a question"),
        validators=[DataRequired(_l("Write a message.")), Length(max=NARRATIVE_MAX)],
    )
    lang = HiddenField()
