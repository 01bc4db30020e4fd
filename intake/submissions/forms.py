"""Web forms (Flask-WTF: CSRF-protected, validated server-side, no JavaScript needed).

Every check the pipeline makes on a field is also made here, so one round shows every problem at
once, in the resident's language.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateTimeLocalField,
    Field,
    HiddenField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from intake.errors import InvalidInputError
from intake.identity.service import normalise_phone
from intake.submissions.service import LOCATION_TEXT_MAX, NARRATIVE_MAX

MAX_PHOTOS = 5
NARRATIVE_MAX_TEXT = f"{NARRATIVE_MAX:,}"
NARRATIVE_TOO_LONG = _l(
    "Your tip is longer than %(max)s characters. Shorten it, or send the rest as a message "
    "once you have your tip number.",
    max=NARRATIVE_MAX_TEXT,
)
KEY = Regexp(r"^[A-Za-z0-9_\-]{16,128}$")


class TipForm(FlaskForm):
    """The resident's tip form."""

    narrative = TextAreaField(
        _l("What do you know?"),
        validators=[
            DataRequired(_l("Tell us what you know.")),
            Length(max=NARRATIVE_MAX, message=NARRATIVE_TOO_LONG),
        ],
    )
    location_text = StringField(
        _l("Where did it happen? (optional)"),
        validators=[
            Optional(),
            Length(
                max=LOCATION_TEXT_MAX,
                message=_l("Keep the place under %(max)s characters.", max=LOCATION_TEXT_MAX),
            ),
        ],
    )
    lat = HiddenField(validators=[Optional(), Regexp(r"^-?\d{1,3}(\.\d{1,10})?$")])
    lon = HiddenField(validators=[Optional(), Regexp(r"^-?\d{1,3}(\.\d{1,10})?$")])
    occurred_at = DateTimeLocalField(
        _l("When did it happen? (optional)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional()],
    )
    photo = MultipleFileField(_l("Photos (optional)"))
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
    notify_by = RadioField(
        _l("Tell me when a detective writes"),
        choices=[
            SelectChoice("", _l("No, I will check back myself")),
            SelectChoice("sms", _l("Yes, by a text message to the phone above")),
            SelectChoice("email", _l("Yes, by an email to the address above")),
        ],
        default="",
        validate_choice=True,
    )
    submission_id = HiddenField(validators=[Optional(), KEY])
    lang = HiddenField()

    def __init__(self, *args: Any, timezone: str = "UTC", region: str = "US", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._zone = ZoneInfo(timezone)
        self._region = region

    def validate_occurred_at(self, field: Field) -> None:
        """A time in the city's zone that has already happened."""
        if field.data and field.data.replace(tzinfo=self._zone) > datetime.now(UTC):
            raise ValidationError(_l("This date is in the future."))

    def validate_contact_phone(self, field: Field) -> None:
        """A phone number that could be dialled."""
        if field.data:
            try:
                normalise_phone(field.data, self._region)
            except InvalidInputError:
                raise ValidationError(_l("This phone number does not look right.")) from None

    def validate_notify_by(self, field: Field) -> None:
        """A notice needs the contact it goes to."""
        if field.data == "sms" and not self.contact_phone.data:
            raise ValidationError(_l("Give a phone number above for a text message."))
        if field.data == "email" and not self.contact_email.data:
            raise ValidationError(_l("Give an email address above for an email."))

    def validate_photo(self, field: Field) -> None:
        """At most MAX_PHOTOS files."""
        if len(chosen_files(field)) > MAX_PHOTOS:
            raise ValidationError(_l("Choose at most %(count)s photos.", count=MAX_PHOTOS))


def chosen_files(field: Field) -> list[Any]:
    """The files a file input really carries (a browser sends one empty part for none)."""
    return [f for f in (field.data or []) if getattr(f, "filename", "")]


class CheckForm(FlaskForm):
    """Tip number and receipt, to come back to a tip."""

    tip_number = StringField(_l("Tip number"), validators=[DataRequired(), Length(max=20)])
    receipt = StringField(_l("Secret code"), validators=[DataRequired(), Length(max=40)])
    lang = HiddenField()


class ReplyForm(FlaskForm):
    """An answer or more information, sent from the status page."""

    tip_number = HiddenField(validators=[DataRequired(), Length(max=20)])
    receipt = HiddenField(validators=[DataRequired(), Length(max=40)])
    # One key per rendered form: sending the same form twice (a refresh) adds the message once.
    reply_id = HiddenField(validators=[Optional(), KEY])
    body = TextAreaField(
        _l("Add information or answer a question"),
        validators=[
            DataRequired(_l("Write a message.")),
            Length(max=NARRATIVE_MAX, message=NARRATIVE_TOO_LONG),
        ],
    )
    photo = MultipleFileField(_l("Photos (optional)"))
    lang = HiddenField()

    def validate_photo(self, field: Field) -> None:
        """At most MAX_PHOTOS files."""
        if len(chosen_files(field)) > MAX_PHOTOS:
            raise ValidationError(_l("Choose at most %(count)s photos.", count=MAX_PHOTOS))
