"""Return files (CSV or XLSX) -> one validated table.

Every problem in every file is collected before anything is raised, so a librarian
fixing a return sees the whole list at once, not one error per run.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from kfh_site.errors import DataError, FileProblem, Problem, WorkbookProblem
from kfh_site.returns.contract import (
    NOT_REPORTED,
    REGIONS,
    RETURNS,
    YEAR_SHAPE,
    Column,
    Contract,
    display_name,
    financial_year,
    normalise_header,
)
from kfh_site.returns.workbook import NoCachedValue, Workbook

SOURCE_COLUMNS = ("source_file", "source_row")
_CODE = re.compile(r"^[A-Z0-9]{3,6}$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_HEADER_SEARCH_ROWS = 20
MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class RawTable:
    """A file's cells as text, before any rule is applied."""

    file: str
    sheet: str | None
    written: tuple[str, ...]
    """The header row as the file shows it (trimmed)."""
    positions: Mapping[str, int]
    """Contract column -> its index in each row."""
    header_row: int
    rows: list[list[str]]
    row_numbers: list[int]
    notes: tuple[str, ...] = ()

    def header_of(self, column: str) -> str | None:
        """The header as written, when it is not the column's own name."""
        index = self.positions.get(column)
        if index is None or self.written[index] == column:
            return None
        return self.written[index]


@dataclass(frozen=True)
class Returns:
    """The validated returns: one row per organisation per year.

    Numeric columns are floats, NaN meaning *not reported*; ``source_file`` and
    ``source_row`` say where each row came from. ``notes`` are what a user should know
    but that is not wrong: a header found below title rows, columns ignored.
    """

    table: pd.DataFrame
    files: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def years(self) -> tuple[str, ...]:
        return tuple(sorted(self.table["year"].unique()))

    def summary(self) -> str:
        t = self.table
        return (
            f"{t['org_code'].nunique():,} organisations, {len(self.years)} "
            f"{'year' if len(self.years) == 1 else 'years'} ({', '.join(self.years) or 'none'}), "
            f"{t['region'].nunique()} regions, {len(self.files)} "
            f"{'file' if len(self.files) == 1 else 'files'}"
        )


def load_returns(paths: Sequence[Path], root: Path, sheet: str | None = None,
                 columns: Iterable[tuple[str, str]] = (), contract: Contract = RETURNS) -> Returns:
    """Read and validate every file; raise one DataError listing every problem.

    ``sheet`` is the ``xlsx_sheet`` setting, ``columns`` the ``[columns]`` table:
    (header as the file shows it, contract column) pairs. ``contract`` is the returns'
    (returns_contract says which columns it requires).
    """
    problems: list[Problem] = []
    frames: list[pd.DataFrame] = []
    names: list[str] = []
    notes: list[str] = []
    headers: dict[str, RawTable] = {}
    if not paths:
        raise DataError([Problem("data", None, None, "no .csv or .xlsx return files were found")])
    lookup = contract.lookup(columns)
    for path in paths:
        name = display_name(path, root)
        names.append(name)
        try:
            raw = read_raw_table(path, name, sheet, lookup, contract)
        except FileProblem as exc:
            problems.extend(exc.problems)
            continue
        notes.extend(raw.notes)
        frame, file_problems = validate_table(raw, contract)
        problems.extend(file_problems)
        frames.append(frame)
        headers[name] = replace(raw, rows=[], row_numbers=[])
    table = pd.concat(frames, ignore_index=True) if frames else _empty_table(contract)
    problems.extend(_duplicate_problems(table, headers))
    if problems:
        raise DataError(problems)
    table = table.sort_values(["year", "org_code"], kind="stable").reset_index(drop=True)
    return Returns(table=table, files=tuple(names), notes=tuple(notes))


# --- reading -------------------------------------------------------------------------


def read_raw_table(path: Path, name: str, sheet: str | None = None,
                   lookup: Mapping[str, str] | None = None, contract: Contract = RETURNS) -> RawTable:
    """Read a CSV or XLSX file into text cells and find its header row: the first of
    the top rows naming every column ``contract`` requires (``lookup`` says which header
    names which column; the contract's own headers by default)."""
    lookup = contract.known_headers if lookup is None else lookup
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise FileProblem.one(
                name, f"is {size / 1024 / 1024:,.0f} MB, more than the {MAX_FILE_BYTES // 1024 // 1024} MB "
                "kfh-site reads: a return has one row per organisation per year. Is this the right file?"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise FileProblem.one(name, f"cannot be read ({exc.strerror or exc})") from None
    if suffix == ".xlsx":
        return _read_xlsx(data, name, sheet, lookup, contract)
    if suffix == ".csv":
        return _locate_header(_read_csv(data, name), name, None, lookup, contract)
    raise FileProblem.one(name, "is not a .csv or .xlsx file")


def _read_csv(data: bytes, name: str) -> list[list[str]]:
    if data[:4] == b"PK\x03\x04":
        raise FileProblem.one(name, "looks like an Excel workbook, not CSV text: save it as .xlsx or export it as CSV")
    if b"\x00" in data[:65536]:
        raise FileProblem.one(name, "is not CSV text (it holds binary data); export the return as CSV or XLSX")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise FileProblem.one(name, "is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8") from None
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), strict=False)]
    except csv.Error as exc:
        raise FileProblem.one(name, f"is not readable as CSV ({exc})") from None


