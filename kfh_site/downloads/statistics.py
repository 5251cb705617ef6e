"""Figures -> the statistics workbook: what each sheet says, in any spreadsheet format.

It follows the Government Analysis Function's "Releasing statistics in spreadsheets": a
cover sheet, a contents sheet and a notes sheet, then one table a sheet; each sheet's title
in cell A1 and a few short lines under it; one header row with units; no merged cells, no
blank rows or columns inside a table; numbers stored as numbers; "[x]" and "[z]" where a
figure is missing, explained in the notes; text made formula-safe.

A table sheet is one entry in ``TABLE_SHEETS``; a new column in downloads.ORG_COLUMNS or
AREA_COLUMNS appears here, in the CSV and in the JSON alike. ods.py writes the workbook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kfh_site.domain import NHS_STAFF_FROM_WORKFORCE, WORKFORCE_CREDIT
from kfh_site.downloads.sheets import NOT_APPLICABLE, NOT_AVAILABLE, Line, Link, Sheet, Spreadsheet, Subheading
from kfh_site.returns.contract import ACTIVITY
from kfh_site.story import formatting as fmt

if TYPE_CHECKING:
    from kfh_site.downloads.tables import About, Table
    from kfh_site.figures.types import Figures


# --- the statistics workbook -----------------------------------------------------------

@dataclass(frozen=True)
class TableSheet:
    """A sheet that shows one open data table (or some of its columns)."""

    name: str
    title: str
    """Cell A1; ``{years}`` becomes the years the returns cover."""
    holds: str
    """What the sheet holds, for the contents sheet."""
    table: str
    """Which table: "organisations" or "areas" (downloads.open_data_tables)."""
    columns: tuple[str, ...] = ()
    """Only these columns, by machine name, in this order; all of them when empty."""


TABLE_SHEETS = (
    TableSheet("Organisations", "Library and knowledge services of each NHS organisation, {years}",
               "Staffing, activity, staff ratio and status of every organisation that sent a return, "
               "each year, with the change from the year before", "organisations"),
    TableSheet("Ranks_and_rates", "Ranks, medians and activity rates of each NHS organisation, {years}",
               "Each organisation's rank by staff ratio among all organisations, its type and its region, the "
               "median organisations, and its activity per qualified WTE and per 1,000 NHS staff, each year",
               "organisations",
               ("org_code", "org_name", "region", "org_type", "year", "staff_per_qualified",
                "rank_all", "rank_all_tied", "rank_all_of", "median_all", "rank_type", "rank_type_tied",
                "rank_type_of", "median_type", "rank_region", "rank_region_tied", "rank_region_of", "median_region",
                *(f"{a}_{rate}" for a in ACTIVITY
                  for rate in ("per_qualified_wte", "per_1000_staff", "type_median_per_1000_staff")))),
    TableSheet("Regions_and_England", "Library and knowledge services in each NHS England region and England, {years}",
               "Totals, ratio of sums, status and organisations by status for England and each region, each year",
               "areas"),
)

NOTES = (
    ("x", ("[x] means not available: the organisation did not report the figure in its return, or sent no "
           "return the year before to compare with. A figure that was not reported is never shown as 0.")),
    ("z", ("[z] means not applicable: there is no staff ratio (and no change in it) where no qualified "
           "library and knowledge staff were reported.")),
    ("ratio", ("The staff ratio is NHS staff (whole-time equivalent, WTE) per qualified library and knowledge "
               "staff member (WTE), shown on the website as 1 : N. The recommended ratio is 1 : {recommended}; "
               "the 2019 average was 1 : {baseline}.")),
    ("status", ("Status compares the staff ratio, rounded to a whole number, with the policy: "
                "Meets the recommended ratio (1 : {recommended} or better); Better than the 2019 average "
                "(1 : {baseline} or better); Worse than the 2019 average; or No qualified staff reported. "
                "The status (code) column gives the same as a short code for software.")),
    ("sums", ("The staff ratio of a region or England is a ratio of sums: the total NHS staff WTE of its "
              "organisations divided by their total qualified WTE, never an average of their ratios.")),
    ("needed", ("Qualified staff needed is the more qualified WTE needed to meet the recommended ratio, rounded "
                "up to 0.1 so that adding it always meets the ratio; 0 when it is met. For a region or England it "
                "is given for the area as a whole and as the sum over the organisations that fall short.")),
    ("change", ("Change from the previous year is this year's figure minus the previous year's, for the same "
                "organisation code (or, for an organisation formed by a merger, its predecessors' figures added "
                "up). A fall in the staff ratio (a negative change) is better.")),
    ("totals", ("Activity totals for a region or England add up the organisations that reported the figure; "
                "the matching column says how many did.")),
    ("rounding", ("WTE figures are given to 2 decimal places, staff ratios and qualified staff needed to 1. "
                  "Figures are as calculated, so totals may differ slightly from sums of rounded figures.")),
    ("rank", ("Organisations are ranked by staff ratio among those that reported qualified staff that year: "
              "among all organisations, among those of the same type and within the region. Rank 1 has the "
              "fewest NHS staff per qualified WTE; organisations whose ratios are equal as shown (to the whole "
              "number) share a rank. Organisations with no qualified staff are not ranked.")),
    ("median", ("A median organisation's figure is the middle of the organisations' own figures: it is not the "
                "ratio of sums of a region or England.")),
    ("rates", ("Activity rates are the activity count per qualified WTE and per 1,000 WTE NHS staff. For a "
               "region or England they count only the organisations that reported the activity.")),
    ("likeforlike", ("The like-for-like change of a region or England is worked out over the organisations that "
                     "reported in both years; organisations that reported in only one of the two years are "
                     "counted separately and not mixed into the change.")),
    ("nhsstaff", ("NHS staff are each organisation's whole-time equivalent staff, all staff groups. Where the "
                  "source column says NHS Workforce Statistics, the figure is from NHS England's monthly NHS "
                  "Workforce Statistics for the month given (for each financial year, the latest month held or "
                  "the month the report chose): " + WORKFORCE_CREDIT + ". Where it says return, the figure is "
                  "the one the organisation gave in its own return.")),
)
"""Numbered in this order; a column refers to a note by its key (downloads.Column.notes)."""


def spreadsheet_path(report_year: str) -> str:
    """``downloads/lks-statistics-2024-25.ods``."""
    return f"downloads/lks-statistics-{report_year.replace('/', '-')}.ods"


def statistics_workbook(figures: Figures, tables: Mapping[str, Table], about: About) -> Spreadsheet:
    """The cover, contents and notes sheets, then one sheet for each of TABLE_SHEETS."""
    years = _years(figures.years)
    title = f"Library and knowledge services statistics {figures.report_year}"
    numbers = {key: n for n, (key, _) in enumerate(NOTES, start=1)}
    table_sheets = tuple(_table_sheet(spec, tables[spec.table], numbers, years, about.illustrative)
                         for spec in TABLE_SHEETS)
    notes = _notes_sheet(figures)
    workforce = any(o.nhs_staff_source == NHS_STAFF_FROM_WORKFORCE for o in figures.organisations.values())
    listed = (notes, *table_sheets)
    contents = Sheet(
        "Contents", "Contents",
        ("This worksheet contains one table. Each sheet name links to its sheet.",),
        ("Sheet name", "Sheet title", "What the sheet holds"),
        ([Link(s.name, f"#{s.name}.A1") for s in listed], [s.title for s in listed],
         ["The notes and shorthand the tables refer to",
          *(spec.holds for spec in TABLE_SHEETS)]),
        (None, None, None),
    )
    return Spreadsheet(title, f"Statistics of NHS library and knowledge services in {about.scope}, {years}",
                    about.published, (_cover(title, about, years, workforce), contents, notes, *table_sheets))


def _cover(title: str, about: About, years: str, workforce: bool) -> Sheet:
    """``workforce``: whether any NHS staff figure is from the NHS Workforce Statistics."""
    lines: list[Line] = []
    if about.illustrative:
        lines += [Subheading("Illustrative figures"),
                  ("The library and knowledge services figures in this spreadsheet are synthetic examples, "
                   "not real returns. The NHS staff figures are real.")]
    lines += [
        Subheading("What this spreadsheet contains"),
        (f"Staffing, activity and staff ratios of NHS library and knowledge services in {about.scope}, {years}: "
         "every organisation that sent a return, and the areas they belong to."),
        ("The Contents sheet lists the tables. The Notes sheet explains the notes and the shorthand "
         f"{NOT_AVAILABLE} (not available) and {NOT_APPLICABLE} (not applicable) that the tables use."),
        Subheading("Source"),
        f"Library and knowledge services statistics returns from NHS organisations, {years}."
        + (f" NHS staff: {NHS_STAFF_FROM_WORKFORCE}. {WORKFORCE_CREDIT}." if workforce else "")
        + (f" {about.credit}" if about.credit else ""),
        Subheading("Publisher"),
        about.publisher,
        Subheading("Date published"),
        fmt.date(about.published),
        Subheading("Contact"),
        f"{about.publisher}, publisher of {about.title}.",
        Subheading("Licence"),
        f"You may re-use these statistics under the {about.licence}.",
        Link(f"{about.licence} (nationalarchives.gov.uk)",
             "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"),
    ]
    return Sheet("Cover", title, tuple(lines))


def _notes_sheet(figures: Figures) -> Sheet:
    policy = {"recommended": fmt.count(figures.policy.recommended_ratio),
              "baseline": fmt.count(figures.policy.baseline_ratio)}
    return Sheet(
        "Notes", "Notes",
        ("This worksheet contains one table. Tables refer to these notes as [note 1], [note 2] and so on.",),
        ("Note number", "Note text"),
        ([f"[note {n}]" for n in range(1, len(NOTES) + 1)], [text.format(**policy) for _, text in NOTES]),
        (None, None),
    )


def _table_sheet(spec: TableSheet, table: Table, numbers: Mapping[str, int], years: str,
                 illustrative: bool) -> Sheet:
    """The table's columns (every missing figure as its shorthand), headings that name
    their notes, and lines that say what the sheet holds."""
    chosen = [table.names.index(name) for name in spec.columns] if spec.columns else range(len(table.columns))
    columns = [table.columns[i] for i in chosen]
    cells = []
    by_column = list(zip(*table.rows, strict=True)) if table.rows else [() for _ in table.columns]
    for i, column in zip(chosen, columns, strict=True):
        missing = column.missing
        if callable(missing):
            cells.append([missing(item) if value is None else value
                          for value, item in zip(by_column[i], table.items, strict=True)])
        else:
            cells.append([missing if value is None else value for value in by_column[i]])
    headings = tuple(" ".join([c.heading, *(f"[note {n}]" for n in sorted(numbers[key] for key in c.notes))])
                     for c in columns)
    lines = [
        "This worksheet contains one table. Some column headings refer to notes, which are on the Notes sheet.",
        (f"{NOT_AVAILABLE} means not available and {NOT_APPLICABLE} means not applicable "
         f"(see [note {numbers['x']}] and [note {numbers['z']}])."),
    ]
    if illustrative:
        lines.append("Illustrative figures: the library and knowledge services figures are synthetic.")
    return Sheet(spec.name, spec.title.format(years=years), tuple(lines), headings, tuple(cells),
                 tuple(c.places for c in columns))


def _years(years: Sequence[str]) -> str:
    """``2023/24 and 2024/25``."""
    return years[0] if len(years) == 1 else f"{', '.join(years[:-1])} and {years[-1]}"
