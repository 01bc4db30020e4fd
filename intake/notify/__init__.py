"""Notifying supervisors on duty of emergency tips (email and/or an outgoing webhook)."""
