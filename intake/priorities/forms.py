"""The priorities form (Flask-WTF: CSRF-protected, validated on the server, no script needed)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from intake.priorities.rules import FREE_TEXT_MAX, MAX_CONCERNS, concerns_problem


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PrioritiesForm(FlaskForm):
    """Up to three concerns for a district, and optional words of one's own."""

    district = RadioField(
        _l("Your district"), validators=[DataRequired(_l("Choose your district."))]
    )
    concerns = CheckboxesField(_l("Your concerns"), validators=[Optional()])
    free_text = TextAreaField(
        _l("Something else? In your own words (optional)"),
        validators=[
            Optional(),
            Length(
                max=FREE_TEXT_MAX,
                message=_l("Keep it under %(max)s characters.", max=FREE_TEXT_MAX),
            ),
        ],
    )
    lang = HiddenField()

    def __init__(
        self,
        *args: Any,
        districts: list[tuple[str, str]],
        categories: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.district.choices = districts
        self.concerns.choices = categories

    def validate_concerns(self, field: CheckboxesField) -> None:
        """One to three concerns, or some words of one's own."""
        problem = concerns_problem(list(field.data or []), self.free_text.data or "")
        if problem == "too_many":
            raise ValidationError(_l("Choose at most %(n)s concerns.", n=MAX_CONCERNS))
        if problem == "none":
            raise ValidationError(_l("Choose a concern, or write one in your own words."))
