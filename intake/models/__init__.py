"""Every model, importable from one place."""

from intake.models.audit import AuditEvent
from intake.models.base import Base, UTCDateTime, utcnow
from intake.models.community import PriorityChoice, PriorityResponse, Reward
from intake.models.delivery import InboundEvent, OutboxMessage
from intake.models.geography import Category, District, Place, Queue
from intake.models.reporter import Reporter
from intake.models.staff import ApiToken, QueueMembership, StaffSession, User
from intake.models.tip import URGENCY_RANK, Attachment, Message, Note, Tip

__all__ = [
    "URGENCY_RANK",
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "Base",
    "Category",
    "District",
    "InboundEvent",
    "Message",
    "Note",
    "OutboxMessage",
    "Place",
    "PriorityChoice",
    "PriorityResponse",
    "Queue",
    "QueueMembership",
    "Reporter",
    "Reward",
    "StaffSession",
    "Tip",
    "UTCDateTime",
    "User",
    "utcnow",
]
