"""Staff login forms (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp


class LoginForm(FlaskForm):
    """Username and password: the first factor."""

    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class CodeForm(FlaskForm):
    """The six-digit code from the authenticator app: the second factor."""

    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired(), Regexp(r"^\s*[0-9]{3}\s?[0-9]{3}\s*$", message="Six digits.")],
    )
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Logging out is a POST with a CSRF token, so no other site can log a user out."""
