"""Staff fixtures shared by the on-call tests."""

from tests.staff.factories import fast_passwords, own_app  # noqa: F401 - fixtures
