"""The data contract: the columns a return holds, the headers that name them, the regions
and years it may give, and which files are returns.

Light on purpose (no pandas): the configuration, the blank return and the up-to-date
check use it without loading what reading returns needs. docs/data-contract.md says the
same in words; a test keeps the two in step.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping

from kfh_site.errors import DataError, Problem
from kfh_site.project_files import files_in

REGIONS = (
    "East of England",
    "London",
    "Midlands",
    "North East and Yorkshire",
    "North West",
    "South East",
    "South West",
)

NOT_REPORTED = ("", "n/a", "-", "..")
"""Markers for *not reported* (compared after trimming and lower-casing)."""


@dataclass(frozen=True)
class Column:
    """One column of the contract.

    ``aliases`` are the other headers a return may give it, matched after
    ``normalise_header``; the first is the heading suggested to users. They are listed
    in docs/data-contract.md, which a test keeps in step with this table.
    """

    name: str
    required: bool
    kind: str  # code, text, region, year, number, whole
    minimum: float = 0
    minimum_inclusive: bool = True
    label: str = ""
    aliases: tuple[str, ...] = ()
    bounds: Bounds | None = None


@dataclass(frozen=True)
class Bounds:
    """What one organisation's figure can be at all: beyond these a value is a slip (a
    total typed for a single trust, a figure in the wrong column) and an error, and no
    figure a chart or a sum cannot handle reaches them. Plausibility warnings are softer
    and elsewhere."""

    highest: float
    lowest_above_zero: float = 0.0
    """A value above 0 but below this is an error (0 itself is allowed when the column's
    minimum allows it)."""
    why: str = ""


STAFF_MOST = 200_000
"""The most NHS staff one organisation can have: the largest trusts have about a tenth of it."""
_STAFF = Bounds(STAFF_MOST, 1, "for one organisation")
_LKS_WTE = Bounds(1_000, 0.05, "WTE for one library and knowledge service")
_ROLE_WTE = Bounds(1_000, why="WTE for one library and knowledge service")
_COUNT = Bounds(10_000_000, why="in one year for one organisation")

COLUMNS: tuple[Column, ...] = (
    Column("org_code", True, "code", label="ODS organisation code", aliases=(
        "ODS code", "ODS organisation code", "Organisation code", "Organisation ODS code", "ODS")),
    Column("org_name", True, "text", label="organisation name", aliases=(
        "Organisation name", "Organisation", "Name of organisation", "Trust name")),
    Column("region", True, "region", label="NHS England region", aliases=(
        "NHS region", "NHS England region", "Region name")),
    Column("org_type", False, "text", label="organisation type", aliases=(
        "Organisation type", "Type of organisation", "Trust type")),
    Column("year", True, "year", label="return year", aliases=(
        "Year", "Return year", "Financial year", "Reporting year")),
    Column("nhs_staff_wte", True, "number", 0, False, "NHS staff served (WTE)", aliases=(
        "NHS staff (WTE)", "NHS staff", "NHS staff served (WTE)", "NHS staff served",
        "Total NHS staff (WTE)", "NHS workforce (WTE)"), bounds=_STAFF),
    Column("qualified_lks_wte", True, "number", label="qualified LKS staff (WTE)", aliases=(
        "Qualified LKS staff (WTE)", "Qualified LKS staff", "Qualified staff (WTE)",
        "Qualified library and knowledge staff (WTE)", "Qualified librarians and knowledge specialists (WTE)"),
        bounds=_LKS_WTE),
    Column("other_lks_wte", False, "number", label="other LKS staff (WTE)", aliases=(
        "Other LKS staff (WTE)", "Other LKS staff", "Other staff (WTE)", "Other library and knowledge staff (WTE)"),
        bounds=_ROLE_WTE),
    Column("clinical_librarian_wte", False, "number", label="clinical librarians (WTE)", aliases=(
        "Clinical librarians (WTE)", "Clinical librarian (WTE)", "Clinical librarians",
        "Embedded clinical librarians (WTE)"), bounds=_ROLE_WTE),
    Column("knowledge_manager_wte", False, "number", label="knowledge managers (WTE)", aliases=(
        "Knowledge managers (WTE)", "Knowledge manager (WTE)", "Knowledge managers"), bounds=_ROLE_WTE),
    Column("literature_searches", False, "whole", bounds=_COUNT, label="literature searches", aliases=(
        "Literature searches", "Number of literature searches", "Lit searches")),
    Column("evidence_summaries", False, "whole", bounds=_COUNT, label="evidence summaries", aliases=(
        "Evidence summaries", "Number of evidence summaries")),
    Column("training_sessions", False, "whole", bounds=_COUNT, label="training sessions", aliases=(
        "Training sessions", "Number of training sessions", "Training sessions delivered")),
    Column("people_trained", False, "whole", bounds=_COUNT, label="people trained", aliases=(
        "People trained", "Number of people trained", "Number trained")),
    Column("document_supply_requests", False, "whole", bounds=_COUNT, label="document supply requests", aliases=(
        "Document supply requests", "Number of document supply requests", "Document supply")),
    Column("loans", False, "whole", bounds=_COUNT, label="loans", aliases=(
        "Loans", "Number of loans")),
    Column("registered_users", False, "whole", bounds=_COUNT, label="registered users", aliases=(
        "Registered users", "Number of registered users")),
    Column("current_awareness_subscribers", False, "whole", bounds=_COUNT, label="current awareness subscribers", aliases=(
        "Current awareness subscribers", "Number of current awareness subscribers",
        "Current awareness bulletin subscribers")),
    Column("impact_case_studies", False, "whole", bounds=_COUNT, label="impact case studies", aliases=(
        "Impact case studies", "Number of impact case studies")),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
COLUMNS_BY_NAME = {c.name: c for c in COLUMNS}
REQUIRED = tuple(c.name for c in COLUMNS if c.required)
ACTIVITY = tuple(c.name for c in COLUMNS if c.kind == "whole")
ACTIVITY_LABELS = {c.name: c.label[:1].upper() + c.label[1:] for c in COLUMNS if c.kind == "whole"}
"""Activity columns as pages and PDFs name them: ``Literature searches``."""

YEAR_SHAPE = re.compile(r"^(\d{4})\s*[/\-–]\s*(\d{4}|\d{2})$")
_CLOSE_HEADER = 0.8
"""How alike (difflib ratio) an unknown header and a known one must be to be a near miss."""


def normalise_header(name: object) -> str:
    """``" NHS Staff (FTE) "`` -> ``nhs_staff_wte``: case, spaces, punctuation and brackets
    do not matter, ``&`` reads as "and" and FTE (full-time equivalent) as WTE."""
    text = str(name).lower().replace("&", " and ").replace("'", "").replace("\u2019", "")
    return "_".join("wte" if word == "fte" else word for word in re.findall(r"[^\W_]+", text))


KNOWN_HEADERS: dict[str, str] = {
    normalise_header(header): column.name for column in COLUMNS for header in (column.name, *column.aliases)
}
"""Every header the contract understands, normalised -> its column."""


def heading(column: str) -> str:
    """The column's header in the blank return ("NHS staff (WTE)"): the words messages use,
    with the contract's name after them."""
    return COLUMNS_BY_NAME[column].aliases[0]


