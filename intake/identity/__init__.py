"""Reporters and their identities: normalise, index, find, resolve, read, reveal."""
