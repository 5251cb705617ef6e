"""Figures -> the open data files (CSV and JSON) and the words that describe them.

Each column is declared once, as a ``Column``: its machine name, its heading for people,
what it means and how to read its value from the figures. Every download is written
from the same typed rows, so a new figure is one more line in ``ORG_COLUMNS`` or
``AREA_COLUMNS``.

Numbers are written plainly for machines (``1512.3``, not ``1 : 1,512``) with a fixed
number of decimals, so the same inputs always give the same bytes. CSV files are UTF-8
with a byte-order mark, which Excel needs to read accented names rightly; text that a
spreadsheet would take for a formula is made safe (see ``formula_safe``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from kfh_site.domain import ENGLAND
from kfh_site.downloads.sheets import NOT_APPLICABLE, NOT_AVAILABLE, formula_safe
from kfh_site.figures.types import AreaFigures, Figures, LikeForLike, OrgFigures, Rank, Rates
from kfh_site.returns.contract import ACTIVITY, ACTIVITY_LABELS, COLUMNS
from kfh_site.story.formatting import STATUS_LABELS

_LABELS = {c.name: c.label for c in COLUMNS}

Item = TypeVar("Item")
Value = str | int | float | None
"""A cell: text, a whole number, a figure, or None for *not reported*."""


@dataclass(frozen=True)
class Column(Generic[Item]):
    """One column of an open data table, written the same way in every download."""

    name: str
    """Machine name: the CSV header and the JSON key."""
    heading: str
    """What a person reads at the top of the column, with its unit."""
    description: str
    """What the column means, for the data page."""
    get: Callable[[Item], Value]
    """Reads the value from the figures: a str, an int, a float, or None if not reported."""
    places: int | None = None
    """Decimals a figure is written with; 0 for a whole number; None for text."""
    missing: str | Callable[[Item], str] = NOT_AVAILABLE
    """What the spreadsheet shows for None: "[x]" (not available) or "[z]" (not applicable)."""
    notes: tuple[str, ...] = ()
    """Keys of the spreadsheet notes the heading refers to (spreadsheet.NOTES)."""

    def reader(self) -> Callable[[Item], Value]:
        """``get``, with a figure rounded to the decimals every download shows (and a
        change too small to show written 0, not -0)."""
        get, places = self.get, self.places
        if not places:
            return get

        def rounded(item: Item) -> Value:
            value = get(item)
            return None if value is None else round(float(value), places) + 0.0
        return rounded


@dataclass(frozen=True)
class Table:
    """An open data table: its columns and one row of typed values per item."""

    name: str
    columns: tuple[Column, ...]
    rows: list[tuple[Value, ...]]
    items: Sequence[object] = ()
    """What each row was read from, for a column whose missing shorthand depends on it."""

    @property
    def names(self) -> list[str]:
        """The column names, in order: the CSV header."""
        return [c.name for c in self.columns]


def table(name: str, columns: Sequence[Column[Item]], items: Iterable[Item]) -> Table:
    """Read every value once; each download then only writes them."""
    readers = [c.reader() for c in columns]
    items = list(items)
    return Table(name, tuple(columns), [tuple(read(item) for read in readers) for item in items], items)


def _change(read: Callable[[Any], Value]) -> Callable[[OrgFigures], Value]:
    """A figure of the change from the previous year; None when there is no previous return."""
    def get(f: OrgFigures) -> Value:
        change = f.change
        return read(change) if change else None
    return get


def _org_activity(name: str) -> Callable[[OrgFigures], Value]:
    return lambda f: f.activity[name]


def _area_activity_total(name: str) -> Callable[[AreaFigures], Value]:
    """None, not 0, when no organisation in the area reported the figure."""
    return lambda a: int(a.activity[name].total) if a.activity[name].reported else None


def _area_activity_reported(name: str) -> Callable[[AreaFigures], Value]:
    return lambda a: a.activity[name].reported


def _rank(kind: str, read: Callable[[Rank], Value]) -> Callable[[OrgFigures], Value]:
    def get(f: OrgFigures) -> Value:
        rank = {"all": f.rank_all, "type": f.rank_type, "region": f.rank_region}[kind]
        return None if rank is None else read(rank)
    return get


def _org_rate(name: str, read: Callable[[Rates], float | None]) -> Callable[[OrgFigures], Value]:
    return lambda f: read(f.rates[name]) if name in f.rates else None


def _area_rate(name: str, read: Callable[[Rates], float | None]) -> Callable[[AreaFigures], Value]:
    return lambda a: read(a.rates[name])


def _like_for_like(read: Callable[[LikeForLike], Value]) -> Callable[[AreaFigures], Value]:
    return lambda a: read(a.change) if a.change is not None and a.change.organisations else None


RANK_GROUPS = (("all", "all organisations", "all organisations in the report's scope"),
               ("type", "its organisation type", "organisations of the same type"),
               ("region", "its region", "organisations in the same region"))


def _rank_columns() -> tuple[Column[OrgFigures], ...]:
    columns: list[Column[OrgFigures]] = []
    for kind, heading, among in RANK_GROUPS:
        columns += [
            Column(f"rank_{kind}", f"Rank among {heading} (number)",
                   f"Rank by staff ratio among {among} with qualified staff that year; 1 has the fewest NHS staff "
                   "per qualified WTE. Empty when not ranked (no qualified staff).",
                   _rank(kind, lambda r: r.position), 0, missing=NOT_APPLICABLE, notes=("rank",)),
            Column(f"rank_{kind}_tied", f"Rank among {heading} shared (yes or no)",
                   "yes when another organisation has the same ratio as shown and so the same rank.",
                   _rank(kind, lambda r: ("yes" if r.tied else "no") if r.position else None),
                   missing=NOT_APPLICABLE, notes=("rank",)),
            Column(f"rank_{kind}_of", f"Organisations ranked among {heading} (number)",
                   f"How many {among} were ranked (had qualified staff).", _rank(kind, lambda r: r.ranked), 0,
                   notes=("rank",)),
            Column(f"median_{kind}", f"Median organisation's staff ratio among {heading} (NHS staff per qualified WTE)",
                   f"The median of the staff ratios of {among}: the median organisation, not a ratio of sums.",
                   _rank(kind, lambda r: r.median), 1, missing=NOT_APPLICABLE, notes=("median",)),
        ]
    return tuple(columns)


def _rate_columns() -> tuple[Column[OrgFigures], ...]:
    columns: list[Column[OrgFigures]] = []
    for name in ACTIVITY:
        label = ACTIVITY_LABELS[name]
        columns += [
            Column(f"{name}_per_qualified_wte", f"{label} per qualified WTE (number)",
                   f"{label} per qualified WTE; empty when not reported or there are no qualified staff.",
                   _org_rate(name, lambda r: r.per_qualified_wte), 1, missing=_no_rate, notes=("rates",)),
            Column(f"{name}_per_1000_staff", f"{label} per 1,000 NHS staff (number)",
                   f"{label} per 1,000 WTE NHS staff; empty when not reported.",
                   _org_rate(name, lambda r: r.per_1000_staff), 1, notes=("rates",)),
            Column(f"{name}_type_median_per_1000_staff",
                   f"{label} per 1,000 NHS staff, median organisation of the same type (number)",
                   f"The median organisation's {_LABELS[name]} per 1,000 NHS staff among organisations of the same "
                   "type (all organisations when the type is not given) that reported it.",
                   _org_rate(name, lambda r: r.peer_median_per_1000_staff), 1, notes=("rates", "median")),
        ]
    return tuple(columns)


def _no_rate(f: OrgFigures) -> str:
    return NOT_APPLICABLE if f.qualified_lks_wte <= 0 else NOT_AVAILABLE


def _no_ratio_change(f: OrgFigures) -> str:
    """No return the year before: not available; no qualified staff either year: no ratio."""
    return NOT_AVAILABLE if f.previous is None else NOT_APPLICABLE


ORG_COLUMNS: tuple[Column[OrgFigures], ...] = (
    Column("org_code", "Organisation code", "ODS organisation code.", lambda f: f.org_code),
    Column("org_name", "Organisation name", "Organisation name as given in the return.", lambda f: f.org_name),
    Column("region", "NHS England region", "NHS England region.", lambda f: f.region),
    Column("org_type", "Organisation type", "Organisation type, where given.", lambda f: f.org_type or None),
    Column("year", "Financial year", "Financial year of the return, for example 2024/25.", lambda f: f.year),
    Column("nhs_staff_wte", "NHS staff (WTE)", "Whole-time equivalent (WTE) NHS staff the service serves.",
           lambda f: f.nhs_staff_wte, 2),
    Column("nhs_staff_source", "Source of NHS staff",
           "Where the NHS staff figure comes from: NHS Workforce Statistics, or return (the organisation's own).",
           lambda f: f.nhs_staff_source, notes=("nhsstaff",)),
    Column("nhs_staff_month", "Month of NHS staff (NHS Workforce Statistics)",
           "The month of the NHS Workforce Statistics the NHS staff figure is for, such as 2024-12; empty when "
           "the figure is the organisation's own.",
           lambda f: f.nhs_staff_month, missing=NOT_APPLICABLE, notes=("nhsstaff",)),
    Column("qualified_lks_wte", "Qualified library and knowledge staff (WTE)",
           "WTE qualified librarians and knowledge specialists.", lambda f: f.qualified_lks_wte, 2),
    Column("other_lks_wte", "Other library and knowledge staff (WTE)",
           "WTE other library and knowledge services staff.", lambda f: f.other_lks_wte, 2),
    Column("clinical_librarian_wte", "Clinical librarians (WTE)",
           "WTE in embedded clinical librarian roles (part of qualified staff).", lambda f: f.clinical_librarian_wte, 2),
    Column("knowledge_manager_wte", "Knowledge managers (WTE)",
           "WTE in knowledge manager roles (part of qualified staff).", lambda f: f.knowledge_manager_wte, 2),
    *(
        Column(name, f"{ACTIVITY_LABELS[name]} (number)", f"Number of {_LABELS[name]} in the year.",
               _org_activity(name), 0)
        for name in ACTIVITY
    ),
    Column("staff_per_qualified", "Staff ratio (NHS staff per qualified WTE)",
           "NHS staff WTE per qualified LKS WTE (the staff ratio 1 : N). Empty when there are no qualified staff.",
           lambda f: f.staff_per_qualified, 1, missing=NOT_APPLICABLE, notes=("ratio",)),
    Column("status", "Status (code)",
           "meets-recommendation, better-than-2019-average, worse-than-2019-average or no-qualified-staff.",
           lambda f: f.status, notes=("status",)),
    Column("status_label", "Status", "The status in words, for example Better than the 2019 average.",
           lambda f: STATUS_LABELS[f.status], notes=("status",)),
    Column("recommended_wte", "Qualified staff that would meet the recommended ratio (WTE)",
           "NHS staff WTE divided by the recommended ratio, rounded up to 0.1.",
           lambda f: f.recommended_wte, 1, notes=("needed",)),
    Column("qualified_wte_needed", "Qualified staff needed to meet the recommended ratio (WTE)",
           "More qualified WTE needed to meet the recommended ratio, rounded up to 0.1 so that adding it always "
           "meets it; 0 when it is met.",
           lambda f: f.qualified_wte_needed, 1, notes=("needed",)),
    *_rank_columns(),
    *_rate_columns(),
    Column("combined_from", "Predecessors combined for the previous year",
           "When the organisation was formed by a merger, the codes whose figures were added up for the year before.",
           lambda f: " ".join(f.previous.combined_from) if f.previous and f.previous.combined_from else None,
           missing=NOT_APPLICABLE, notes=("change",)),
    Column("previous_year", "Previous year compared with",
           "The year compared with, when the same organisation code reported the year before.",
           _change(lambda c: c.previous_year), notes=("change",)),
    Column("nhs_staff_wte_change", "Change in NHS staff from the previous year (WTE)",
           "Change in NHS staff WTE from the previous year.", _change(lambda c: c.nhs_staff_wte), 2,
           notes=("change",)),
    Column("qualified_lks_wte_change", "Change in qualified library and knowledge staff from the previous year (WTE)",
           "Change in qualified LKS WTE from the previous year.", _change(lambda c: c.qualified_lks_wte), 2,
           notes=("change",)),
    Column("staff_per_qualified_change", "Change in staff ratio from the previous year (NHS staff per qualified WTE)",
           "Change in the staff ratio from the previous year; negative is better.",
           _change(lambda c: c.staff_per_qualified), 1, missing=_no_ratio_change, notes=("change", "ratio")),
    Column("qualified_wte_needed_change", "Change in qualified staff needed from the previous year (WTE)",
           "Change in qualified WTE needed from the previous year.", _change(lambda c: c.qualified_wte_needed), 1,
           notes=("change", "needed")),
    Column("previous_status", "Status in the previous year (code)", "Status in the previous year.",
           _change(lambda c: c.previous_status), notes=("status",)),
    Column("previous_status_label", "Status in the previous year", "Status in the previous year, in words.",
           _change(lambda c: STATUS_LABELS[c.previous_status]), notes=("status",)),
)


AREA_COLUMNS: tuple[Column[AreaFigures], ...] = (
    Column("area", "Area", "England or the NHS England region.", lambda a: a.name),
    Column("area_type", "Area type", "country or region.", lambda a: "country" if a.slug == "england" else "region"),
    Column("year", "Financial year", "Financial year of the returns.", lambda a: a.year),
    Column("organisations", "Organisations that sent a return (number)", "Organisations that sent a return.",
           lambda a: a.organisations, 0),
    Column("nhs_staff_wte", "NHS staff (WTE)", "Total NHS staff WTE served.", lambda a: a.nhs_staff_wte, 2),
    Column("nhs_staff_months", "Months of NHS staff (NHS Workforce Statistics)",
           "The months of the NHS Workforce Statistics its organisations' NHS staff are for, such as 2024-12 "
           "(more than one separated by spaces); empty when every figure is the organisations' own.",
           lambda a: " ".join(a.nhs_staff_months) or None, missing=NOT_APPLICABLE, notes=("nhsstaff",)),
    Column("nhs_staff_from_returns", "Organisations whose NHS staff are their return's own (number)",
           "Organisations whose NHS staff figure is the one they gave in their return, not the NHS Workforce "
           "Statistics.", lambda a: a.nhs_staff_from_returns, 0, notes=("nhsstaff",)),
    Column("qualified_lks_wte", "Qualified library and knowledge staff (WTE)", "Total qualified LKS WTE.",
           lambda a: a.qualified_lks_wte, 2),
    Column("staff_per_qualified", "Staff ratio (NHS staff per qualified WTE)",
           "Ratio of sums: total NHS staff WTE / total qualified LKS WTE.", lambda a: a.staff_per_qualified, 1,
           missing=NOT_APPLICABLE, notes=("ratio", "sums")),
    Column("status", "Status (code)",
           "Status of the area's ratio, as for organisations; no-returns when no organisation in it sent a return.",
           lambda a: a.status,
           notes=("status",)),
    Column("status_label", "Status", "The status of the area's ratio in words.", lambda a: STATUS_LABELS[a.status],
           notes=("status",)),
    Column("recommended_wte", "Qualified staff that would meet the recommended ratio (WTE)",
           "Total NHS staff WTE divided by the recommended ratio, rounded up to 0.1.",
           lambda a: a.recommended_wte, 1, notes=("needed",)),
    Column("qualified_wte_needed", "Qualified staff needed to meet the recommended ratio (WTE)",
           "More qualified WTE the area as a whole (pooled) needs to meet the recommended ratio, rounded up to 0.1.",
           lambda a: a.qualified_wte_needed, 1, notes=("needed",)),
    Column("median_ratio", "Median organisation's staff ratio (NHS staff per qualified WTE)",
           "The median of its organisations' staff ratios: the median organisation, not the area's ratio of sums.",
           lambda a: a.median_ratio, 1, missing=NOT_APPLICABLE, notes=("median",)),
    Column("organisations_short_wte", "Qualified staff needed by organisations short of the recommended ratio (WTE)",
           "Sum of qualified WTE needed by each organisation that falls short.",
           lambda a: a.organisations_short_wte, 1, notes=("needed",)),
    Column("meets_recommendation", "Organisations that meet the recommended ratio (number)",
           "Organisations that meet the recommended ratio.", lambda a: a.status_counts["meets-recommendation"], 0),
    Column("better_than_2019_average", "Organisations better than the 2019 average (number)",
           "Organisations better than the 2019 average but short of the recommendation.",
           lambda a: a.status_counts["better-than-2019-average"], 0),
    Column("worse_than_2019_average", "Organisations worse than the 2019 average (number)",
           "Organisations worse than the 2019 average.", lambda a: a.status_counts["worse-than-2019-average"], 0),
    Column("no_qualified_staff", "Organisations with no qualified staff (number)",
           "Organisations with no qualified staff reported.", lambda a: a.status_counts["no-qualified-staff"], 0),
    *(
        Column(f"{name}_total", f"{ACTIVITY_LABELS[name]}, total (number)",
               f"Total {_LABELS[name]} over the organisations that reported it; empty when none did.",
               _area_activity_total(name), 0, notes=("totals",))
        for name in ACTIVITY
    ),
    *(
        Column(f"{name}_reported", f"{ACTIVITY_LABELS[name]}, organisations that reported it (number)",
               f"How many organisations reported {_LABELS[name]}.",
               _area_activity_reported(name), 0)
        for name in ACTIVITY
    ),
    *(
        Column(f"{name}_per_1000_staff", f"{ACTIVITY_LABELS[name]} per 1,000 NHS staff (number)",
               f"{ACTIVITY_LABELS[name]} per 1,000 WTE NHS staff, over the organisations that reported it.",
               _area_rate(name, lambda r: r.per_1000_staff), 1, notes=("rates", "totals"))
        for name in ACTIVITY
    ),
    Column("like_for_like_previous_year", "Like-for-like change: previous year compared with",
           "The year compared with, over the organisations that reported in both years.",
           _like_for_like(lambda c: c.previous_year), notes=("likeforlike",)),
    Column("like_for_like_organisations", "Like-for-like change: organisations in both years (number)",
           "How many organisations reported in both years: the change is worked out over these only.",
           _like_for_like(lambda c: c.organisations), 0, notes=("likeforlike",)),
    Column("like_for_like_qualified_lks_wte_change",
           "Like-for-like change in qualified library and knowledge staff (WTE)",
           "Change in qualified LKS WTE over the organisations that reported in both years.",
           _like_for_like(lambda c: c.qualified_change), 2, notes=("likeforlike",)),
    Column("like_for_like_nhs_staff_wte_change", "Like-for-like change in NHS staff (WTE)",
           "Change in NHS staff WTE over the organisations that reported in both years.",
           _like_for_like(lambda c: c.nhs_staff_change), 2, notes=("likeforlike",)),
    Column("like_for_like_previous_staff_per_qualified",
           "Like-for-like staff ratio the previous year (NHS staff per qualified WTE)",
           "The ratio of sums the previous year over the organisations that reported in both years.",
           _like_for_like(lambda c: c.previous_staff_per_qualified), 1, missing=NOT_APPLICABLE,
           notes=("likeforlike", "sums")),
    Column("like_for_like_staff_per_qualified", "Like-for-like staff ratio this year (NHS staff per qualified WTE)",
           "The ratio of sums this year over the organisations that reported in both years.",
           _like_for_like(lambda c: c.staff_per_qualified), 1, missing=NOT_APPLICABLE,
           notes=("likeforlike", "sums")),
    Column("joined", "Organisations that reported this year but not the previous year (number)",
           "Not part of the like-for-like change.", lambda a: a.change.joined if a.change else None, 0,
           notes=("likeforlike",)),
    Column("left", "Organisations that reported the previous year but not this year (number)",
           "Not part of the like-for-like change; organisations that merged into one that reported are not counted.",
           lambda a: a.change.left if a.change else None, 0, notes=("likeforlike",)),
)


def org_rows(figures: Figures) -> list[OrgFigures]:
    """Every organisation in the report's scope, every year."""
    return [figures.organisations[k] for k in sorted(figures.organisations) if figures.in_scope(figures.organisations[k])]


