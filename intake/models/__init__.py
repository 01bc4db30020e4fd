"""Every model, importable from one place."""

from intake.models.audit import AuditEvent
from intake.models.awaiting import TipAwaiting
from intake.models.base import Base, UTCDateTime, utcnow
from intake.models.canned import CannedReply
from intake.models.community import PriorityChoice, PriorityResponse, Reward
from intake.models.correction import TipCorrection
from intake.models.delivery import InboundEvent, OutboxMessage
from intake.models.geography import Category, District, Place, Queue
from intake.models.lifecycle import ForgetRequest, KeyEpoch, LegalHold, LifecycleRun
from intake.models.link import TipLink
from intake.models.oncall import AlertStep, NotifyRoute, OnCallMember, UrgentAlert
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
    "AlertStep",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Base",
    "CannedReply",
    "Category",
    "District",
    "Enrolment",
    "ForgetRequest",
    "InboundEvent",
    "KeyEpoch",
    "LegalHold",
    "LifecycleRun",
    "LoginFailure",
    "Message",
    "Note",
    "NotifyRoute",
    "OnCallMember",
    "OutboxMessage",
    "Place",
    "PriorityChoice",
    "PriorityResponse",
    "Queue",
    "QueueMembership",
    "Reporter",
    "Reward",
    "SearchToken",
    "StaffSession",
    "Tip",
    "TipAwaiting",
    "TipCorrection",
    "TipLink",
    "UTCDateTime",
    "UrgentAlert",
    "User",
    "utcnow",
]
