"""Twilio SMS adapter on recorded-style form posts, signed with the real RequestValidator."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from webhooks import twilio_sms
from webhooks.base import PayloadError, SignatureError

PAYLOADS = Path(__file__).parent / "payloads"
AUTH_TOKEN = "12345678901234567890123456789012"
PUBLIC_BASE = "https://tips.example.org"
SMS_PATH = "/webhooks/twilio/sms"


def recorded_form(name: str) -> dict[str, str]:
    """A recorded form post, decoded the way Flask decodes ``request.form``."""
    body = (PAYLOADS / name).read_text()
    return dict(parse_qsl(body, keep_blank_values=True))


def twilio_signature(url: str, form: object, token: str = AUTH_TOKEN) -> str:
    """The X-Twilio-Signature Twilio would send for this URL and form."""
    return str(RequestValidator(token).compute_signature(url, form))


# --- signed_url -------------------------------------------------------------------------------


def test_signed_url_keeps_the_raw_query_string() -> None:
    url = twilio_sms.signed_url(PUBLIC_BASE + "/", SMS_PATH, b"lang=es&ref=a%2Bb")
    assert url == "https://tips.example.org/webhooks/twilio/sms?lang=es&ref=a%2Bb"


def test_signed_url_without_query_has_no_question_mark() -> None:
    assert twilio_sms.signed_url(PUBLIC_BASE, "webhooks/twilio/sms", b"") == (
        "https://tips.example.org/webhooks/twilio/sms"
    )


def test_signed_url_keeps_a_base_path_prefix() -> None:
    url = twilio_sms.signed_url("https://example.org/intake/", SMS_PATH, "x=1")
    assert url == "https://example.org/intake/webhooks/twilio/sms?x=1"


# --- verify_signature -------------------------------------------------------------------------


def test_valid_signature_passes() -> None:
    form = recorded_form("twilio_sms_text.form")
    url = twilio_sms.signed_url(PUBLIC_BASE, SMS_PATH, b"")
    twilio_sms.verify_signature(AUTH_TOKEN, url, form, twilio_signature(url, form))


def test_escaped_query_verifies_against_the_raw_query_only() -> None:
    form = recorded_form("twilio_sms_text.form")
    raw_query = b"campaign=bus%2Bstop&lang=es"
    twilio_url = PUBLIC_BASE + SMS_PATH + "?campaign=bus%2Bstop&lang=es"
    signature = twilio_signature(twilio_url, form)

    twilio_sms.verify_signature(
        AUTH_TOKEN, twilio_sms.signed_url(PUBLIC_BASE, SMS_PATH, raw_query), form, signature
    )
    # What a decoded URL (Flask's request.url) would give: the check must fail on it.
    decoded_url = PUBLIC_BASE + SMS_PATH + "?campaign=bus+stop&lang=es"
    with pytest.raises(SignatureError):
        twilio_sms.verify_signature(AUTH_TOKEN, decoded_url, form, signature)


def test_multidict_form_with_repeated_keys_verifies() -> None:
    form = MultiDict([("Body", "one"), ("Body", "two"), ("From", "+16175550123")])
    url = PUBLIC_BASE + SMS_PATH
    twilio_sms.verify_signature(AUTH_TOKEN, url, form, twilio_signature(url, form))


def test_tampered_form_is_refused() -> None:
    form = recorded_form("twilio_sms_text.form")
    url = PUBLIC_BASE + SMS_PATH
    signature = twilio_signature(url, form)
    form["Body"] = "nothing to see here"
    with pytest.raises(SignatureError):
        twilio_sms.verify_signature(AUTH_TOKEN, url, form, signature)


def test_signature_for_another_url_is_refused() -> None:
    form = recorded_form("twilio_sms_text.form")
    signature = twilio_signature(PUBLIC_BASE + "/webhooks/twilio/status", form)
    with pytest.raises(SignatureError):
        twilio_sms.verify_signature(AUTH_TOKEN, PUBLIC_BASE + SMS_PATH, form, signature)


def test_wrong_token_is_refused() -> None:
    form = recorded_form("twilio_sms_text.form")
    url = PUBLIC_BASE + SMS_PATH
    signature = twilio_signature(url, form, token="another-account-token-000000000000")
    with pytest.raises(SignatureError):
        twilio_sms.verify_signature(AUTH_TOKEN, url, form, signature)


@pytest.mark.parametrize("signature", [None, "", "not-base64-at-all", "sha256=abc"])
def test_missing_or_malformed_signature_is_refused(signature: str | None) -> None:
    form = recorded_form("twilio_sms_text.form")
    with pytest.raises(SignatureError):
        twilio_sms.verify_signature(AUTH_TOKEN, PUBLIC_BASE + SMS_PATH, form, signature)


def test_empty_auth_token_refuses_even_a_matching_signature() -> None:
    form = recorded_form("twilio_sms_text.form")
    url = PUBLIC_BASE + SMS_PATH
    with pytest.raises(SignatureError):
        twilio_sms.verify_signature("", url, form, twilio_signature(url, form, token=""))


def test_shared_key_sha256_signature_verifies_with_its_settings_header() -> None:
    form = recorded_form("twilio_sms_text.form")
    url = PUBLIC_BASE + SMS_PATH
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form, "HMAC_SHA256")
    settings = "key=webhooks_sharedkey_0001,algorithm=HMAC_SHA256"
    twilio_sms.verify_signature(AUTH_TOKEN, url, form, signature, signature_settings=settings)
    with pytest.raises(SignatureError):
        twilio_sms.verify_signature(AUTH_TOKEN, url, form, signature)


# --- parse_message ----------------------------------------------------------------------------


def test_text_message_is_parsed() -> None:
    message = twilio_sms.parse_message(recorded_form("twilio_sms_text.form"))
    assert message.provider == "twilio"
    assert message.channel == "sms"
    assert message.event_id == "SM4f1c2a9d8e7b6a5c4d3e2f1a0b9c8d7e"
    assert message.sender == "+16175550123"
    assert message.sender_kind == "phone"
    assert message.recipient == "+16175550100"
    assert message.text.startswith("Guy selling guns out of a blue van on Blue Hill Ave & Warren")
    assert message.media == ()


def test_mms_with_empty_body_carries_its_media_in_order() -> None:
    message = twilio_sms.parse_message(recorded_form("twilio_mms_two_images.form"))
    assert message.text == ""
    assert [m.content_type for m in message.media] == ["image/jpeg", "image/png"]
    assert [m.provider_media_id for m in message.media] == [
        "ME1111111111111111111111111111111a",
        "ME2222222222222222222222222222222b",
    ]
    assert all(twilio_sms.is_twilio_media_url(m.url) for m in message.media)


def test_sms_message_sid_is_accepted_when_message_sid_is_absent() -> None:
    form = recorded_form("twilio_sms_text.form")
    del form["MessageSid"]
    assert twilio_sms.parse_message(form).event_id == "SM4f1c2a9d8e7b6a5c4d3e2f1a0b9c8d7e"


@pytest.mark.parametrize("missing", [("MessageSid", "SmsMessageSid", "SmsSid"), ("From",)])
def test_missing_required_field_is_a_payload_error(missing: tuple[str, ...]) -> None:
    form = recorded_form("twilio_sms_text.form")
    for name in missing:
        del form[name]
    with pytest.raises(PayloadError):
        twilio_sms.parse_message(form)


@pytest.mark.parametrize("count", ["-1", "11", "999999999999", "two", "1.5"])
def test_absurd_media_count_is_a_payload_error(count: str) -> None:
    form = recorded_form("twilio_sms_text.form")
    form["NumMedia"] = count
    with pytest.raises(PayloadError):
        twilio_sms.parse_message(form)


def test_announced_media_without_its_url_is_a_payload_error() -> None:
    form = recorded_form("twilio_mms_two_images.form")
    del form["MediaUrl1"]
    with pytest.raises(PayloadError):
        twilio_sms.parse_message(form)


def test_payload_errors_do_not_repeat_what_was_sent() -> None:
    form = recorded_form("twilio_sms_text.form")
    form["NumMedia"] = "+16175550123"
    with pytest.raises(PayloadError) as caught:
        twilio_sms.parse_message(form)
    assert "6175550123" not in str(caught.value)
    assert "Guy selling" not in str(caught.value)


def test_media_url_check_refuses_other_hosts() -> None:
    assert not twilio_sms.is_twilio_media_url("https://api.twilio.com.evil.example/x")
    assert not twilio_sms.is_twilio_media_url("http://api.twilio.com/2010-04-01/x")
    assert twilio_sms.is_twilio_media_url("https://api.twilio.com/2010-04-01/x")
    assert not twilio_sms.is_twilio_media_url("https://evil\\@api.twilio.com/2010-04-01/x")
    assert not twilio_sms.is_twilio_media_url("https://evil@api.twilio.com/2010-04-01/x")
    assert not twilio_sms.is_twilio_media_url("https://api.twilio.com:8443/2010-04-01/x")
    assert not twilio_sms.is_twilio_media_url("https://api.twilio.com:x/2010-04-01/x")


# --- parse_status -----------------------------------------------------------------------------


def test_undelivered_status_keeps_the_error_code() -> None:
    status = twilio_sms.parse_status(recorded_form("twilio_status_undelivered.form"))
    assert status.provider == "twilio"
    assert status.provider_message_id == "SM7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"
    assert status.status == "undelivered"
    assert status.error_code == "21610"


def test_delivered_status_has_no_error_code() -> None:
    status = twilio_sms.parse_status(recorded_form("twilio_status_delivered.form"))
    assert (status.status, status.error_code) == ("delivered", None)


def test_status_without_a_status_is_a_payload_error() -> None:
    form = recorded_form("twilio_status_delivered.form")
    del form["MessageStatus"]
    del form["SmsStatus"]
    with pytest.raises(PayloadError):
        twilio_sms.parse_status(form)


# --- keyword ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", "stop"),
        ("  stop\n", "stop"),
        ("Stop.", "stop"),
        ("stop all", "stop"),
        ("Unsubscribe", "stop"),
        ("cancel", "stop"),
        ("END", "stop"),
        ("quit", "stop"),
        ("ALTO", "stop"),
        ("parar", "stop"),
        ("START", "start"),
        ("yes", "start"),
        ("Unstop", "start"),
        ("HELP", "help"),
        ("info", "help"),
        ("¿Ayuda?", "help"),
        ("new", "new"),
        ("Nuevo", "new"),
        ("please stop", None),
        ("stop selling drugs on my corner", None),
        ("help me there is a gun", None),
        ("", None),
        ("newspaper", None),
    ],
)
def test_keyword_matches_whole_messages_only(text: str, expected: str | None) -> None:
    assert twilio_sms.keyword(text) == expected


# --- twiml_reply ------------------------------------------------------------------------------


def test_twiml_reply_escapes_the_text() -> None:
    body, content_type = twilio_sms.twiml_reply("Tip T-4821 received <thanks> & stay safe")
    assert content_type == "text/xml"
    assert "<Message>Tip T-4821 received &lt;thanks&gt; &amp; stay safe</Message>" in body
    assert body.startswith("<?xml")


def test_twiml_reply_none_is_an_empty_response() -> None:
    body, content_type = twilio_sms.twiml_reply(None)
    assert content_type == "text/xml"
    assert body.endswith("<Response />")
    assert "<Message" not in body


def test_a_whatsapp_sticker_is_a_sticker_not_a_photo() -> None:
    form = {
        "MessageSid": "SM" + "5" * 32,
        "From": "whatsapp:+16175550177",
        "To": "whatsapp:+14155238886",
        "MessageType": "sticker",
        "NumMedia": "1",
        "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        "MediaContentType0": "image/webp",
    }
    [medium] = twilio_sms.parse_message(form).media
    assert medium.media_kind == "sticker"


def test_a_forwarded_whatsapp_message_says_so() -> None:
    form = {
        "MessageSid": "SM" + "6" * 32,
        "From": "whatsapp:+16175550177",
        "Body": "pass it on",
        "FrequentlyForwarded": "true",
        "Forwarded": "true",
    }
    message = twilio_sms.parse_message(form)
    assert message.shared == ("[forwarded many times: not the tipster's own words]",)


def test_the_keyword_advanced_opt_out_matched_is_passed_on() -> None:
    form = {
        "MessageSid": "SM" + "7" * 32,
        "From": "+16175550177",
        "Body": "BAJA",
        "MessagingServiceSid": "MG" + "c" * 32,
        "OptOutType": "STOP",
    }
    assert twilio_sms.parse_message(form).extra == {"keyword": "stop"}
    assert twilio_sms.parse_message({**form, "OptOutType": "OTHER"}).extra == {}
    assert twilio_sms.parse_message({**form, "OptOutType": ""}).extra == {}
