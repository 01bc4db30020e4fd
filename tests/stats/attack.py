"""An attacker's view of published tables: what can be worked out about the hidden cells."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

from intake.stats.rules import Key, Line


def recovered_by_subtraction(
    published: Mapping[Key, int | None], lines: Iterable[Line]
) -> dict[Key, int]:
    """Hidden cells found as a line's total minus its visible cells (one hidden entry left)."""
    found: dict[Key, int] = {}
    for line in lines:
        entries = (*line.members, line.total)
        hidden = [e for e in entries if published[e] is None and e not in found]
        if len(hidden) != 1:
            continue
        known = {e: (found[e] if e in found else published[e]) for e in entries if e != hidden[0]}
        if hidden[0] == line.total:
            found[hidden[0]] = sum(known[m] for m in line.members)  # type: ignore[misc]
        else:
            others = sum(known[m] for m in line.members if m != hidden[0])  # type: ignore[misc]
            found[hidden[0]] = known[line.total] - others  # type: ignore[operator]
    return found


def determined_by_algebra(published: Mapping[Key, int | None], lines: Iterable[Line]) -> set[Key]:
    """Hidden cells fixed by the whole system of line equations (rank test, numpy)."""
    hidden = sorted(k for k, v in published.items() if v is None)
    index = {k: i for i, k in enumerate(hidden)}
    rows = []
    for line in lines:
        row = np.zeros(len(hidden))
        for m in line.members:
            if m in index:
                row[index[m]] += 1
        if line.total in index:
            row[index[line.total]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    matrix = np.array(rows)
    # x is fixed where every solution of A x = 0 is zero: the null space has nothing there.
    _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int((singular > 1e-9).sum())
    null_space = vt[rank:]
    return {key for key, i in index.items() if np.abs(null_space[:, i]).max(initial=0.0) < 1e-9}
