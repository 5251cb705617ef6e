"""Return files (CSV or XLSX) -> one validated table.

Every problem in every file is collected before anything is raised, so a librarian
fixing a return sees the whole list at once, not one error per run. Reading a file's
sheets is sheets.py's work; the contract's rules are applied here, and plausible.py
looks for figures that are valid but unlikely.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from kfh_site.errors import DataError, FileProblem, Problem
from kfh_site.returns.contract import (
    NOT_REPORTED,
    REGIONS,
    RETURNS,
    YEAR_SHAPE,
    Column,
    Contract,
    display_name,
    financial_year,
)
from kfh_site.returns.plausible import plausibility_warnings
from kfh_site.returns.sheets import RawTable, Reading, read_raw_tables, row_ranges, where
from kfh_site.returns.workbook import NoCachedValue

SOURCE_COLUMNS = ("source_file", "source_row", "source_sheet")
_CODE = re.compile(r"^[A-Z0-9]{3,6}$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+),(\d+)$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2})?)?$")
_YEAR_ALONE = re.compile(r"^(19|20)\d{2}$")


@dataclass(frozen=True)
class Returns:
    """The validated returns: one row per organisation per year.

    Numeric columns are floats, NaN meaning *not reported*; ``source_file``,
    ``source_sheet`` and ``source_row`` say where each row came from. ``notes`` are what
    a user should know but that is not wrong: a header found below title rows, columns
    ignored, sheets read, totals rows skipped. ``warnings`` are figures that keep the
    contract but are unlikely (``--strict`` makes them errors).
    """

    table: pd.DataFrame
    files: tuple[str, ...]
    notes: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()

    @property
    def years(self) -> tuple[str, ...]:
        """Every return year held, in order."""
        return tuple(sorted(self.table["year"].unique()))

    def summary(self) -> str:
        """What validate reports when all is well: organisations, years, regions, files."""
        t = self.table
        regions = t["region"].nunique()
        return (
            f"{t['org_code'].nunique():,} organisations, {len(self.years)} "
            f"{'year' if len(self.years) == 1 else 'years'} ({', '.join(self.years) or 'none'}), "
            f"{regions} {'region' if regions == 1 else 'regions'}, {len(self.files)} "
            f"{'file' if len(self.files) == 1 else 'files'}"
        )


def load_returns(paths: Sequence[Path], root: Path, sheet: str | None = None,
                 columns: Iterable[tuple[str, str]] = (), strict: bool = False,
                 contract: Contract = RETURNS) -> Returns:
    """Read and validate every file; raise one DataError listing every problem.

    ``sheet`` is the ``xlsx_sheet`` setting, ``columns`` the ``[columns]`` table:
    (header as the file shows it, contract column) pairs. ``strict`` makes the
    plausibility warnings errors. ``contract`` is the returns' (returns_contract says
    which columns it requires).
    """
    problems: list[Problem] = []
    frames: list[pd.DataFrame] = []
    names: list[str] = []
    notes: list[str] = []
    headers: dict[tuple[str, str | None], RawTable] = {}
    if not paths:
        raise DataError([Problem("data", None, None, "no .csv or .xlsx return files were found")])
    reading = Reading.of(contract, columns)
    for path in paths:
        name = display_name(path, root)
        names.append(name)
        try:
            raws = read_raw_tables(path, name, sheet, reading)
        except FileProblem as exc:
            problems.extend(exc.problems)
            continue
        for raw in raws:
            notes.extend(raw.notes)
            frame, file_problems = validate_table(raw, contract)
            problems.extend(file_problems)
            frames.append(frame)
            headers[(name, raw.sheet)] = replace(raw, rows=[], row_numbers=[])
            if path.suffix.lower() == ".xlsx" or raw.year:
                notes.append(_what_was_taken(raw, frame))
    table = pd.concat(frames, ignore_index=True) if frames else _empty_table(contract)
    problems.extend(_duplicate_problems(table, headers))
    if problems:
        raise DataError(problems)
    table = table.sort_values(["year", "org_code"], kind="stable").reset_index(drop=True)
    warnings = plausibility_warnings(table, headers)
    if strict and warnings:
        raise DataError(list(warnings), strict=True)
    return Returns(table=table, files=tuple(names), notes=tuple(notes), warnings=tuple(warnings))


def _what_was_taken(raw: RawTable, frame: pd.DataFrame) -> str:
    """What a sheet gave: its rows and years, and where a year came from."""
    years = sorted(y for y in frame["year"].dropna().unique())
    count = len(frame)
    took = f"{count} {'row' if count == 1 else 'rows'} for {', '.join(years) or 'no year'}"
    if raw.year:
        took += (f" (the year from the {'sheet' if raw.year_from == 'sheet' else 'file'}'s name: "
                 f"it has no year column)")
    return f"{raw.where}: read {took}"


def in_scope(returns: Returns, scope: str) -> Returns:
    """A region's report: rows for other regions named, and what happens to them.

    A year whose returns come from every region keeps the others' rows for comparisons
    with England; otherwise a few stray rows would make a region of one or two
    organisations, so they are left out of the report.
    """
    if scope not in REGIONS:
        return returns
    table = returns.table
    others = table[table["region"] != scope]
    if others.empty:
        return returns
    complete = {y for y, group in table.groupby("year") if group["region"].nunique() == len(REGIONS)}
    notes = list(returns.notes)
    dropped = others[~others["year"].isin(complete)]
    kept = others[others["year"].isin(complete)]
    for rows, what in ((kept, "used only for comparisons (England and the other regions); no page of this "
                              "report is theirs"),
                       (dropped, "left out: the data does not hold every region for that year, so they "
                                 "cannot be compared")):
        for (file, sheet), group in rows.groupby(["source_file", "source_sheet"], sort=True, dropna=False):
            sheet_name = sheet if isinstance(sheet, str) else None
            regions = ", ".join(sorted(group["region"].unique()))
            numbers = [int(n) for n in group["source_row"]]
            ranges = row_ranges(numbers)
            rows_named = (f"{'row' if len(numbers) == 1 else 'rows'} {ranges}" if ranges.count(",") < 8
                          else f"{len(numbers):,} rows")  # a national file: a count, not a line of numbers
            notes.append(f"{where(file, sheet_name)}, {rows_named}: outside this report's "
                         f"scope ({scope}): {regions}; {what}")
    table = table.drop(index=dropped.index).reset_index(drop=True)
    return replace(returns, table=table, notes=tuple(notes))


# --- validating ----------------------------------------------------------------------


def read_raw_table(path: Path, name: str, sheet: str | None = None,
                   lookup: Mapping[str, str] | None = None, contract: Contract = RETURNS) -> RawTable:
    """One table from a CSV or XLSX file: the first sheet whose header names every column
    ``contract`` requires (``lookup`` says which header names which column; the
    contract's own headers by default). The workforce files are read this way."""
    reading = Reading(contract, contract.known_headers if lookup is None else lookup, every_sheet=False)
    return read_raw_tables(path, name, sheet, reading)[0]


def _empty_table(contract: Contract) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in (*contract.by_name, *SOURCE_COLUMNS)})