def header_lookup(columns: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
    """Known headers plus the site's own ``[columns]`` table, which wins."""
    lookup = dict(KNOWN_HEADERS)
    lookup.update((normalise_header(header), column) for header, column in columns)
    return lookup


def closest_column(header: str, known_headers: Mapping[str, str] = KNOWN_HEADERS) -> str | None:
    """The contract column an unknown header most looks like, if it looks like one at all.

    A near miss is a header alike in spelling ("Literature serches") or one that holds
    every word of a known header of two words or more ("Evidence summary count").
    """
    key = normalise_header(header)
    if not key:
        return None
    words = _stems(key)
    best, best_ratio = None, 0.0
    for known, column in known_headers.items():
        matcher = difflib.SequenceMatcher(None, key, known)
        holds_words = "_" in known and _stems(known) <= words
        if not holds_words and (matcher.real_quick_ratio() < _CLOSE_HEADER or matcher.quick_ratio() < _CLOSE_HEADER):
            continue
        ratio = matcher.ratio()
        if (holds_words or ratio >= _CLOSE_HEADER) and ratio > best_ratio:
            best, best_ratio = column, ratio
    return best


@dataclass(frozen=True)
class Contract:
    """The columns one kind of file holds and the headers that name them.

    Returns follow ``RETURNS``; the NHS workforce files (returns/workforce.py) follow a
    contract of their own, read by the same header search, sheet choice and messages.
    ``mapping`` names the kfh-site.toml table where a user maps any other header.
    """

    columns: tuple[Column, ...]
    mapping: str = "[columns]"
    described_in: str = "docs/data-contract.md"

    @functools.cached_property
    def by_name(self) -> dict[str, Column]:
        """Columns by name, for lookups."""
        return {c.name: c for c in self.columns}

    @functools.cached_property
    def required(self) -> tuple[str, ...]:
        """The columns a file must have."""
        return tuple(c.name for c in self.columns if c.required)

    @functools.cached_property
    def known_headers(self) -> dict[str, str]:
        """Every header the contract understands, normalised -> its column."""
        return {normalise_header(h): c.name for c in self.columns for h in (c.name, *c.aliases)}

    def lookup(self, columns: Iterable[tuple[str, str]] = ()) -> dict[str, str]:
        """Known headers plus the site's own mapping table, which wins."""
        lookup = dict(self.known_headers)
        lookup.update((normalise_header(header), column) for header, column in columns)
        return lookup

    def closest(self, header: str) -> str | None:
        """The column a header nearly names, for a 'did you mean' hint."""
        return closest_column(header, self.known_headers)

    def heading(self, name: str) -> str:
        """A column's header in the blank return ("NHS staff (WTE)"): the words messages use,
        with the contract's name after them."""
        return self.by_name[name].aliases[0]

    def with_optional(self, *names: str) -> Contract:
        """The same contract with ``names`` no longer required (NHS staff, when the
        workforce figures supply it)."""
        return replace(self, columns=tuple(replace(c, required=False) if c.name in names else c
                                           for c in self.columns))


RETURNS = Contract(COLUMNS)
"""The contract every return follows."""


def returns_contract(workforce: bool) -> Contract:
    """The returns' contract: with NHS workforce figures configured, a return need not
    give NHS staff (``nhs_staff_wte``)."""
    return RETURNS.with_optional("nhs_staff_wte") if workforce else RETURNS


WORKFORCE = Contract(
    (
        Column("org_code", True, "code", label="ODS organisation code", aliases=(
            "Organisation code", "Org code", "ODS code", "ODS organisation code", "Organisation ODS code",
            "Org ODS code", "Trust code")),
        Column("org_name", False, "text", label="organisation name", aliases=(
            "Organisation name", "Org name", "Organisation", "Trust name")),
        Column("period", False, "text", label="month", aliases=(
            "Period", "Month", "Date", "Reporting period", "Period end", "Month end", "Census date")),
        Column("staff_fte", True, "number", 0, False, label="NHS staff (FTE)", aliases=(
            "FTE", "Staff FTE", "Full time equivalent", "Full-time equivalent", "NHS staff FTE", "Total FTE",
            "Staff WTE", "WTE", "NHS staff (WTE)", "FTE staff", "Staff in post FTE"),
            bounds=Bounds(STAFF_MOST, why="for one organisation")),
    ),
    mapping="[workforce.columns]",
)
"""What a workforce file holds: one row per organisation (per month, if it has a period
column; otherwise its name gives the month, as the published files' names do)."""


def _stems(key: str) -> set[str]:
    """Words without their plural ending, so "summary" and "summaries" are one word."""
    stems = set()
    for word in key.split("_"):
        if word.endswith("ies") and len(word) > 4:
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith("ss") and len(word) > 3:
            word = word[:-1]
        stems.add(word)
    return stems


def financial_year(value: str) -> str | None:
    """``2024/25``, ``2024-25``, ``2024/2025``, ``2024 - 2025`` -> ``2024/25``; None if not
    a financial year of two consecutive years."""
    match = YEAR_SHAPE.match(value)
    if not match:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    following = first + 1 if len(match.group(2)) == 4 else (first + 1) % 100
    return f"{first}/{(first + 1) % 100:02d}" if second == following else None


OTHER_SPREADSHEETS = {
    ".xlsm": "an Excel workbook with macros", ".xlsb": "a binary Excel workbook", ".xls": "an Excel 97-2003 workbook",
    ".xltx": "an Excel template", ".xltm": "an Excel template", ".ods": "an OpenDocument spreadsheet",
    ".numbers": "a Numbers spreadsheet", ".tsv": "a tab-separated file",
}
"""Spreadsheets kfh-site does not read, said rather than skipped: a return saved in one of
them would otherwise be left out of the report without a word."""


def find_return_files(folder: Path, root: Path | None = None) -> list[Path]:
    """Every .csv and .xlsx under ``folder``, in a stable order; Excel lock files skipped.
    A spreadsheet of another kind is an error naming it, never silently left out."""
    found = [p for p in files_in(folder, root or folder) if not p.name.startswith(("~$", ".~lock."))]
    others = [p for p in found if p.suffix.lower() in OTHER_SPREADSHEETS]
    if others:
        raise DataError([Problem(display_name(p, root or folder), None, None, other_spreadsheet(p))
                         for p in others])
    return [p for p in found if p.suffix.lower() in (".csv", ".xlsx")]


def other_spreadsheet(path: Path) -> str:
    """What to do with a spreadsheet kfh-site does not read."""
    kind = OTHER_SPREADSHEETS.get(path.suffix.lower(), f"a {path.suffix or 'extensionless'} file")
    return (f"is {kind} ({path.suffix.lower()}), which kfh-site does not read: open it and save it as an Excel "
            'Workbook (.xlsx) or as "CSV UTF-8" (.csv), then remove this file from the folder')


def column_letter(number: int) -> str:
    """A spreadsheet column's letters, counting from 1: 1 -> A, 27 -> AA. openpyxl's
    get_column_letter gives the same (a test says so), but importing openpyxl takes a
    quarter of a second or more, which every build would pay for the downloads' ODS."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def display_name(path: Path, root: Path) -> str:
    """A path as the user knows it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
