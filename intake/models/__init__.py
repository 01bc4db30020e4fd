"""Every model, importable from one place."""

from intake.models.audit import AuditEvent
from intake.models.awaiting import TipAwaiting
from intake.models.base import Base, UTCDateTime, utcnow
from intake.models.canned import CannedReply
from intake.models.delivery import InboundEvent, OutboxMessage
from intake.models.geography import Category, District, Place, Queue
from intake.models.link import TipLink
from intake.models.reporter import Reporter
from intake.models.search import SearchToken
from intake.models.staff import (
    ApiToken,
    Enrolment,
    LoginFailure,
    QueueMembership,
    StaffSession,
    User,
)
from intake.models.tip import ALERTING_URGENCIES, URGENCY_RANK, Attachment, Message, Note, Tip

__all__ = [
    "ALERTING_URGENCIES",
    "URGENCY_RANK",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Base",
    "CannedReply",
    "Category",
    "District",
    "Enrolment",
    "InboundEvent",
    "LoginFailure",
    "Message",
    "Note",
    "OutboxMessage",
    "Place",
    "Queue",
    "QueueMembership",
    "Reporter",
    "SearchToken",
    "StaffSession",
    "Tip",
    "TipAwaiting",
    "TipLink",
    "UTCDateTime",
    "User",
    "utcnow",
]
