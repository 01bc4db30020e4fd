"""Schemas of the public statistics API: they whitelist the query and describe the rows."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates

from intake.api import Schema
from intake.stats.service import GROUPS, PERIODS, TABLES

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class StatsQuerySchema(Schema):
    """Which figures: grouped by district and/or category, by month or year, a month range."""

    group = fields.String(
        load_default="",
        metadata={"description": "Comma-separated: `district`, `category` (empty: totals)"},
    )
    period = fields.String(load_default="month", validate=validate.OneOf(PERIODS))
    table = fields.String(
        load_default="tips",
        validate=validate.OneOf(TABLES),
        metadata={"description": "`tips` (received) or `outcomes` (by district, per year)"},
    )
    month_from = fields.String(
        data_key="from",
        validate=validate.Regexp(MONTH, error="Use YYYY-MM."),
        load_default=None,
        metadata={"description": "First month, YYYY-MM"},
    )
    month_to = fields.String(
        data_key="to",
        validate=validate.Regexp(MONTH, error="Use YYYY-MM."),
        load_default=None,
        metadata={"description": "Last month, YYYY-MM"},
    )
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "csv")))

    @validates("group")
    def _known_groups(self, value: str, **_: Any) -> None:
        parts = [p for p in value.split(",") if p]
        if any(p not in GROUPS for p in parts) or len(parts) != len(set(parts)):
            raise ValidationError("Group by district, category or both.")


class StatsRowSchema(Schema):
    """One cell: its period and dimension values (`all` for a total), its count or why not."""

    period = fields.String(required=True, metadata={"description": "YYYY-MM or YYYY"})
    district = fields.String(metadata={"description": "District code, `unknown`, `citywide`"})
    category = fields.String()
    outcome = fields.String()
    count = fields.Integer(allow_none=True, metadata={"description": "null when suppressed"})
    suppressed = fields.String(
        allow_none=True,
        metadata={
            "description": "Why the count is hidden: `small` (below the minimum), "
            "`complementary` (it would give a small one away), `city_only` (sensitive "
            "category, published for the whole city only); null when shown"
        },
    )


class StatsSchema(Schema):
    """Published statistics (complete months only; each calendar year suppressed on its own)."""

    min_count = fields.Integer(required=True)
    as_of = fields.String(required=True, metadata={"description": "The month in progress"})
    rows = fields.List(fields.Nested(StatsRowSchema), required=True)
