"""Canned replies and the confirm-before-send step of a reply to the tipster."""