def area_rows(figures: Figures) -> list[AreaFigures]:
    """England (in England's report, or when every region sent returns) and each region,
    every year; a region with no returns says so rather than show a status."""
    rows = []
    for year in figures.years:
        if figures.scope == ENGLAND or figures.england_complete(year):
            rows.append(figures.england[year])
        rows.extend(a for (y, _), a in sorted(figures.regions.items()) if y == year)
    return rows


def organisations_table(figures: Figures) -> Table:
    """One row per organisation per year, every computed figure."""
    return table("figures", ORG_COLUMNS, org_rows(figures))


def areas_table(figures: Figures) -> Table:
    """England and each region, per year."""
    return table("areas", AREA_COLUMNS, area_rows(figures))


def open_data_tables(figures: Figures) -> dict[str, Table]:
    """The tables every download is written from, by the name the spreadsheet asks for."""
    return {"organisations": organisations_table(figures), "areas": areas_table(figures)}


def _csv_writer(column: Column) -> Callable[[Value], str]:
    if column.places is None:
        return lambda value: "" if value is None else formula_safe(str(value))
    if column.places == 0:
        return lambda value: "" if value is None else str(int(value))  # type: ignore[arg-type]
    places = column.places
    return lambda value: "" if value is None else f"{value:.{places}f}"


