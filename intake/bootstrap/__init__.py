"""Default queues and categories, and the demo city used by `make run`."""