def _read_xlsx(data: bytes, name: str, sheet: str | None, lookup: Mapping[str, str],
               contract: Contract) -> RawTable:
    if not data.startswith(b"PK\x03\x04"):
        raise FileProblem.one(name, "is named .xlsx but is not an Excel workbook (is it a CSV file renamed?)")
    try:
        with Workbook(data) as book:
            return _read_sheet(book, name, sheet, lookup, contract)
    except FileProblem:
        raise
    except WorkbookProblem as exc:
        raise FileProblem.one(name, str(exc)) from None
    except Exception as exc:  # openpyxl meets untrusted bytes here; any failure is the file's
        raise FileProblem.one(name, f"is not a readable Excel workbook ({type(exc).__name__}: {exc})") from None


def _read_sheet(book: Workbook, name: str, sheet: str | None, lookup: Mapping[str, str],
                contract: Contract) -> RawTable:
    """The named sheet, or else the first whose header is recognisable."""
    names = book.sheet_names
    if sheet is not None and sheet not in names:
        raise FileProblem.one(
            name, f"has no sheet named {sheet!r} (the xlsx_sheet setting in kfh-site.toml); "
            f"its sheets are {', '.join(names)}"
        )
    candidates = [sheet] if sheet is not None else names
    heads = {}
    for candidate in candidates:
        heads[candidate] = book.head(candidate, _HEADER_SEARCH_ROWS)
        if _find_header(heads[candidate], lookup, contract) is None:
            continue
        raw = _locate_header(book.rows(candidate), name, candidate, lookup, contract)
        merged = [m.ref for m in book.merged(candidate) if m.last_row >= raw.header_row]
        if merged:
            raise FileProblem.one(
                name, f"has merged cells ({', '.join(merged)}): a merged cell leaves every cell but its "
                "first blank. Unmerge them and fill in every cell.", sheet=candidate,
            )
        skipped = candidates[: candidates.index(candidate)]
        if skipped:
            note = (f"{_where(name, candidate)}: read this sheet; sheet{'s' if len(skipped) > 1 else ''} "
                    f"{_quoted(skipped)} before it {'have' if len(skipped) > 1 else 'has'} no header row "
                    "naming the required columns")
            raw = replace(raw, notes=(note, *raw.notes))
        return raw
    # No sheet is recognisable: explain the closest, and where else to look.
    closest = max(candidates, key=lambda c: _header_score(heads[c], lookup, contract)[0])
    problems: list[Problem] = []
    if len(candidates) > 1:
        problems.append(Problem(
            name, None, None,
            f"no sheet has a header row naming the required columns ({', '.join(contract.required)}) in its first "
            f"{_HEADER_SEARCH_ROWS} rows; its sheets are {_quoted(candidates)}. If the return is on a sheet "
            "whose header is not the problem, name that sheet with xlsx_sheet in kfh-site.toml",
        ))
        if _header_score(heads[closest], lookup, contract)[0] == 0:
            raise FileProblem(problems)
    try:
        _locate_header(book.rows(closest), name, closest, lookup, contract)
    except FileProblem as exc:
        problems.extend(exc.problems)
    raise FileProblem(problems)


def _where(file: str, sheet: str | None) -> str:
    return f'{file}, sheet "{sheet}"' if sheet is not None else file


