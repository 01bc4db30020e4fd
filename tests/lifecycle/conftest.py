"""Lifecycle fixtures: staff accounts from the staff factories, the SMS app from the channels."""

from tests.channels.conftest import (  # noqa: F401 - fixtures
    build_app,
    no_name_resolution,
    sms_app,
    sms_client,
    twilio_stub,
)
from tests.staff.factories import fast_passwords, own_app  # noqa: F401 - fixtures
