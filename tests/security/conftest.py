"""Staff fixtures shared by the staff, queue, notify and browser tests."""

from tests.staff.factories import fast_passwords, own_app  # noqa: F401 - fixtures