def _quoted(items: Sequence[str]) -> str:
    quoted = [f'"{item}"' for item in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


# --- finding the header ----------------------------------------------------------------


def _find_header(cells: list[list[str]], lookup: Mapping[str, str], contract: Contract) -> int | None:
    """The first of the top rows that names every required column, if one does."""
    for index, row in enumerate(cells[:_HEADER_SEARCH_ROWS]):
        named = {lookup.get(normalise_header(cell)) for cell in row}
        if all(column in named for column in contract.required):
            return index
    return None


def _header_score(cells: list[list[str]], lookup: Mapping[str, str], contract: Contract) -> tuple[int, int | None]:
    """How near the best of the top rows comes to a header, and which row it is.

    Counted in required columns named, or failing that nearly named; 0 means no row
    looks like a header at all.
    """
    top = cells[:_HEADER_SEARCH_ROWS]
    required = set(contract.required)
    named = [len({lookup.get(normalise_header(c)) for c in row} & required) for row in top]
    if named and max(named) > 0:
        return max(named), named.index(max(named))
    nearly = [
        len({contract.closest(c) for c in row if str(c).strip()} & required) if len(row) < 1000 else 0
        for row in top
    ]
    if nearly and max(nearly) > 0:
        return max(nearly), nearly.index(max(nearly))
    return 0, None


@dataclass(frozen=True)
class _Header:
    """A header row read against the contract."""

    written: tuple[str, ...]
    positions: dict[str, int]
    duplicates: tuple[tuple[str, int, int], ...]
    unknown: tuple[int, ...]


def _read_header(row: list[str], lookup: Mapping[str, str]) -> _Header:
    written = tuple(str(cell).strip() for cell in row)
    positions: dict[str, int] = {}
    duplicates = []
    unknown = []
    for index, text in enumerate(written):
        column = lookup.get(normalise_header(text)) if text else None
        if column is None:
            if text:
                unknown.append(index)
        elif column in positions:
            duplicates.append((column, positions[column], index))
        else:
            positions[column] = index
    return _Header(written, positions, tuple(duplicates), tuple(unknown))


def _header_problems(header: _Header, file: str, sheet: str | None, row: int,
                     contract: Contract) -> tuple[list[Problem], list[str]]:
    """What is wrong with a header row, and the columns it leaves out (as notes)."""
    problems: list[Problem] = []
    notes: list[str] = []
    for column, first, second in header.duplicates:
        problems.append(Problem(
            file, row, column, f"column {column} appears twice in the header (columns {_letter(first)} and "
            f"{_letter(second)}); keep one", sheet=sheet,
        ))
    near_required: dict[str, int] = {}
    for index in header.unknown:
        text = header.written[index]
        close = contract.closest(text)
        if close is not None and close not in header.positions:
            if contract.by_name[close].required:
                near_required.setdefault(close, index)
                continue
            heading = contract.by_name[close].aliases[0]
            problems.append(Problem(
                file, row, close,
                f"not read: the header in column {_letter(index)} is not one kfh-site knows, and this file has "
                f'no other {close} column, so its figures would be lost. Rename the header to "{heading}", or '
                f'map it in kfh-site.toml: under {contract.mapping} add "{text}" = "{close}"',
                sheet=sheet, header=text,
            ))
            continue
        if close is not None:
            read_from = header.written[header.positions[close]]
            notes.append(f'{_where(file, sheet)}: ignored column "{text}" (not part of the contract; the '
                         f'closest contract column, {close}, is read from "{read_from}")')
        else:
            notes.append(f'{_where(file, sheet)}: ignored column "{text}" (not part of the contract)')
    for column in contract.required:
        if column in header.positions:
            continue
        if column in near_required:
            found = header.written[near_required[column]]
            message = f'required column {column} is missing; found "{found}", did you mean {column}?'
        else:
            message = f"required column {column} is missing"
        problems.append(Problem(file, row, None, message, sheet=sheet))
    return problems, notes


def _locate_header(cells: list[list[str]], name: str, sheet: str | None, lookup: Mapping[str, str],
                   contract: Contract) -> RawTable:
    if not any(str(c).strip() for row in cells for c in row):
        raise FileProblem.one(name, "is empty: expected a header row with the columns " + ", ".join(contract.required),
                               sheet=sheet)
    found = _find_header(cells, lookup, contract)
    if found is None:
        _, candidate = _header_score(cells, lookup, contract)
        if candidate is None:
            raise FileProblem.one(
                name, f"the header row was not found: none of the first {_HEADER_SEARCH_ROWS} rows names the "
                f"required columns ({', '.join(contract.required)}). {contract.described_in} lists the headers "
                f"kfh-site understands; others can be mapped under {contract.mapping} in kfh-site.toml.",
                sheet=sheet,
            )
        problems, _ = _header_problems(_read_header(cells[candidate], lookup), name, sheet, candidate + 1, contract)
        raise FileProblem(problems)
    header = _read_header(cells[found], lookup)
    problems, notes = _header_problems(header, name, sheet, found + 1, contract)
    if problems:
        raise FileProblem(problems)
    if any(str(c).strip() for row in cells[:found] for c in row):
        skipped = "row 1 skipped as a title or note" if found == 1 else f"rows 1-{found} skipped as title and notes"
        notes.insert(0, f"{_where(name, sheet)}: header on row {found + 1} ({skipped})")
    rows: list[list[str]] = []
    numbers: list[int] = []
    width = len(header.written)
    unnamed: set[int] = set()
    for index in range(found + 1, len(cells)):
        row = cells[index]
        if not any(str(c).strip() for c in row):
            continue
        unnamed.update(i for i in range(width, len(row)) if str(row[i]).strip())
        padded = list(row[:width]) + [""] * (width - len(row))
        rows.append(padded)
        numbers.append(index + 1)
    if not rows:
        raise FileProblem.one(name, "has a header row but no rows of data", row=found + 1, sheet=sheet)
    blank = [i for i, text in enumerate(header.written) if not text]
    unnamed.update(i for i in blank if any(str(r[i]).strip() for r in rows))
    if unnamed:
        letters = ", ".join(_letter(i) for i in sorted(unnamed)[:10]) + (", …" if len(unnamed) > 10 else "")
        notes.append(f"{_where(name, sheet)}: ignored column{'s' if len(unnamed) > 1 else ''} {letters} "
                     f"(no header on row {found + 1}, but {'they hold' if len(unnamed) > 1 else 'it holds'} values)")
    return RawTable(name, sheet, header.written, header.positions, found + 1, rows, numbers, tuple(notes))


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- validating ----------------------------------------------------------------------


def _empty_table(contract: Contract) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in (*contract.by_name, *SOURCE_COLUMNS)})


