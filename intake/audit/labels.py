"""Audit events in words: what each action means to a supervisor reading the log (pure).

``ACTION_LABELS`` names every action the code records (a test walks the source and fails when an
action is recorded that has no words here); the audit page offers them as its action filter.
"""

from __future__ import annotations

from typing import Any

ACTION_LABELS: dict[str, str] = {
    "tip.submitted": "Tip received",
    "tip.followup": "Tipster added to a tip",
    "tip.forwarded": "Tip forwarded by the social-media team",
    "tip.located": "Tipster shared a location",
    "tip.viewed": "Tip opened",
    "tip.claimed": "Tip claimed",
    "tip.assigned": "Tip assigned",
    "tip.status_changed": "Status changed",
    "tip.rerouted": "Tip moved to another queue",
    "tip.category_changed": "Category changed",
    "tip.urgency_changed": "Urgency changed",
    "tip.case_number_set": "Case number set",
    "tip.summary_printed": "Case summary opened for printing",
    "tip.note_added": "Internal note added",
    "tip.replied": "Reply sent to the tipster",
    "tip.acknowledged": "Emergency acknowledged",
    "tip.oncall_notified": "On-call staff alerted",
    "tip.link_confirmed": "Tips linked as the same incident",
    "tip.link_rejected": "Suggested link rejected",
    "attachment.downloaded": "Photo downloaded",
    "attachment.viewed": "Photo viewed",
    "identity.revealed": "Tipster's contact revealed",
    "identity.reveal_refused": "Reveal refused",
    "audit.exported": "Audit log read",
    "canned_reply.added": "Canned reply added",
    "canned_reply.retired": "Canned reply retired",
    "export.prosecutor": "Prosecutor export",
    "export.records": "Records export",
    "oncall.tier_set": "On-call tier set",
    "oncall.cleared": "On-call tier cleared",
    "user.notify_route_set": "Notification route set",
    "user.created": "Staff account created",
    "user.enrolment_issued": "Enrolment link issued",
    "user.token_issued": "API token issued",
    "user.tokens_revoked": "API tokens revoked",
    "user.queue_added": "Queue given to a staff member",
    "user.queue_removed": "Queue taken from a staff member",
    "user.unlocked": "Lock-outs lifted",
    "user.disabled": "Staff account disabled",
    "reward.proposed": "Reward proposed",
    "reward.approved": "Reward approved",
    "reward.declined": "Reward declined",
    "reward.paid": "Reward paid",
    "lifecycle.identity_shredded": "Tipster's identity destroyed (retention)",
    "lifecycle.content_shredded": "Tip content destroyed (retention)",
    "lifecycle.reporters_shredded": "Tipsters' identities destroyed (retention)",
    "lifecycle.hold_set": "Legal hold set",
    "lifecycle.hold_released": "Legal hold released",
    "lifecycle.forget_requested": "Tipster asked to be forgotten",
    "lifecycle.forget_deferred": "Forget request deferred (legal hold)",
}

#: Hidden from the log by default: every opening of a tip is recorded, and would bury the rest.
NOISY_ACTIONS = ("tip.viewed", "attachment.viewed")

#: Details whose values are code words ("in_progress"): shown spaced ("in progress").
_WORD_VALUED = frozenset({"status", "from", "to", "channel", "decision", "level", "kind"})


def action_label(action: str) -> str:
    """The action in words; an action the table does not know reads as its own name, spaced."""
    known = ACTION_LABELS.get(action)
    if known is not None:
        return known
    return action.replace(".", ": ").replace("_", " ").capitalize()


def detail_words(details: dict[str, Any]) -> list[tuple[str, str]]:
    """An event's details as (label, value) pairs in words: no raw keys, no Python literals."""
    pairs: list[tuple[str, str]] = []
    for key, value in details.items():
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif value is None:
            text = "none"
        elif isinstance(value, list | tuple):
            text = ", ".join(str(item) for item in value)
        else:
            text = str(value)
        if key in _WORD_VALUED:
            text = text.replace("_", " ")
        pairs.append((key.replace("_", " ").capitalize(), text))
    return pairs
