"""Staff fixtures for the related-tips tests."""

from tests.staff.factories import fast_passwords, own_app  # noqa: F401 - fixtures
