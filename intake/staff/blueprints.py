"""The detective workspace's two shared blueprints: the staff API (``staff_api``) and the staff
pages (``staff_pages``).

Queues, tips and the reveal page each add their routes to them, so every endpoint keeps its one
name (``staff_api.get_tip``, ``staff_pages.tip``, ``staff_pages.reveal``);
:func:`intake.staff.pages.register_staff` registers them once every feature's routes are on.
"""

from __future__ import annotations

from intake.api import Blueprint as ApiBlueprint
from intake.blueprints import Blueprint

api_bp = ApiBlueprint(
    "staff_api", __name__, url_prefix="/api/v1/staff", description="The detective workspace."
)
pages_bp = Blueprint("staff_pages", __name__, url_prefix="/staff")
