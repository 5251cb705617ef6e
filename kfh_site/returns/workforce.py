"""NHS staff from the NHS Workforce Statistics, joined to the returns.

The staff ratio's denominator is not the library service's own number: a national or
regional team joins the official monthly figures (NHS staff FTE by organisation) to the
returns, so a typo in one return cannot reach a board paper and two services cannot
disagree about one trust. The files are read as returns are (table.py: the same header
search, sheets, banners and messages) against a contract of their own.

For each return row, NHS staff is the organisation's figure in the latest month of the
return's financial year the files hold, or in the configured month of it. A return may
still give NHS staff: it is compared with the workforce figure (a warning beyond 5 %),
and used only where the files hold no figure for the organisation that year.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from kfh_site.domain import ENGLAND, NHS_STAFF_FROM_RETURN, NHS_STAFF_FROM_WORKFORCE, Merger
from kfh_site.errors import DataError, FileProblem, Problem
from kfh_site.returns.contract import WORKFORCE, display_name, heading, returns_contract
from kfh_site.returns.months import Month, describe_months, month_in_name, month_in_year, parse_month
from kfh_site.returns.table import Returns, in_scope, load_returns, read_raw_table, validate_table

DIFFERENCE_WARNED = 0.05
"""How far (a share of the workforce figure) a return's own NHS staff may differ unremarked."""

PERIOD_EXPECTED = 'expected a month such as "2024-12", "Dec-24", "December 2024" or a date'


@dataclass(frozen=True)
class Workforce:
    """NHS staff FTE by organisation and month, from every workforce file."""

    staff: Mapping[tuple[str, Month], float]
    files: tuple[str, ...]
    notes: tuple[str, ...] = ()
    undated: Mapping[str, float] = field(default_factory=dict)
    """Figures from files that say no month (no period column, no month in the name):
    used for any year the dated figures leave without one, and said to be undated."""

    @functools.cached_property
    def months(self) -> tuple[Month, ...]:
        """Every month the files hold (asked once per return row: worked out once)."""
        return tuple(sorted({month for _, month in self.staff}))

    def months_of(self, code: str) -> tuple[Month, ...]:
        """The months the workforce files hold an organisation's figures for."""
        return tuple(sorted(month for held, month in self.staff if held == code))

    def month_for(self, financial_year: str, month: int | None = None) -> Month | None:
        """The month a return year's NHS staff is taken from: the latest of the year the
        files hold, or month number ``month`` of it; None if the files do not hold it."""
        held = [m for m in self.months if m.financial_year == financial_year]
        if month is not None:
            wanted = month_in_year(financial_year, month)
            return wanted if wanted in held else None
        return max(held, default=None)


def load_workforce(paths: Sequence[Path], root: Path, columns: Iterable[tuple[str, str]] = (),
                   sheet: str | None = None) -> Workforce:
    """Read and check every workforce file; one DataError lists every problem."""
    problems: list[Problem] = []
    notes: list[str] = []
    staff: dict[tuple[str, Month], float] = {}
    undated: dict[str, float] = {}
    first_seen: dict[tuple[str, Month | None], tuple[str, int]] = {}
    names = []
    if not paths:
        raise DataError([Problem("[workforce] file", None, None, "no .csv or .xlsx workforce files were found")])
    lookup = WORKFORCE.lookup(columns)
    for path in paths:
        name = display_name(path, root)
        names.append(name)
        if not path.exists():
            problems.append(Problem(name, None, None, "the workforce file named by [workforce] file does not exist"))
            continue
        try:
            raw = read_raw_table(path, name, sheet, lookup, WORKFORCE)
        except FileProblem as exc:
            problems.extend(exc.problems)
            continue
        # Published files carry many columns this reader has no use for (region, ICS,
        # headcount): a note for each on every build would bury the notes that matter.
        notes.extend(note for note in raw.notes if "ignored column" not in note)
        frame, file_problems = validate_table(raw, WORKFORCE)
        problems.extend(file_problems)
        months, month_problems, note = _months(raw.file, raw.sheet, raw.positions, raw.rows,
                                               raw.row_numbers, raw.header_row, raw.header_of("period"))
        problems.extend(month_problems)
        notes.extend([note] if note else [])
        dated = "period" in raw.positions or month_in_name(Path(name).stem) is not None
        for code, fte, month, row in zip(frame["org_code"], frame["staff_fte"], months, raw.row_numbers,
                                         strict=True):
            if code is None or (dated and month is None) or math.isnan(fte):
                continue
            key = (code, month)
            if key in first_seen:
                file, at = first_seen[key]
                when = f"for {month.label}" if month else "without a month"
                problems.append(Problem(
                    name, row, "org_code", f"{code} has a second figure {when} (the first is in {file}, "
                    f"row {at}); keep one", sheet=raw.sheet, header=raw.header_of("org_code")))
                continue
            first_seen[key] = (name, row)
            if month is None:
                undated[code] = float(fte)
            else:
                staff[(code, month)] = float(fte)
    if problems:
        raise DataError(problems)
    return Workforce(staff, tuple(names), tuple(notes), undated)


