"""On-call: a person acknowledges every urgent tip, or the next escalation tier is told."""
