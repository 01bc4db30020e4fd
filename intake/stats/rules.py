"""Pure rules of the published statistics: tables with their totals, and cell suppression.

A table is a cube: every combination of its dimensions' values, each dimension also taking the
value :data:`ALL` (the total over it). Each *line* (one dimension varying, the others fixed)
says ``sum(members) == total``. Publishing the visible cells of a line whose other entries are
hidden would let anyone subtract, so :func:`suppress` hides:

1. every cell below the minimum count (primary suppression, zeros included: a shown zero next
   to a hidden cell says "at least one tip here");
2. in any line with exactly one hidden entry, the next smallest visible member (or the total);
3. until no hidden cell is determined by the whole system of published lines: a hidden cell
   whose value follows from combining lines (a rank test on the equations of hidden cells)
   gets another visible cell of its lines hidden beside it.

What this does not stop (docs/stats.md): bounds (a hidden cell is known to lie between 0 and
what its line leaves over), and differencing between releases made at different times.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

ALL = "all"
Key = tuple[str, ...]

# Why a cell is hidden.
SMALL = "small"
COMPLEMENTARY = "complementary"


@dataclass(frozen=True)
class Line:
    """``sum(members) == total`` for one published dimension of a table."""

    members: tuple[Key, ...]
    total: Key


def cube(
    leaves: Sequence[Sequence[str]], counts: Mapping[Key, int]
) -> tuple[dict[Key, int], list[Line]]:
    """Every cell of the table with ``leaves`` per dimension (and their totals), and its lines.

    ``counts`` holds the leaf cells that are not zero.
    """
    values_per_dim = [[*dim, ALL] for dim in leaves]
    values: dict[Key, int] = dict.fromkeys(itertools.product(*values_per_dim), 0)
    for key, count in counts.items():
        for mask in itertools.product((False, True), repeat=len(key)):
            general = tuple(ALL if up else part for part, up in zip(key, mask, strict=True))
            values[general] += count
    lines = []
    for axis, dim in enumerate(leaves):
        if not dim:
            continue  # nothing to add up (a year with no complete month yet)
        others = [values_per_dim[i] if i != axis else [ALL] for i in range(len(leaves))]
        for total in itertools.product(*others):
            members = tuple((*total[:axis], leaf, *total[axis + 1 :]) for leaf in dim)
            lines.append(Line(members, total))
    return values, lines


def _determined(hidden: list[Key], lines: Iterable[Line]) -> list[Key]:
    """The hidden cells whose value follows from the published lines (linear algebra)."""
    index = {key: i for i, key in enumerate(hidden)}
    rows = []
    for line in lines:
        row = np.zeros(len(hidden))
        for member in line.members:
            if member in index:
                row[index[member]] += 1.0
        if line.total in index:
            row[index[line.total]] -= 1.0
        if row.any():
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    # A cell is determined when its unit vector lies in the row space of the equations: its
    # squared norm in an orthonormal basis of that space (the right singular vectors) is then 1.
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    rank = int((singular > 1e-9 * max(1.0, float(singular.max(initial=0.0)))).sum())
    norms = (vt[:rank] ** 2).sum(axis=0)
    return [hidden[i] for i in np.flatnonzero(norms > 1 - 1e-9)]


def _smallest_visible(
    line: Line, values: Mapping[Key, int], hidden: Mapping[Key, str], known: frozenset[Key]
) -> Key | None:
    visible = [m for m in line.members if m not in hidden and m not in known]
    if visible:
        return min(visible, key=lambda k: (values[k], k))
    return line.total if line.total not in hidden and line.total not in known else None


def suppress(
    values: Mapping[Key, int],
    lines: Sequence[Line],
    minimum: int,
    *,
    known: Iterable[Key] = (),
) -> dict[Key, str]:
    """The cells to hide and why; every other cell may be published.

    ``known`` cells are zero by construction (a sensitive category in a district): everyone
    knows them, so they are neither hidden nor hidden beside another cell.
    """
    known_cells = frozenset(known)
    hidden: dict[Key, str] = {
        k: SMALL for k, v in values.items() if v < minimum and k not in known_cells
    }
    through: dict[Key, list[Line]] = {}
    for line in lines:
        for key in (*line.members, line.total):
            through.setdefault(key, []).append(line)
    while True:
        changed = False
        for line in lines:
            entries = (*line.members, line.total)
            if sum(1 for e in entries if e in hidden) == 1:
                pick = _smallest_visible(line, values, hidden, known_cells)
                if pick is not None:
                    hidden[pick] = COMPLEMENTARY
                    changed = True
        if changed:
            continue
        determined = _determined(sorted(hidden), lines)
        if not determined:
            return hidden
        for key in determined:
            candidates = [
                pick
                for line in through.get(key, [])
                if (pick := _smallest_visible(line, values, hidden, known_cells)) is not None
            ]
            if not candidates:
                continue
            hidden[min(candidates, key=lambda k: (values[k], k))] = COMPLEMENTARY
            changed = True
        if not changed:
            # Every line through the determined cells is hidden already, yet they follow from
            # further lines: hide the smallest visible cell of any line with a hidden entry.
            pool = [
                e
                for line in lines
                if any(e in hidden for e in (*line.members, line.total))
                for e in (*line.members, line.total)
                if e not in hidden and e not in known_cells
            ]
            if not pool:
                return hidden
            hidden[min(pool, key=lambda k: (values[k], k))] = COMPLEMENTARY


def median_minutes(durations: Sequence[float]) -> float | None:
    """The median of durations in minutes, or None for none."""
    if not durations:
        return None
    return float(np.median(np.asarray(durations, dtype=float)))
