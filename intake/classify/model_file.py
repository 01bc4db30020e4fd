"""The learnt models' files: one JSON object whose head (its keys sorted) is the first line,
then one feature per line, so a retrained model's diff stays readable and the same model gives
the same bytes. Reading one checks its format number."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


def dumps(head: Mapping[str, Any], key: str, rows: Iterable[tuple[str, str]]) -> str:
    """The file's exact text: ``head``, then under ``key`` each (feature, JSON value text)."""
    lines = [json.dumps(dict(head), sort_keys=True)[:-1] + f", {json.dumps(key)}: {{"]
    entries = list(rows)
    for i, (feature, value) in enumerate(entries):
        comma = "," if i < len(entries) - 1 else ""
        lines.append(f"{json.dumps(feature, ensure_ascii=False)}: {value}{comma}")
    lines.append("}}")
    return "\n".join(lines) + "\n"


def load(path: Path, format_number: int, error: type[Exception], what: str) -> dict[str, Any]:
    """The content of a file written by :func:`dumps` with this ``format_number``; ``error``
    (naming the file as ``what``) when it cannot be read or has another format."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise error(f"cannot read {what} {path.name}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != format_number:
        raise error(f"{what} {path.name} has an unknown format")
    return data
