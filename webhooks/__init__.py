"""Provider adapters: verify a signature, parse a payload, format a reply.

Nothing here imports Flask, the database or the ``intake`` package; a test enforces it.
"""