def validate_table(raw: RawTable, contract: Contract = RETURNS) -> tuple[pd.DataFrame, list[Problem]]:
    """Apply every rule of the contract to one file's rows, column by column."""
    problems: list[Problem] = []
    rows = np.array(raw.row_numbers, dtype=np.int64)
    out: dict[str, object] = {}
    for column in contract.columns:
        if column.name == "year" and raw.year:
            out[column.name] = np.full(len(rows), raw.year, dtype=object)
            continue
        if column.name not in raw.columns:
            out[column.name] = np.full(len(rows), np.nan) if column.kind in ("number", "whole") else np.full(len(rows), None, dtype=object)
            continue
        index = raw.columns.index(column.name)
        cells = pd.Series([r[index] for r in raw.rows], dtype=object)
        values, bad = _check_column(column, cells)
        out[column.name] = values
        for position, message in bad:
            problems.append(Problem(raw.file, int(rows[position]), column.name, message,
                                    sheet=raw.sheet, header=raw.header_of(column.name)))
    frame = pd.DataFrame(out)
    frame["source_file"] = raw.file
    frame["source_row"] = rows
    frame["source_sheet"] = raw.sheet
    if {"clinical_librarian_wte", "knowledge_manager_wte", "qualified_lks_wte"} <= set(frame.columns):
        problems.extend(_embedded_role_problems(frame, raw))
    return frame, problems


