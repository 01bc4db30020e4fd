"""An unsigned request cannot write into the operator's log through the signature settings.

``X-Twilio-Webhooks-Signature-Settings`` names the signing algorithm. The twilio library logs an
algorithm it does not know, quoting it, so any stranger could put up to 8 KB of their own text
into a warning per request (forged log lines, a flood). An unknown algorithm is refused first.
"""

from __future__ import annotations

import logging

import pytest

from webhooks import twilio_sms
from webhooks.base import SignatureError

FORGED = "algorithm=Tip 4821 closed by detective jdoe; no action needed"


def test_an_unknown_algorithm_is_refused_without_a_log_line(caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SignatureError):
        twilio_sms.verify_signature(
            "auth-token",
            "https://tips.example.org/webhooks/twilio/sms",
            {"From": "+16175550111", "Body": "hi"},
            "c2lnbmF0dXJl",
            signature_settings=FORGED,
        )
    assert "closed by detective" not in caplog.text


@pytest.mark.parametrize("algorithm", ["HMAC_SHA1", "HMAC_SHA256", "hmac_sha256"])
def test_the_documented_algorithms_still_verify(algorithm):
    from twilio.request_validator import RequestValidator

    url = "https://tips.example.org/webhooks/twilio/sms"
    form = {"From": "+16175550111", "Body": "hi"}
    signature = RequestValidator("auth-token").compute_signature(url, form, algorithm.upper())
    twilio_sms.verify_signature(
        "auth-token", url, form, signature, signature_settings=f"key=k,algorithm={algorithm}"
    )
