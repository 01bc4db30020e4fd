"""The oversight queue is the oversight role's alone: supervisors, detectives (whatever their
memberships) and admins see it in no listing, count, page, search, export or audit entry."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from intake.audit.service import verify_chain
from intake.models import AuditEvent, Queue, Tip, User
from intake.staff import service as staff_service
from tests.queues.test_audit_page import _signed_in
from tests.staff.factories import N1_POINT, bearer, make_tip, make_user, totp_now

pytestmark = pytest.mark.usefixtures("fast_passwords")

COMPLAINT = "Officer Brandt harassed me at the traffic stop on Elm, it was abuse of power."


@pytest.fixture
def people(session, keyring) -> SimpleNamespace:
    """A supervisor, an oversight investigator, a detective and an admin."""
    return SimpleNamespace(
        sup=make_user(session, keyring, "sup", "supervisor"),
        ia=make_user(session, keyring, "ia", "oversight"),
        ia2=make_user(session, keyring, "ia2", "oversight"),
        det=make_user(session, keyring, "det", "detective", ("N1",)),
        admin=make_user(session, keyring, "adm", "admin"),
    )


@pytest.fixture
def complaint(session, keyring) -> SimpleNamespace:
    """An officer-conduct tip (in the oversight queue) and an ordinary N1 tip."""
    conduct = make_tip(session, keyring, N1_POINT, narrative=COMPLAINT, channel="web")
    ordinary = make_tip(session, keyring, N1_POINT)
    assert conduct.queue_code == "oversight" and ordinary.queue_code == "N1"
    return SimpleNamespace(conduct=conduct.tip_number, ordinary=ordinary.tip_number)


def _api_view(client, created) -> dict[str, object]:
    """What one account sees of the queues through every listing, count and search."""
    headers = bearer(created)
    return {
        "queues": [
            q["code"] for q in client.get("/api/v1/staff/queues", headers=headers).json["items"]
        ],
        "all": [
            t["tip_number"] for t in client.get("/api/v1/staff/tips", headers=headers).json["items"]
        ],
        "by_category": [
            t["tip_number"]
            for t in client.get(
                "/api/v1/staff/tips?category=officer_conduct", headers=headers
            ).json["items"]
        ],
        "queue_listing": client.get(
            "/api/v1/staff/queues/oversight/tips", headers=headers
        ).status_code,
    }


def test_supervisors_see_the_oversight_queue_nowhere(client, session, keyring, people, complaint):
    seen = _api_view(client, people.sup)
    assert "oversight" not in seen["queues"] and "N1" in seen["queues"]
    assert seen["all"] == [complaint.ordinary]
    assert seen["by_category"] == []
    assert seen["queue_listing"] == 404
    headers = bearer(people.sup)
    base = f"/api/v1/staff/tips/{complaint.conduct}"
    assert client.get(base, headers=headers).status_code == 404
    assert client.post(f"{base}/claim", headers=headers).status_code == 404
    assert client.post(f"{base}/notes", json={"body": "x"}, headers=headers).status_code == 404
    reveal = client.post(
        f"{base}/reveal",
        json={"reason": "Internal review now", "totp": totp_now(people.sup)},
        headers=headers,
    )
    assert reveal.status_code == 404
    assert (
        client.get(f"/api/v1/staff/audit?tip={complaint.conduct}", headers=headers).status_code
        == 404
    )


def test_only_oversight_sees_it_and_nothing_else(client, session, keyring, people, complaint):
    seen = _api_view(client, people.ia)
    assert seen == {
        "queues": ["oversight"],
        "all": [complaint.conduct],
        "by_category": [complaint.conduct],
        "queue_listing": 200,
    }
    headers = bearer(people.ia)
    assert client.get(f"/api/v1/staff/tips/{complaint.conduct}", headers=headers).status_code == 200
    assert (
        client.get(f"/api/v1/staff/tips/{complaint.ordinary}", headers=headers).status_code == 404
    )


def test_a_queue_membership_does_not_open_the_oversight_queue(
    client, session, keyring, people, complaint
):
    # An administrator's mistake (or an insider's) must not route complaints to a detective.
    detective = session.get(User, people.det.user.id)
    staff_service.add_queue(session, detective, "oversight")
    session.commit()
    assert "oversight" in {q.code for q in session.get(User, people.det.user.id).queues}
    seen = _api_view(client, people.det)
    assert seen["queues"] == ["N1"] and complaint.conduct not in seen["all"]
    assert seen["queue_listing"] == 404
    assert (
        client.get(
            f"/api/v1/staff/tips/{complaint.conduct}", headers=bearer(people.det)
        ).status_code
        == 404
    )


def test_supervisor_pages_show_no_oversight_tip(own_app, session, keyring, people, complaint):
    web = own_app()
    client = _signed_in(web, session, people.sup)
    home = client.get("/staff/").get_data(as_text=True)
    assert "oversight" not in home.lower() and complaint.conduct not in home
    assert client.get("/staff/queues/oversight").status_code == 404
    assert client.get(f"/staff/tips/{complaint.conduct}").status_code == 404
    audit = client.get("/staff/audit/").get_data(as_text=True)
    assert complaint.conduct not in audit and complaint.ordinary in audit
    assert "1 event about tips outside your queues" in audit  # the complaint's submission

    ia = _signed_in(web, session, people.ia)
    assert complaint.conduct in ia.get("/staff/queues/oversight").get_data(as_text=True)
    page = ia.get(f"/staff/tips/{complaint.conduct}").get_data(as_text=True)
    assert "abuse of power" in page and 'id="reveal"' in page  # oversight may reveal here
    assert ia.get(f"/staff/tips/{complaint.ordinary}").status_code == 404


def test_audit_log_keeps_oversight_events_but_not_their_details(
    client, session, keyring, people, complaint
):
    ia = bearer(people.ia)
    client.get(f"/api/v1/staff/tips/{complaint.conduct}", headers=ia)
    revealed = client.post(
        f"/api/v1/staff/tips/{complaint.conduct}/reveal",
        json={"reason": "Complainant interview", "totp": totp_now(people.ia)},
        headers=ia,
    )
    assert revealed.status_code == 200
    client.get(f"/api/v1/staff/audit?tip={complaint.conduct}", headers=ia)

    page = client.get("/api/v1/staff/audit?limit=500", headers=bearer(people.sup)).json
    text = json.dumps(page)
    assert complaint.conduct not in text and "Complainant interview" not in text
    assert '"ia"' not in text and "identity.revealed" not in text
    restricted = [i for i in page["items"] if i["action"] == "restricted"]
    # submitted, viewed, revealed, and the oversight user's export of that tip's log
    assert len(restricted) == 4
    assert all(
        i["actor"] is None and i["details"] == {} and i["tip_number"] is None for i in restricted
    )
    seqs = [i["seq"] for i in page["items"]]
    assert seqs == list(range(max(seqs), 0, -1))  # no gap: the chain stays checkable
    assert verify_chain(session) is None
    reveals = client.get("/api/v1/staff/audit?view=reveals", headers=bearer(people.sup)).json
    assert reveals["items"] == []

    # Oversight sees its own events in full, and ordinary tips' events only as placeholders.
    own = client.get("/api/v1/staff/audit?limit=500", headers=ia).json
    actions = {i["action"] for i in own["items"] if i["tip_number"] == complaint.conduct}
    assert {"tip.submitted", "tip.viewed", "identity.revealed"} <= actions
    assert complaint.ordinary not in json.dumps(own)
    ia_reveals = client.get("/api/v1/staff/audit?view=reveals", headers=ia).json["items"]
    assert [(i["action"], i["tip_number"]) for i in ia_reveals] == [
        ("identity.revealed", complaint.conduct)
    ]


def test_the_tip_history_of_a_rerouted_complaint_follows_its_queue(
    client, session, keyring, people, complaint
):
    # Oversight may send a misfiled tip (a commendation, a district matter) back to a district;
    # from then on the district's supervisors see it, and oversight does not.
    response = client.patch(
        f"/api/v1/staff/tips/{complaint.conduct}",
        json={"queue": "N1", "reason": "Not about an officer"},
        headers=bearer(people.ia),
    )
    assert response.status_code == 200
    assert (
        client.get(
            f"/api/v1/staff/tips/{complaint.conduct}", headers=bearer(people.sup)
        ).status_code
        == 200
    )
    assert (
        client.get(f"/api/v1/staff/tips/{complaint.conduct}", headers=bearer(people.ia)).status_code
        == 404
    )
    tip = session.scalar(select(Tip).where(Tip.tip_number == complaint.conduct))
    assert session.get(Queue, tip.queue_id).code == "N1"
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "tip.rerouted"))
    assert (event.details["from"], event.details["to"]) == ("oversight", "N1")


@pytest.mark.parametrize("role", ["admin", "social_media"])
def test_other_roles_see_no_queue(client, session, keyring, people, complaint, role):
    created = people.admin if role == "admin" else make_user(session, keyring, "soc", role)
    assert client.get("/api/v1/staff/tips", headers=bearer(created)).status_code == 403


# role -> (sees the oversight tip, sees the N1 tip); a detective is a member of N1 (and, by
# mistake, of oversight), the others of nothing.
MATRIX = {
    "detective": (False, True),
    "supervisor": (False, True),
    "oversight": (True, False),
    "social_media": (False, False),
    "admin": (False, False),
    "prosecutor": (False, False),
}


def test_the_role_matrix_covers_every_role():
    from intake.models.staff import ROLES

    assert set(MATRIX) == set(ROLES)


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_role_by_queue_matrix(own_app, session, keyring, complaint, role):
    web = own_app()
    created = make_user(
        session, keyring, f"m-{role}", role, ("N1", "oversight") if role == "detective" else ()
    )
    api = web.test_client()
    page = _signed_in(web, session, created)
    for number, expected in zip((complaint.conduct, complaint.ordinary), MATRIX[role], strict=True):
        api_status = api.get(f"/api/v1/staff/tips/{number}", headers=bearer(created)).status_code
        page_status = page.get(f"/staff/tips/{number}").status_code
        if expected:
            assert (api_status, page_status) == (200, 200), number
        else:
            # Not visible: 404 (as if it did not exist) for workspace roles, 403 for the others.
            assert api_status in (403, 404) and page_status in (403, 404), number
            assert (api_status == 403) == (role in ("social_media", "admin"))