def _check_column(column: Column, cells: pd.Series) -> tuple[object, list[tuple[int, str]]]:
    """Return parsed values and (position, message) for each bad cell."""
    formula = cells.map(lambda v: isinstance(v, NoCachedValue)).to_numpy(dtype=bool)
    text = cells.astype(str).str.strip()
    blank = text.str.lower().isin(NOT_REPORTED).to_numpy(dtype=bool, copy=True)
    bad: list[tuple[int, str]] = [
        (int(i), f"the formula {cells.iloc[i]} has no saved value; open the file in Excel and save it again, "
         "or paste the values")
        for i in np.flatnonzero(formula)
    ]
    blank &= ~formula
    if column.required:
        for i in np.flatnonzero(blank):
            got = f'got "{text.iloc[i]}"' if text.iloc[i] else "got a blank cell"
            bad.append((int(i), f"{_expected(column)}, {got} (this column is required)"))
    check = ~blank & ~formula
    if column.kind in ("number", "whole"):
        values, invalid = _parse_numbers(text, column)
        values[blank | formula] = np.nan
        for i in np.flatnonzero(invalid & check):
            bad.append((int(i), _number_message(column, text.iloc[i])))
        for position, message in _out_of_bounds(values, column):
            bad.append((position, f'{message}, got "{_shorten(text.iloc[position])}"'))
            values[position] = np.nan
        return values, bad
    values, invalid = _parse_text(column, text, blank | formula)
    if column.kind not in ("code", "region", "year"):
        hidden = text.str.contains(INVISIBLE.pattern, regex=True).to_numpy(dtype=bool)
        for i in np.flatnonzero(hidden & check):
            bad.append((int(i), _invisible_message(text.iloc[i])))
        long = (text.str.len() > TEXT_MOST).to_numpy(dtype=bool)
        for i in np.flatnonzero(long & check & ~hidden):
            bad.append((int(i), f"is {len(text.iloc[i]):,} characters long; a name or type is at most "
                                f"{TEXT_MOST:,} (is this cell pasted from somewhere else?)"))
    for i in np.flatnonzero(invalid & check):
        bad.append((int(i), _text_message(column, text.iloc[i])))
    return values, bad


