"""Messaging channels: provider webhooks turned into tips and follow-ups, and their senders."""

from __future__ import annotations

from flask import Flask


def register_senders(app: Flask) -> None:
    """Make the outbox deliver each messaging channel's rows through its provider."""
    from intake.channels.meta_sender import register_meta_senders
    from intake.channels.twilio_sender import register as register_twilio
    from intake.channels.web_notice import register_web_notice_sender
    from intake.channels.x_sender import register_x_sender

    register_twilio(app)
    register_web_notice_sender()
    register_meta_senders(app)
    register_x_sender(app)
