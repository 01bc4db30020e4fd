"""The outbox: messages to tipsters and notifications to staff, sent after commit."""
