"""District routing: point in polygon, place names to points, and the routing rules.

Everything here is pure (no Flask, no database): the CLI and ``submit_tip`` call these functions
and store what they return.
"""
