"""Classifying reads no file: the learnt models are read when their modules are imported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter, so nothing was loaded by earlier tests: after the import, every way of
# opening a file fails, and classifying must not need one.
PROBE = """
import builtins, io, pathlib
from intake.classify.rules import assess_urgency, classify_text

def refuse(*args, **kwargs):
    raise AssertionError("the classifier opened a file")

builtins.open = io.open = pathlib.Path.open = pathlib.Path.read_text = refuse
result = classify_text("he has a gun and is outside my door right now")
assert result.urgency == "emergency", result
assert assess_urgency("hay un hombre armado afuera ahora", "es")[0] == "emergency"
print("ok")
"""


def test_classifying_after_import_opens_no_file() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "ok"
