"""Community priorities: what residents want worked on, by district."""
