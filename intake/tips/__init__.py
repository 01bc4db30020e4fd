"""One tip in the detective workspace: its page, workflow, notes, replies and attachments."""
