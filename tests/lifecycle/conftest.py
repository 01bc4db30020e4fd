"""Lifecycle fixtures: staff accounts come from the staff factories."""

from tests.staff.factories import fast_passwords, own_app  # noqa: F401 - fixtures