def _months(file: str, sheet: str | None, positions: Mapping[str, int], rows: list[list[str]],
            row_numbers: list[int], header_row: int, header: str | None
            ) -> tuple[list[Month | None], list[Problem], str | None]:
    """Each row's month: from its period cell, or else from the file's name."""
    if "period" not in positions:
        month = month_in_name(Path(file).stem)
        if month is None:
            return [None] * len(rows), [], (
                f"{file}: no period column and no month in its name, so its figures are used for any year "
                "the dated files give no figure for, and shown without a month. Name the file for its month "
                "(such as nhs-staff-fte-2024-12.csv) or add a Period column to join each year's own figures")
        return [month] * len(rows), [], f"{file}: no period column; every figure is for {month.label}, the month its name gives"
    index = positions["period"]
    months: list[Month | None] = []
    problems = []
    for row, number in zip(rows, row_numbers, strict=True):
        text = str(row[index]).strip()
        month = parse_month(text)
        months.append(month)
        if month is None:
            got = f'got "{text}"' if text else "got a blank cell"
            problems.append(Problem(file, number, "period", f"{PERIOD_EXPECTED}, {got}", sheet=sheet, header=header))
    return months, problems, None


# --- the join --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    """The workforce figure for one return row, or why there is none."""

    staff: float | None
    month: Month | None
    why: str = ""
    added_up: tuple[str, ...] = ()


def join_workforce(returns: Returns, workforce: Workforce, month: int | None = None,
                   mergers: Sequence[Merger] = ()) -> Returns:
    """Returns whose NHS staff are the workforce figures, with each row's source and month
    (``nhs_staff_source``, ``nhs_staff_month``); what a user should know is in the notes.

    Raises one DataError naming every organisation that has neither a workforce figure
    nor NHS staff in its return.
    """
    table = returns.table.copy()
    staff = table["nhs_staff_wte"].to_numpy(dtype=float).copy()
    sources = np.full(len(table), NHS_STAFF_FROM_WORKFORCE, dtype=object)
    months = np.full(len(table), None, dtype=object)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    notes: list[str] = []
    successors = {m.into: m for m in mergers}
    for i, row in enumerate(table.itertuples(index=False)):
        given = float(row.nhs_staff_wte)
        merger = successors.get(row.org_code)
        before_merger = merger is not None and row.year < merger.year
        found = _figure(workforce, row.org_code, row.year, month, merger.sources if before_merger and merger else ())
        who = f"{row.org_code} ({row.org_name}), {row.year}"
        if found.staff is None:
            if math.isnan(given):
                problems.append(Problem(
                    row.source_file, int(row.source_row), "nhs_staff_wte",
                    f"{row.org_code} has no NHS staff for {row.year}: the return gives none, and {found.why}. "
                    f"The workforce files hold {describe_months(workforce.months)}. Give nhs_staff_wte in the return, "
                    "or add the month to the workforce files"))
                continue
            sources[i] = NHS_STAFF_FROM_RETURN
            notes.append(f"{who}: {found.why}; the return's own NHS staff, {given:,.2f} WTE, is used")
            continue
        staff[i], months[i] = found.staff, str(found.month) if found.month else None
        when = f"for {found.month.label}" if found.month else "in a file without a month"
        if not math.isnan(given) and abs(given - found.staff) > DIFFERENCE_WARNED * found.staff:
            difference = given - found.staff
            warnings.append(Problem(
                row.source_file, int(row.source_row), "nhs_staff_wte",
                f"warning: {who}: the return gives {given:,.2f} NHS staff (WTE) and the NHS Workforce Statistics "
                f"{found.staff:,.2f} {when}, a difference of {difference:+,.2f} ({difference / found.staff:+.1%}); "
                f"the workforce figure, {found.staff:,.2f}, is used",
                sheet=row.source_sheet if isinstance(row.source_sheet, str) else None, header=heading("nhs_staff_wte")))
        if found.added_up:
            notes.append(f"{who}: NHS staff is {' + '.join(found.added_up)} added up ({found.staff:,.2f} WTE "
                         f"{when}), as {row.org_code} was formed from them in {merger.year if merger else ''}")
    if problems:
        raise DataError(problems)
    table["nhs_staff_wte"] = staff
    table["nhs_staff_source"] = sources
    table["nhs_staff_month"] = pd.Series(months, dtype=object, index=table.index)  # None, not NaN, when none
    return replace(returns, table=table, notes=(*returns.notes, *workforce.notes, *notes),
                   warnings=(*returns.warnings, *warnings))


