"""After tips with known identities and narratives, none of them is in clear anywhere."""

from __future__ import annotations

import io
import logging
import re

import pytest
from sqlalchemy import select

from intake.models import Place
from tests.factories import jpeg_with_gps
from tests.privacy_scan import find_in_database, find_in_sqlite_files, find_in_text
from tests.submissions.test_pages import csrf_token, hidden

PHONE = "+1 617 555 0199"
PHONE_DIGITS = "6175550199"
EMAIL = "witness.lopez@example.org"
NAME = "Marisol Quintanilla"
NARRATIVES = [
    "Quintanilla's cousin Darnell hides the rifle under the porch at 41 Cedar Lane",
    "El vecino del 3B guarda cocaina en la lavanderia del sotano",
]
LOCATION = "behind the laundromat on Cedar Lane"
FOLLOWUP = "He drives a green Chevy Tahoe with a cracked windshield"
CLIENT_ADDRESS = "203.0.113.77"
USER_AGENT = "Mozilla/5.0 (Linux; Android 9; SM-J260T1) UniqueAgent/77.1"


def test_no_identity_narrative_address_or_agent_is_stored_or_logged(
    client, session, app, caplog, database_url
) -> None:
    photo = jpeg_with_gps()
    caplog.set_level(logging.DEBUG)
    environ = {"REMOTE_ADDR": CLIENT_ADDRESS}
    headers = {"User-Agent": USER_AGENT}

    api = client.post(
        "/api/v1/tips",
        environ_base=environ,
        headers=headers,
        json={
            "narrative": NARRATIVES[0],
            "location": {"text": LOCATION},
            "contact": {"phone": PHONE, "email": EMAIL, "name": NAME},
        },
    )
    assert api.status_code == 201
    created = api.get_json()
    followup = client.post(
        f"/api/v1/tips/{created['tip_number']}/followups",
        environ_base=environ,
        headers=headers,
        json={"receipt": created["receipt"], "body": FOLLOWUP},
    )
    assert followup.status_code == 201

    page = client.get("/?lang=es", environ_base=environ, headers=headers).get_data(as_text=True)
    web = client.post(
        "/",
        environ_base=environ,
        headers=headers,
        content_type="multipart/form-data",
        data={
            "csrf_token": csrf_token(page),
            "submission_id": hidden(page, "submission_id"),
            "narrative": NARRATIVES[1],
            "contact_phone": PHONE,
            "photo": (io.BytesIO(photo), "IMG_2211.jpg"),
        },
    )
    assert web.status_code == 200
    receipt = re.search(r'id="receipt">([^<]+)<', web.get_data(as_text=True)).group(1)

    needles = [
        PHONE,
        PHONE_DIGITS,
        "+16175550199",
        EMAIL,
        NAME,
        *NARRATIVES,
        LOCATION,
        FOLLOWUP,
        CLIENT_ADDRESS,
        USER_AGENT,
        "UniqueAgent",
        created["receipt"],
        receipt,
        created["receipt"].replace("-", ""),
        "PhoneModel",
    ]
    session.expire_all()
    # The scan can see stored text: the tip number is kept in clear and is found.
    assert find_in_database(session, [created["tip_number"]])
    assert find_in_database(session, needles) == []
    if database_url.startswith("sqlite"):  # the file scan sees stored text too
        assert find_in_sqlite_files(database_url, [created["tip_number"]])
    assert find_in_sqlite_files(database_url, needles) == []
    assert find_in_text(caplog.text, needles) == []


def test_log_filter_redacts_phone_numbers_emails_and_addresses(caplog) -> None:
    caplog.set_level(logging.INFO)
    from intake.logging_setup import RedactingFilter

    logger = logging.getLogger("intake.test")
    handler_filter = RedactingFilter()
    record = logger.makeRecord(
        "intake.test",
        logging.INFO,
        __file__,
        1,
        "from %s <%s> at %s",
        (PHONE, EMAIL, CLIENT_ADDRESS),
        None,
    )
    handler_filter.filter(record)
    message = record.getMessage()
    assert PHONE not in message and EMAIL not in message and CLIENT_ADDRESS not in message
    assert "[phone]" in message and "[email]" in message and "[ip]" in message
    # Tip numbers and ids stay readable for operators.
    record = logger.makeRecord(
        "intake.test", logging.INFO, __file__, 1, "tip %s outbox %s", ("K7QM-4821", 1234), None
    )
    handler_filter.filter(record)
    assert record.getMessage() == "tip K7QM-4821 outbox 1234"


def test_a_traceback_is_redacted_like_the_message() -> None:
    from intake.logging_setup import RedactingFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("intake.test.traceback")
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"cannot send to {PHONE} <{EMAIL}> from {CLIENT_ADDRESS}")
        except ValueError:
            logger.exception("outbox 7 failed unexpectedly")
    finally:
        logger.removeHandler(handler)
    output = stream.getvalue()
    assert "outbox 7 failed unexpectedly" in output and "ValueError" in output
    assert PHONE not in output and EMAIL not in output and CLIENT_ADDRESS not in output


def test_a_database_error_names_no_parameter(session) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError) as raised:
        session.execute(text("SELECT * FROM no_such_table WHERE x = :x"), {"x": "Pier 4 narrative"})
    session.rollback()
    assert "Pier 4 narrative" not in str(raised.value)


# A point inside district S3 of the demo city, more precise than the 0.01° cell kept in clear.
LAT, LON = 44.03127, -70.16485
COORDINATE_TEXTS = [
    "44.03127",
    "-70.16485",
    "44.03127,-70.16485",
    "44.03127, -70.16485",
    "[44.03127, -70.16485]",
]
THREAT = "My stepfather Raul beats my mother every night and said he will kill her tonight"
EVIDENCE_PHRASES = ["kill her", "will kill"]  # what the classifier quotes from THREAT
# The routing reason quotes the place it matched; the gazetteer holds the bare name, in clear.
PLACE_IN_REASON = "'Harbor Market'"


def test_points_places_and_evidence_are_sealed(client, session, caplog, database_url) -> None:
    caplog.set_level(logging.DEBUG)
    pinned = client.post(
        "/api/v1/tips", json={"narrative": THREAT, "location": {"lat": LAT, "lon": LON}}
    )
    assert pinned.status_code == 201
    placed = client.post(
        "/api/v1/tips",
        json={"narrative": "Men sell heroin from a van", "location": {"text": "Harbor Market"}},
    )
    assert placed.status_code == 201

    needles = [*COORDINATE_TEXTS, *EVIDENCE_PHRASES, PLACE_IN_REASON]
    session.expire_all()
    assert find_in_database(session, needles) == []
    # What listing and statistics need stays readable: queue, district and the coarse cell.
    assert find_in_database(session, ["44.03,-70.17"])
    assert find_in_sqlite_files(database_url, needles, numbers=[LAT, LON]) == []
    if database_url.startswith("sqlite"):  # the file scan sees a stored REAL: a place's latitude
        place = session.scalar(select(Place).where(Place.name == "Harbor Market"))
        assert find_in_sqlite_files(database_url, [], numbers=[place.lat])
    assert find_in_text(caplog.text, needles) == []
