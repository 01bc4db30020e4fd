"""Staff fixtures shared by the staff, queue, notify and browser tests."""

from tests.staff.factories import fast_passwords  # noqa: F401 - fixture
