"""A tip's history and the audit log never name a linked tip the viewer may not see.

The social-media team forwards an officer-conduct complaint (oversight's queue) and then the
same post from someone else (a district queue). The two tips are linked as the same incident.
The district's detective and the supervisors must not learn, from the second tip's history or
the audit log, that a tip they cannot open exists about that post: for a supervisor, an unseen
tip is an oversight complaint.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import bearer, make_user

pytestmark = pytest.mark.usefixtures("fast_passwords")

LINK = "https://www.facebook.com/PortAlderPD/posts/pfbid0Xq7"
COMPLAINT = "Officer Brandt beat a man during the arrest at Alder Park, police brutality."
ORDINARY = "There was a fight at Alder Park near the gym and someone stole a bike there."


@pytest.fixture
def linked(client, session, keyring) -> SimpleNamespace:
    people = SimpleNamespace(
        social=make_user(session, keyring, "soc", "social_media"),
        sup=make_user(session, keyring, "sup", "supervisor"),
        n1=make_user(session, keyring, "det-n1", "detective", ("N1",)),
        ia=make_user(session, keyring, "ia", "oversight"),
    )

    def forward(text: str) -> dict[str, str]:
        body = {"platform": "facebook", "url": LINK, "text": text}
        response = client.post("/api/v1/staff/forwards", json=body, headers=bearer(people.social))
        assert response.status_code == 201
        return response.get_json()

    complaint, ordinary = forward(COMPLAINT), forward(ORDINARY)
    assert complaint["queue"] == "oversight" and ordinary["queue"] == "N1"
    assert ordinary["forwarded_before"] == complaint["tip_number"]  # the link exists
    people.hidden, people.shown = complaint["tip_number"], ordinary["tip_number"]
    return people


@pytest.mark.parametrize("who", ["n1", "sup"])
def test_the_tip_history_does_not_name_the_hidden_linked_tip(client, linked, who):
    response = client.get(
        f"/api/v1/staff/tips/{linked.shown}", headers=bearer(getattr(linked, who))
    )
    assert response.status_code == 200
    assert linked.hidden not in json.dumps(response.get_json())


def test_the_tip_page_does_not_name_it_either(own_app, session, linked):
    web = _signed_in(own_app(), session, linked.sup)
    page = web.get(f"/staff/tips/{linked.shown}")
    assert page.status_code == 200
    assert linked.hidden not in page.get_data(as_text=True)


def test_the_audit_log_does_not_name_it(client, linked):
    page = client.get("/api/v1/staff/audit?limit=500", headers=bearer(linked.sup))
    assert page.status_code == 200
    assert linked.hidden not in json.dumps(page.get_json())


def test_once_both_tips_are_visible_the_link_is_named_again(client, linked):
    # Oversight sends the complaint back to the district: now the detective may see both.
    moved = client.patch(
        f"/api/v1/staff/tips/{linked.hidden}",
        json={"queue": "N1", "reason": "Not about an officer"},
        headers=bearer(linked.ia),
    )
    assert moved.status_code == 200
    response = client.get(f"/api/v1/staff/tips/{linked.shown}", headers=bearer(linked.n1))
    history = response.get_json()["history"]
    assert [e["details"]["other_tip"] for e in history if e["action"] == "tip.link_confirmed"] == [
        linked.hidden
    ]
