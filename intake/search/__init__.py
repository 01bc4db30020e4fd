"""Search over sealed tips through a blind token index (keyed HMACs of normalised words)."""
