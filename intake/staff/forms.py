"""Staff login forms (CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

# ASCII digits only (``\d`` would also match other scripts' digits).
SIX_DIGITS = Regexp(r"^\s*[0-9]{3}\s?[0-9]{3}\s*$", message="Six digits.")


class LoginForm(FlaskForm):
    """Username and password: the first factor."""

    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class CodeForm(FlaskForm):
    """The six-digit code from the authenticator app: the second factor."""

    code = StringField(
        "Code from your authenticator app",
        validators=[DataRequired(), SIX_DIGITS],
    )
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Logging out is a POST with a CSRF token, so no other site can log a user out."""


class EnrolForm(FlaskForm):
    """First login through an enrolment link: choose a password, confirm the TOTP entry."""

    password = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        "The same password again",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    code = StringField("Code from your authenticator app", validators=[DataRequired(), SIX_DIGITS])


class PasswordChangeForm(FlaskForm):
    """Change the password: both current factors, the new password twice."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=200)]
    )
    code = StringField("Code from your authenticator app", validators=[DataRequired(), SIX_DIGITS])
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField(
        "The new password again",
        validators=[DataRequired(), EqualTo("new_password", message="The two passwords differ.")],
    )


class TotpChangeForm(FlaskForm):
    """Move the second factor to a new authenticator entry."""

    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=200)]
    )
    code = StringField("Code from your current entry", validators=[DataRequired(), SIX_DIGITS])
    new_secret = HiddenField(validators=[DataRequired(), Length(max=64)])
    new_code = StringField("Code from the new entry", validators=[DataRequired(), SIX_DIGITS])