def _parse_text(column: Column, text: pd.Series, missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A text column's values (codes upper-cased, regions and years as the contract writes
    them; None where ``missing``) and which cells are not valid for its kind."""
    values = text.to_numpy(dtype=object).copy()
    values[missing] = None
    if column.kind == "code":
        upper = text.str.upper()
        invalid = ~upper.str.match(_CODE.pattern).to_numpy(dtype=bool)
        values = upper.to_numpy(dtype=object)
        values[missing] = None
    elif column.kind == "region":
        canonical = {_fold(r): r for r in REGIONS}
        mapped = text.map(lambda v: canonical.get(_fold(v)))
        invalid = mapped.isna().to_numpy()
        values = mapped.to_numpy(dtype=object)
    elif column.kind == "year":
        years = text.map(financial_year)
        invalid = years.isna().to_numpy()
        values = years.to_numpy(dtype=object).copy()
        values[missing] = None
    else:
        invalid = np.zeros(len(text), dtype=bool)
    return values, invalid


TEXT_MOST = 2_000
"""Characters a name may have: far past any organisation's, and few enough that every
page, chart and PDF can still lay it out."""
INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
                       "\ufeff\ufff9-\ufffb]")
"""Control, zero-width and bidirectional formatting characters: invisible in a name, they
can make it show as another (right-to-left override) or two names that look the same
differ (zero-width space)."""


def _invisible_message(value: str) -> str:
    found = INVISIBLE.search(value)
    assert found is not None
    char = found.group()
    name = unicodedata.name(char, "a control character")
    return (f"holds an invisible character, U+{ord(char):04X} {name}, at character {found.start() + 1}: such "
            "characters can make a name show as another. Retype the text without it")


def _parse_numbers(text: pd.Series, column: Column) -> tuple[np.ndarray, np.ndarray]:
    plain = text.str.match(_PLAIN_NUMBER.pattern).to_numpy(dtype=bool)
    grouped = text.str.match(_GROUPED_NUMBER.pattern).to_numpy(dtype=bool)
    shaped = plain | grouped
    cleaned = text.where(shaped, "nan").str.replace(",", "", regex=False)
    values = pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        ok = shaped & np.isfinite(values)
        if column.minimum_inclusive:
            ok &= values >= column.minimum
        else:
            ok &= values > column.minimum
        if column.kind == "whole":
            ok &= np.floor(values) == values
    values = np.where(ok, values, np.nan) + 0.0  # -0 becomes 0
    return values, ~ok


def _out_of_bounds(values: np.ndarray, column: Column) -> list[tuple[int, str]]:
    """Each figure past the column's hard bounds, with what it may be; the bounds are far
    from any real return, so such a figure is a slip, never a figure to publish."""
    bounds = column.bounds
    if bounds is None:
        return []
    found = []
    with np.errstate(invalid="ignore"):
        high = np.flatnonzero(values > bounds.highest)
        low = np.flatnonzero((values > 0) & (values < bounds.lowest_above_zero))
    for i in high:
        found.append((int(i), f"expected at most {_plain_bound(bounds.highest)} {bounds.why} (is it a total, "
                              "or in the wrong column?)"))
    least = _plain_bound(bounds.lowest_above_zero)
    zero = "0 or " if column.minimum_inclusive else ""
    for i in low:
        found.append((int(i), f"expected {zero}at least {least} {bounds.why}"))
    return sorted(found)


def _plain_bound(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:g}"


def _expected(column: Column) -> str:
    if column.kind == "number":
        bound = "greater than 0" if not column.minimum_inclusive else "of 0 or more"
        return f"expected a number {bound}"
    if column.kind == "whole":
        return "expected a whole number of 0 or more"
    if column.kind == "code":
        return "expected an ODS code of 3 to 6 letters and digits"
    if column.kind == "region":
        return "expected one of the seven NHS England regions"
    if column.kind == "year":
        return 'expected a financial year such as "2024/25"'
    return f"expected the {column.label}"


def _text_message(column: Column, value: str) -> str:
    got = f'got "{_shorten(value)}"'
    if column.kind == "region":
        close = difflib.get_close_matches(_fold(value), [_fold(r) for r in REGIONS], n=1, cutoff=0.5)
        if close:
            suggestion = next(r for r in REGIONS if _fold(r) == close[0])
            return f'{_expected(column)}, {got}; did you mean "{suggestion}"?'
        return f"{_expected(column)} ({', '.join(REGIONS)}), {got}"
    if column.kind == "year":
        match = YEAR_SHAPE.match(value)
        if match:
            return f"{_expected(column)} with consecutive years, {got}"
        date = _date(value)
        if date is not None:
            start = date.year if date.month >= 4 else date.year - 1
            return (f"{_expected(column)}, got the date {date.isoformat()}: write the financial year it falls "
                    f'in, "{start}/{(start + 1) % 100:02d}" (a cell formatted as a date shows a date)')
        if _YEAR_ALONE.match(value):
            first = int(value)
            return (f"{_expected(column)}, {got}: a year on its own could be either financial year; write "
                    f'"{first - 1}/{first % 100:02d}" or "{first}/{(first + 1) % 100:02d}"')
    return f"{_expected(column)}, {got}"


def _number_message(column: Column, value: str) -> str:
    """Why a cell is not a number the column takes, with a hint for the usual slips."""
    message = f'{_expected(column)}, got "{_shorten(value)}"'
    comma = _DECIMAL_COMMA.match(value)
    if comma and column.kind == "number" and not _GROUPED_NUMBER.match(value):
        whole = comma.group(1).replace(".", "")
        return f'{message}: use a decimal point, not a comma: "{whole}.{comma.group(3)}"'
    date = _date(value)
    if date is not None:
        return (f"{_expected(column)}, got the date {date.isoformat()}: the cell is formatted as a date; "
                "format it as a number and type the figure again")
    return message


def _date(value: str) -> dt.date | None:
    match = _ISO_DATE.match(value)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _fold(value: str) -> str:
    """A region as compared: case, spacing and "&" for "and" set aside."""
    return " ".join(value.lower().replace("&", " and ").split())


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _embedded_role_problems(frame: pd.DataFrame, raw: RawTable) -> list[Problem]:
    embedded = frame["clinical_librarian_wte"].fillna(0) + frame["knowledge_manager_wte"].fillna(0)
    over = (embedded > frame["qualified_lks_wte"] + 1e-9).to_numpy()
    problems = []
    for i in np.flatnonzero(over):
        row = frame.iloc[i]
        problems.append(Problem(
            row["source_file"], int(row["source_row"]), "clinical_librarian_wte",
            f"clinical_librarian_wte + knowledge_manager_wte ({_plain(embedded.iloc[i])}) is more than "
            f"qualified_lks_wte ({_plain(row['qualified_lks_wte'])}); embedded roles are part of the "
            "qualified staff",
            sheet=raw.sheet, header=raw.header_of("clinical_librarian_wte"),
        ))
    return problems


def _plain(value: float) -> str:
    return f"{value:g}"


def _sheet(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _duplicate_problems(table: pd.DataFrame, headers: Mapping[tuple[str, str | None], RawTable]) -> list[Problem]:
    keyed = table.dropna(subset=["org_code", "year"])
    dupes = keyed[keyed.duplicated(["org_code", "year"], keep=False)]
    problems = []
    for (code, year), group in dupes.groupby(["org_code", "year"], sort=True):
        first = group.iloc[0]
        for _, row in group.iloc[1:].iterrows():
            raw = headers[(row["source_file"], _sheet(row["source_sheet"]))]
            problems.append(Problem(
                row["source_file"], int(row["source_row"]), "org_code",
                f"{code} appears more than once for {year} (first at "
                f"{where(first['source_file'], _sheet(first['source_sheet']))}, "
                f"row {int(first['source_row'])}); each organisation has one row per year",
                sheet=raw.sheet, header=raw.header_of("org_code"),
            ))
    return problems
