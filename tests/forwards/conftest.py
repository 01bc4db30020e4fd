"""Staff fixtures for the forwarding tests."""

from tests.staff.factories import fast_passwords, own_app  # noqa: F401 - fixtures
