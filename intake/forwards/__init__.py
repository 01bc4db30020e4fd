"""Forwarding by the social-media team: a post, comment or DM made a tip, and what became of it."""
