"""Operator endpoints: health."""
