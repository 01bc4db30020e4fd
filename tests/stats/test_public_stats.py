"""/stats and /api/v1/stats: the same figures, outcomes shown, small cells suppressed so that
none can be recovered from the published totals."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from intake.stats.rules import ALL, cube
from tests.staff.factories import H2_POINT, N1_POINT, make_tip
from tests.stats.attack import determined_by_algebra, recovered_by_subtraction
from tests.stats.conftest import last_complete_month


class _Tables(HTMLParser):
    """Each table of a page as rows of cell texts, by caption."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: str | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_caption = False
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._caption = [], ""
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "span" and ("class", "visually-hidden") in attrs:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == "table" and self._caption is not None:
            self.tables[self._caption.strip()] = self._rows
        elif tag == "caption":
            self._in_caption = False
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "span" and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if self._in_caption:
            self._caption = (self._caption or "") + data
        elif self._cell is not None and not self._skip:
            self._cell.append(data)


def _tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


@pytest.fixture
def arson_and_drugs(seed_tips):
    """The issue's city: 3 arson tips in N1, 40 drug tips in H2."""
    seed_tips(N1_POINT, "arson", 3)
    seed_tips(H2_POINT, "drugs", 40)
    return str(last_complete_month().year)


def _api(client, **params):
    response = client.get("/api/v1/stats", query_string=params)
    assert response.status_code == 200, response.get_json()
    return response


def test_page_json_and_csv_agree_and_hide_the_three_arson_tips(client, arson_and_drugs):
    year = arson_and_drugs
    params = {"group": "district,category", "period": "year", "from": f"{year}-01"}
    rows = _api(client, **params).get_json()["rows"]
    cells = {(r["district"], r["category"]): r for r in rows}
    assert cells[("H2", "drugs")]["count"] == 40
    assert cells[("N1", "arson")] == {
        "period": year, "district": "N1", "category": "arson", "count": None, "suppressed": "small"
    }  # fmt: skip

    # CSV: the same rows.
    text = _api(client, format="csv", **params).get_data(as_text=True)
    from_csv = list(csv.DictReader(io.StringIO(text)))
    assert len(from_csv) == len(rows)
    for json_row, csv_row in zip(rows, from_csv, strict=True):
        assert csv_row["count"] == ("" if json_row["count"] is None else str(json_row["count"]))
        assert csv_row["suppressed"] == (json_row["suppressed"] or "")

    # The page: the district-by-category table shows the same figure or a mark in each cell.
    page = client.get(f"/stats?year={year}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script" not in html.split("</main>")[0].split("<main")[1]
    table = _tables(html)[f"Tips by category and district, {year}"]
    header, body = table[0], table[1:]
    district_names = {"N1": header.index("Northside"), "H2": header.index("Harbor")}
    by_label = {row[0]: row for row in body}
    assert by_label["Drugs"][district_names["H2"]] == "40"
    assert by_label["Arson"][district_names["N1"]] == "*"
    for (district, category), row in cells.items():
        if district in district_names and category in ("arson", "drugs"):
            shown = by_label[category.capitalize()][district_names[district]]
            assert shown == (str(row["count"]) if row["count"] is not None else "*")


def test_no_hidden_cell_can_be_recovered_from_every_published_total(client, arson_and_drugs):
    year = arson_and_drugs
    # Everything the API publishes for the year: by month and for the year, every grouping.
    published = {}
    months, districts, categories = set(), set(), set()
    for period in ("month", "year"):
        for group in ("", "district", "category", "district,category"):
            for r in _api(client, group=group, period=period, **{"from": f"{year}-01"}).get_json()[
                "rows"
            ]:
                if r["period"] != year and not r["period"].startswith(f"{year}-"):
                    continue
                time = ALL if period == "year" else r["period"]
                key = (time, r.get("district", ALL), r.get("category", ALL))
                # A sensitive category's district cell is empty by construction: a known zero.
                published[key] = 0 if r["suppressed"] == "city_only" else r["count"]
                if period == "month":
                    months.add(r["period"])
                districts.add(key[1])
                categories.add(key[2])
    assert published[(ALL, "N1", "arson")] is None
    _, lines = cube(
        (
            tuple(sorted(months)),
            tuple(sorted(districts - {ALL})),
            tuple(sorted(categories - {ALL})),
        ),
        {},
    )
    lines = [line for line in lines if all(k in published for k in (*line.members, line.total))]
    assert recovered_by_subtraction(published, lines) == {}
    assert determined_by_algebra(published, lines) == set()


def test_sensitive_categories_are_published_for_the_city_only(client, seed_tips):
    seed_tips(N1_POINT, "sexual_assault", 12)
    seed_tips(H2_POINT, "officer_conduct", 11)
    seed_tips(N1_POINT, "drugs", 20)
    year = str(last_complete_month().year)
    rows = _api(client, group="district,category", period="year", **{"from": f"{year}-01"})
    cells = {(r["district"], r["category"]): r for r in rows.get_json()["rows"]}
    assert cells[("N1", "sexual_assault")]["suppressed"] == "city_only"
    assert cells[("citywide", "sexual_assault")]["count"] == 12
    assert cells[(ALL, "sexual_assault")]["count"] == 12
    assert cells[("H2", "officer_conduct")]["suppressed"] == "city_only"
    assert cells[(ALL, "officer_conduct")]["count"] == 11
    # The district's total holds no sensitive tip: nothing to subtract.
    assert cells[("N1", ALL)]["count"] == 20


def test_outcomes_and_the_median_response_time_are_published(client, seed_tips):
    seed_tips(
        H2_POINT,
        "drugs",
        12,
        status="closed",
        disposition="arrest",
        first_response_at=lambda when: when + timedelta(hours=3),
    )
    seed_tips(H2_POINT, "drugs", 20, first_response_at=lambda when: when + timedelta(hours=1))
    year = str(last_complete_month().year)
    rows = _api(client, table="outcomes", **{"from": f"{year}-01"}).get_json()["rows"]
    cells = {(r["district"], r["outcome"]): r["count"] for r in rows if r["period"] == year}
    assert cells[("H2", "arrest")] == 12
    assert cells[("H2", "open")] == 20
    assert cells[(ALL, ALL)] == 32
    html = client.get(f"/stats?year={year}").get_data(as_text=True)
    outcomes = _tables(html)["What came of the tips, by district"]
    arrest = next(row for row in outcomes if row[0] == "Led to an arrest")
    assert "12" in arrest
    hours = _tables(html)["Median time to a first response, in hours"]
    assert ["Whole city", "1.0"] in hours


def test_the_month_in_progress_is_not_published(client, session, keyring):
    make_tip(session, keyring, H2_POINT)
    rows = _api(client, group="district", period="month").get_json()["rows"]
    assert all(r["count"] in (None, 0) or r["district"] != "H2" for r in rows)
    assert not [r for r in rows if r["count"]]


def test_the_spanish_page_and_the_api_errors(client, arson_and_drugs):
    html = client.get(f"/stats?year={arson_and_drugs}&lang=es").get_data(as_text=True)
    assert 'lang="es"' in html and "Drogas" in html
    response = client.get("/api/v1/stats?group=district,secret-thing")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]["code"] == "invalid_input"
    assert "secret-thing" not in response.get_data(as_text=True)
    assert re.search(r"group", str(body["error"]["fields"]))
