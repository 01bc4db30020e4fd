"""Fixtures shared by the on-call tests: staff accounts, the Twilio stand-in, the SMTP stub."""

from tests.channels.conftest import twilio_stub  # noqa: F401 - fixture
from tests.notify.test_service import smtp_server  # noqa: F401 - fixture
from tests.staff.factories import fast_passwords, own_app  # noqa: F401 - fixtures
