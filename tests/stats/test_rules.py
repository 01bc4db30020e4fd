"""Suppression: small cells hidden, and never recoverable from the published totals."""

from __future__ import annotations

from intake.stats.rules import ALL, COMPLEMENTARY, SMALL, Line, _determined, cube, suppress
from tests.stats.attack import determined_by_algebra, recovered_by_subtraction


def _publish(values, hidden):
    return {k: (None if k in hidden else v) for k, v in values.items()}


def test_a_small_cell_is_hidden_and_a_second_one_beside_it():
    # One district with 3 arson tips and 40 drug tips, another with 12 and 40: hiding the 3
    # alone would leave it as the district's total minus its drug tips.
    values, lines = cube(
        (("N1", "H2"), ("arson", "drugs")),
        {("N1", "arson"): 3, ("N1", "drugs"): 40, ("H2", "arson"): 12, ("H2", "drugs"): 40},
    )
    hidden = suppress(values, lines, 10)
    assert hidden[("N1", "arson")] == SMALL
    assert COMPLEMENTARY in hidden.values()
    published = _publish(values, hidden)
    assert recovered_by_subtraction(published, lines) == {}
    assert determined_by_algebra(published, lines) == set()


def test_primary_suppression_alone_would_give_the_cell_away():
    # The attack itself works: without complementary cells the hidden 3 comes back.
    values, lines = cube(
        (("N1", "H2"), ("arson", "drugs")),
        {("N1", "arson"): 3, ("N1", "drugs"): 40, ("H2", "arson"): 12, ("H2", "drugs"): 40},
    )
    primary = {k for k, v in values.items() if v < 10}
    assert recovered_by_subtraction(_publish(values, primary), lines) == {("N1", "arson"): 3}


def test_cells_joined_by_a_bridge_are_caught_by_the_rank_test():
    # Two 2x2 blocks of hidden cells joined by one hidden cell: every line has two hidden
    # entries, yet the joining cell follows from adding and subtracting the lines.
    rows, cols = ("r1", "r2", "r3", "r4"), ("c1", "c2", "c3", "c4")
    values, lines = cube((rows, cols), {(r, c): 20 for r in rows for c in cols})
    pattern = [
        ("r1", "c1"), ("r1", "c2"), ("r2", "c1"), ("r2", "c2"),
        ("r3", "c3"), ("r3", "c4"), ("r4", "c3"), ("r4", "c4"),
        ("r1", "c3"),
    ]  # fmt: skip
    assert _determined(sorted(pattern), lines) == [("r1", "c3")]
    # The same shape as small counts: the rules hide more until nothing follows.
    counts = {(r, c): (3 if (r, c) in pattern else 20) for r in rows for c in cols}
    values, lines = cube((rows, cols), counts)
    published = _publish(values, suppress(values, lines, 10))
    assert determined_by_algebra(published, lines) == set()


def test_three_dimensions_with_many_small_cells_leave_nothing_to_recover():
    months = ("2026-01", "2026-02", "2026-03")
    districts = ("N1", "H2", "S3")
    categories = ("arson", "drugs", "theft")
    counts = {}
    for i, m in enumerate(months):
        for j, d in enumerate(districts):
            for k, c in enumerate(categories):
                counts[(m, d, c)] = (i * 7 + j * 5 + k * 11) % 23
    values, lines = cube((months, districts, categories), counts)
    published = _publish(values, suppress(values, lines, 10))
    assert any(v is None for v in published.values())
    assert recovered_by_subtraction(published, lines) == {}
    assert determined_by_algebra(published, lines) == set()


def test_known_zeros_are_neither_hidden_nor_used_as_cover():
    values, lines = cube((("N1", "citywide"), ("drugs", "officer_conduct")), {
        ("N1", "drugs"): 30, ("citywide", "officer_conduct"): 4,
    })  # fmt: skip
    known = {("N1", "officer_conduct"), ("citywide", "drugs")}
    hidden = suppress(values, lines, 10, known=known)
    assert not known & set(hidden)
    assert hidden[("citywide", "officer_conduct")] == SMALL
    # The city's officer-conduct total is the citywide cell: hidden with it.
    assert (ALL, "officer_conduct") in hidden


def test_a_line_is_members_and_their_total():
    values, lines = cube((("a", "b"),), {("a",): 2, ("b",): 3})
    assert values[(ALL,)] == 5
    assert lines == [Line((("a",), ("b",)), (ALL,))]
