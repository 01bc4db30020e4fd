"""The detective workspace: queues, the tip workflow, notes, replies, reveal, audit."""