def given_in_returns(returns: Returns) -> Returns:
    """Returns without workforce files: every NHS staff figure is the return's own."""
    table = returns.table.copy()
    table["nhs_staff_source"] = NHS_STAFF_FROM_RETURN
    table["nhs_staff_month"] = pd.Series([None] * len(table), dtype=object, index=table.index)
    return replace(returns, table=table)


def _figure(workforce: Workforce, code: str, year: str, month: int | None, predecessors: Sequence[str]) -> _Found:
    found = _dated_figure(workforce, code, year, month, predecessors)
    if found.staff is not None:
        return found
    codes = predecessors or (code,)
    if all(c in workforce.undated for c in codes):  # a file without a month stands in
        return _Found(sum(workforce.undated[c] for c in codes), None,
                      added_up=tuple(predecessors))
    return found


def _dated_figure(workforce: Workforce, code: str, year: str, month: int | None,
                  predecessors: Sequence[str]) -> _Found:
    chosen = workforce.month_for(year, month)
    if chosen is None:
        wanted = (f"{month_in_year(year, month).label}, the month [workforce] month = {month} picks"
                  if month is not None else "any month of it")
        return _Found(None, None, f"the workforce files hold no figures for {year} ({wanted})")
    if predecessors:
        parts = {c: workforce.staff.get((c, chosen)) for c in predecessors}
        missing = [c for c, v in parts.items() if v is None]
        if missing:
            return _Found(None, chosen, f"the workforce files hold no figure for {', '.join(missing)} for "
                          f"{chosen.label}, the month used for {year} (before the merger, {code}'s NHS staff are its "
                          "predecessors' added up)")
        return _Found(sum(v for v in parts.values() if v is not None), chosen, added_up=tuple(parts))
    value = workforce.staff.get((code, chosen))
    if value is None:
        held = workforce.months_of(code)
        also = f" (they hold {code} for {describe_months(held)})" if held else f" (they never name {code})"
        return _Found(None, chosen, f"the workforce files hold no figure for {code} for {chosen.label}, "
                      f"the month used for {year}{also}")
    return _Found(value, chosen)


# --- returns and workforce files together ------------------------------------------------


@dataclass(frozen=True)
class WorkforceSource:
    """The ``[workforce]`` setting as the readers need it."""

    files: tuple[Path, ...]
    month: int | None = None
    columns: tuple[tuple[str, str], ...] = ()
    sheet: str | None = None


def read_returns(files: Sequence[Path], root: Path, sheet: str | None = None,
                 columns: Iterable[tuple[str, str]] = (), workforce: WorkforceSource | None = None,
                 mergers: Sequence[Merger] = (), strict: bool = False, scope: str = ENGLAND) -> Returns:
    """The returns of the report's ``scope`` (table.in_scope) with their NHS staff: the
    workforce figures joined when ``workforce`` is given, else the returns' own. Every
    problem in the returns and the workforce files is raised at once, in one DataError."""
    if workforce is None:
        return given_in_returns(in_scope(load_returns(files, root, sheet, columns, strict), scope))
    problems: list[Problem] = []
    returns = figures = None
    try:
        # Not strict yet: a return's NHS staff that differs from the workforce figure is a
        # warning too, and --strict must see every warning at once.
        returns = load_returns(files, root, sheet, columns, contract=returns_contract(True))
    except DataError as exc:
        problems.extend(exc.problems)
    try:
        figures = load_workforce(workforce.files, root, workforce.columns, workforce.sheet)
    except DataError as exc:
        problems.extend(exc.problems)
    if returns is None or figures is None:
        raise DataError(problems)
    joined = join_workforce(in_scope(returns, scope), figures, workforce.month, mergers)
    if strict and joined.warnings:
        raise DataError(list(joined.warnings), strict=True)
    return joined
