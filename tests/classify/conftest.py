"""Staff fixtures for the retraining tests (a correction is made on the tip page)."""

from tests.staff.factories import fast_passwords, own_app  # noqa: F401 - fixtures