def validate_table(raw: RawTable, contract: Contract = RETURNS) -> tuple[pd.DataFrame, list[Problem]]:
    """Apply every rule of the contract to one file's rows, column by column."""
    problems: list[Problem] = []
    rows = np.array(raw.row_numbers, dtype=np.int64)
    out: dict[str, object] = {}
    for column in contract.columns:
        if column.name not in raw.positions:
            out[column.name] = np.full(len(rows), np.nan) if column.kind in ("number", "whole") else np.full(len(rows), None, dtype=object)
            continue
        index = raw.positions[column.name]
        cells = pd.Series([r[index] for r in raw.rows], dtype=object)
        values, bad = _check_column(column, cells)
        out[column.name] = values
        for position, message in bad:
            problems.append(Problem(raw.file, int(rows[position]), column.name, message,
                                    sheet=raw.sheet, header=raw.header_of(column.name)))
    frame = pd.DataFrame(out)
    frame["source_file"] = raw.file
    frame["source_row"] = rows
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
            bad.append((int(i), f'{_expected(column)}, got "{_shorten(text.iloc[i])}"'))
        for position, message in _out_of_bounds(values, column):
            bad.append((position, f'{message}, got "{_shorten(text.iloc[position])}"'))
            values[position] = np.nan
        return values, bad
    values = text.to_numpy(dtype=object).copy()
    values[blank | formula] = None
    if column.kind == "code":
        upper = text.str.upper()
        invalid = ~upper.str.match(_CODE.pattern).to_numpy(dtype=bool)
        values = upper.to_numpy(dtype=object)
        values[blank | formula] = None
    elif column.kind == "region":
        canonical = {_fold(r): r for r in REGIONS}
        mapped = text.map(lambda v: canonical.get(_fold(v)))
        invalid = mapped.isna().to_numpy()
        values = mapped.to_numpy(dtype=object)
    elif column.kind == "year":
        years = text.map(financial_year)
        invalid = years.isna().to_numpy()
        values = years.to_numpy(dtype=object).copy()
        values[blank | formula] = None
    else:
        invalid = np.zeros(len(text), dtype=bool)
    for i in np.flatnonzero(invalid & check):
        bad.append((int(i), _text_message(column, text.iloc[i])))
    return values, bad


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
    return f"{_expected(column)}, {got}"


def _fold(value: str) -> str:
    return " ".join(value.lower().split())


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


def _duplicate_problems(table: pd.DataFrame, headers: Mapping[str, RawTable]) -> list[Problem]:
    keyed = table.dropna(subset=["org_code", "year"])
    dupes = keyed[keyed.duplicated(["org_code", "year"], keep=False)]
    problems = []
    for (code, year), group in dupes.groupby(["org_code", "year"], sort=True):
        first = group.iloc[0]
        for _, row in group.iloc[1:].iterrows():
            problems.append(Problem(
                row["source_file"], int(row["source_row"]), "org_code",
                f"{code} appears more than once for {year} (first at "
                f"{_where(first['source_file'], headers[first['source_file']].sheet)}, "
                f"row {int(first['source_row'])}); each organisation has one row per year",
                sheet=headers[row["source_file"]].sheet, header=headers[row["source_file"]].header_of("org_code"),
            ))
    return problems
