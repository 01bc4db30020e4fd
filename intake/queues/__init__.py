"""The detective workspace's queues: who sees which, the listing, the queue summaries."""