def csv_bytes(data: Table) -> bytes:
    """The table as CSV: one header row of machine names, then the rows; UTF-8 with a
    byte-order mark, so that Excel opens accented names rightly."""
    writers = [_csv_writer(c) for c in data.columns]
    buffer = io.StringIO()
    # CRLF, as RFC 4180 and Excel have it; it also makes the csv module quote a field
    # that holds a bare carriage return, which with "\n" it would leave to split the row.
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(data.names)
    writer.writerows([write(value) for write, value in zip(writers, row, strict=True)] for row in data.rows)
    return buffer.getvalue().encode("utf-8-sig")


def json_bytes(meta: dict[str, Any], tables: dict[str, Table]) -> bytes:
    """The facts in ``meta``, then each table's rows as typed JSON objects under its key.

    One object a line: as readable and diffable as an indented file, and written by the
    json module's C encoder (which ``indent`` turns off) about four times as fast."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    parts = [f" {encode(key)}: {encode(value)}" for key, value in meta.items()]
    for key, data in tables.items():
        names = data.names
        rows = ",\n".join(f"  {encode(dict(zip(names, row, strict=True)))}" for row in data.rows)
        parts.append(f" {encode(key)}: [\n{rows}\n ]" if rows else f" {encode(key)}: []")
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8")


@dataclass(frozen=True)
class About:
    """What the downloads say of themselves, from the site config."""

    title: str
    publisher: str
    published: dt.date
    illustrative: bool
    credit: str = ""
    """The data credit line, if the config gives one."""
    licence: str = "Open Government Licence v3.0"
    scope: str = ENGLAND
    """Whose report: England, or one region."""
