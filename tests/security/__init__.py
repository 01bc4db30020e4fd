"""Attacks against both promises, each a test that failed before its fix."""
