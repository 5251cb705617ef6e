"""Return files (CSV or XLSX) -> one validated table.

Every problem in every file is collected before anything is raised, so a librarian
fixing a return sees the whole list at once, not one error per run.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from kfh_site.errors import DataError, Problem

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
    name: str
    required: bool
    kind: str  # code, text, region, year, number, whole
    minimum: float = 0
    minimum_inclusive: bool = True
    label: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("org_code", True, "code", label="ODS organisation code"),
    Column("org_name", True, "text", label="organisation name"),
    Column("region", True, "region", label="NHS England region"),
    Column("org_type", False, "text", label="organisation type"),
    Column("year", True, "year", label="return year"),
    Column("nhs_staff_wte", True, "number", 0, False, "NHS staff served (WTE)"),
    Column("qualified_lks_wte", True, "number", label="qualified LKS staff (WTE)"),
    Column("other_lks_wte", False, "number", label="other LKS staff (WTE)"),
    Column("clinical_librarian_wte", False, "number", label="clinical librarians (WTE)"),
    Column("knowledge_manager_wte", False, "number", label="knowledge managers (WTE)"),
    Column("literature_searches", False, "whole", label="literature searches"),
    Column("evidence_summaries", False, "whole", label="evidence summaries"),
    Column("training_sessions", False, "whole", label="training sessions"),
    Column("people_trained", False, "whole", label="people trained"),
    Column("document_supply_requests", False, "whole", label="document supply requests"),
    Column("loans", False, "whole", label="loans"),
    Column("registered_users", False, "whole", label="registered users"),
    Column("current_awareness_subscribers", False, "whole", label="current awareness subscribers"),
    Column("impact_case_studies", False, "whole", label="impact case studies"),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
REQUIRED = tuple(c.name for c in COLUMNS if c.required)
ACTIVITY = tuple(c.name for c in COLUMNS if c.kind == "whole")
ACTIVITY_LABELS = {c.name: c.label[:1].upper() + c.label[1:] for c in COLUMNS if c.kind == "whole"}
"""Activity columns as pages and PDFs name them: ``Literature searches``."""
SOURCE_COLUMNS = ("source_file", "source_row")

_CODE = re.compile(r"^[A-Z0-9]{3,6}$")
_YEAR = re.compile(r"^(\d{4})/(\d{2})$")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_HEADER_SEARCH_ROWS = 20
MAX_FILE_BYTES = 200 * 1024 * 1024
MERGE_CHECK_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class RawTable:
    """A file's cells as text, before any rule is applied."""

    file: str
    header: tuple[str, ...]
    header_row: int
    rows: list[list[str]]
    row_numbers: list[int]


@dataclass(frozen=True)
class Returns:
    """The validated returns: one row per organisation per year.

    Numeric columns are floats, NaN meaning *not reported*; ``source_file`` and
    ``source_row`` say where each row came from.
    """

    table: pd.DataFrame
    files: tuple[str, ...]

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


def normalise_header(name: object) -> str:
    """``" Org Code "`` -> ``org_code``, as the contract says."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lower())


def find_return_files(folder: Path) -> list[Path]:
    """Every .csv and .xlsx under ``folder``, in a stable order; Excel lock files skipped."""
    if not folder.is_dir():
        return []
    found = [
        p for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith("~$")
    ]
    return sorted(found)


def display_name(path: Path, root: Path) -> str:
    """A path as the user knows it: relative to the project when inside it."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def load_returns(paths: Sequence[Path], root: Path, sheet: str | None = None) -> Returns:
    """Read and validate every file; raise one DataError listing every problem."""
    problems: list[Problem] = []
    frames: list[pd.DataFrame] = []
    names: list[str] = []
    if not paths:
        raise DataError([Problem("data", None, None, "no .csv or .xlsx return files were found")])
    for path in paths:
        name = display_name(path, root)
        names.append(name)
        try:
            raw = read_raw_table(path, name, sheet)
        except _FileProblem as exc:
            problems.append(exc.problem)
            continue
        frame, file_problems = validate_table(raw)
        problems.extend(file_problems)
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True) if frames else _empty_table()
    problems.extend(_duplicate_problems(table))
    if problems:
        raise DataError(problems)
    table = table.sort_values(["year", "org_code"], kind="stable").reset_index(drop=True)
    return Returns(table=table, files=tuple(names))


class _FileProblem(Exception):
    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.problem = Problem(file, row, column, message)


# --- reading -------------------------------------------------------------------------


def read_raw_table(path: Path, name: str, sheet: str | None = None) -> RawTable:
    """Read a CSV or XLSX file into text cells and find its header row."""
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _FileProblem(
                name, f"is {size / 1024 / 1024:,.0f} MB, more than the {MAX_FILE_BYTES // 1024 // 1024} MB "
                "kfh-site reads: a return has one row per organisation per year. Is this the right file?"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise _FileProblem(name, f"cannot be read ({exc.strerror or exc})") from None
    if suffix == ".xlsx":
        cells = _read_xlsx(data, name, sheet)
    elif suffix == ".csv":
        cells = _read_csv(data, name)
    else:
        raise _FileProblem(name, "is not a .csv or .xlsx file")
    return _locate_header(cells, name)


def _read_csv(data: bytes, name: str) -> list[list[str]]:
    if data[:4] == b"PK\x03\x04":
        raise _FileProblem(name, "looks like an Excel workbook, not CSV text: save it as .xlsx or export it as CSV")
    if b"\x00" in data[:65536]:
        raise _FileProblem(name, "is not CSV text (it holds binary data); export the return as CSV or XLSX")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise _FileProblem(name, "is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8") from None
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), strict=False)]
    except csv.Error as exc:
        raise _FileProblem(name, f"is not readable as CSV ({exc})") from None


def _read_xlsx(data: bytes, name: str, sheet: str | None) -> list[list[str]]:
    if not data.startswith(b"PK\x03\x04"):
        raise _FileProblem(name, "is named .xlsx but is not an Excel workbook (is it a CSV file renamed?)")
    try:
        return _read_workbook(data, name, sheet)
    except _FileProblem:
        raise
    except Exception as exc:  # openpyxl meets untrusted bytes here; any failure is the file's
        raise _FileProblem(name, f"is not a readable Excel workbook ({type(exc).__name__}: {exc})") from None


def _read_workbook(data: bytes, name: str, sheet: str | None) -> list[list[str]]:
    from openpyxl import load_workbook  # imported here: only XLSX returns need it

    small = len(data) <= MERGE_CHECK_BYTES
    # A full (not read-only) load is needed to see merged cells; it is fast for the
    # few hundred rows of a real return, and skipped for very large files.
    book = load_workbook(io.BytesIO(data), read_only=not small, data_only=False)
    sheet_name = sheet if sheet else book.sheetnames[0]
    if sheet_name not in book.sheetnames:
        raise _FileProblem(
            name, f"has no sheet named {sheet_name!r}; its sheets are {', '.join(book.sheetnames)}"
        )
    worksheet = book[sheet_name]
    if small and worksheet.merged_cells.ranges:
        ranges = ", ".join(sorted(str(r) for r in worksheet.merged_cells.ranges))
        raise _FileProblem(
            name, f"has merged cells ({ranges}): a merged cell leaves every cell but its first "
            "blank. Unmerge them and fill in every cell."
        )
    formulas = [list(r) for r in worksheet.iter_rows(values_only=True)]
    if not any(isinstance(v, str) and v.startswith("=") for row in formulas for v in row):
        return [[_cell_text(v) for v in row] for row in formulas]
    # Formulas: use the value Excel saved with the file when it last calculated it.
    cached_book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    cached = [list(r) for r in cached_book[sheet_name].iter_rows(values_only=True)]
    rows = []
    for frow, crow in zip(formulas, cached):
        rows.append([
            _NoCachedValue(f) if isinstance(f, str) and f.startswith("=") and c is None else _cell_text(c)
            for f, c in zip(frow, crow)
        ])
    return rows


class _NoCachedValue(str):
    """A formula cell whose workbook was saved without its computed value."""


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _locate_header(cells: list[list[str]], name: str) -> RawTable:
    first = next((i for i, row in enumerate(cells) if any(str(c).strip() for c in row)), None)
    if first is None:
        raise _FileProblem(name, "is empty: expected a header row with the columns " + ", ".join(REQUIRED))
    header = tuple(normalise_header(c) for c in cells[first])
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        later = next(
            (
                i for i in range(first + 1, min(len(cells), first + _HEADER_SEARCH_ROWS))
                if all(c in {normalise_header(v) for v in cells[i]} for c in REQUIRED)
            ),
            None,
        )
        if later is not None:
            raise _FileProblem(
                name,
                f"the header row was not found at the top: row {later + 1} looks like the header. "
                f"Delete the title or note rows above it (rows {first + 1} to {later}).",
                row=first + 1,
            )
        if len(missing) == len(REQUIRED):
            raise _FileProblem(
                name,
                "the header row was not found: row "
                f"{first + 1} does not name the expected columns ({', '.join(REQUIRED)}). "
                "The first row must be the header; delete any title or note rows above it.",
                row=first + 1,
            )
        messages = []
        for column in missing:
            close = difflib.get_close_matches(column, [h for h in header if h not in COLUMN_NAMES], n=1)
            hint = f'; found "{close[0]}", did you mean {column}?' if close else ""
            messages.append(f"required column {column} is missing{hint}")
        raise _FileProblem(name, "; ".join(messages), row=first + 1)
    seen: dict[str, int] = {}
    for index, column in enumerate(header):
        if column in COLUMN_NAMES and column in seen:
            raise _FileProblem(
                name,
                f"column {column} appears twice in the header (columns {_letter(seen[column])} and "
                f"{_letter(index)}); keep one",
                row=first + 1,
                column=column,
            )
        seen.setdefault(column, index)
    rows: list[list[str]] = []
    numbers: list[int] = []
    width = len(header)
    for index in range(first + 1, len(cells)):
        row = cells[index]
        if not any(str(c).strip() for c in row):
            continue
        padded = list(row[:width]) + [""] * (width - len(row))
        rows.append(padded)
        numbers.append(index + 1)
    if not rows:
        raise _FileProblem(name, "has a header row but no rows of data", row=first + 1)
    return RawTable(name, header, first + 1, rows, numbers)


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- validating ----------------------------------------------------------------------


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMN_NAMES + SOURCE_COLUMNS})


def validate_table(raw: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """Apply every rule of the contract to one file's rows, column by column."""
    problems: list[Problem] = []
    positions = {name: raw.header.index(name) for name in COLUMN_NAMES if name in raw.header}
    rows = np.array(raw.row_numbers, dtype=np.int64)
    out: dict[str, object] = {}
    for column in COLUMNS:
        if column.name not in positions:
            out[column.name] = np.full(len(rows), np.nan) if column.kind in ("number", "whole") else np.full(len(rows), None, dtype=object)
            continue
        index = positions[column.name]
        cells = pd.Series([r[index] for r in raw.rows], dtype=object)
        values, bad = _check_column(column, cells)
        out[column.name] = values
        for position, message in bad:
            problems.append(Problem(raw.file, int(rows[position]), column.name, message))
    frame = pd.DataFrame(out)
    frame["source_file"] = raw.file
    frame["source_row"] = rows
    problems.extend(_embedded_role_problems(frame))
    return frame, problems


def _check_column(column: Column, cells: pd.Series) -> tuple[object, list[tuple[int, str]]]:
    """Return parsed values and (position, message) for each bad cell."""
    formula = cells.map(lambda v: isinstance(v, _NoCachedValue)).to_numpy(dtype=bool)
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
        invalid = ~text.map(_is_year).to_numpy(dtype=bool)
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
        match = _YEAR.match(value)
        if match:
            return f"{_expected(column)} with consecutive years, {got}"
    return f"{_expected(column)}, {got}"


def _is_year(value: str) -> bool:
    match = _YEAR.match(value)
    return bool(match) and (int(match.group(1)) + 1) % 100 == int(match.group(2))


def _fold(value: str) -> str:
    return " ".join(value.lower().split())


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _embedded_role_problems(frame: pd.DataFrame) -> list[Problem]:
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
        ))
    return problems


def _plain(value: float) -> str:
    return f"{value:g}"


def _duplicate_problems(table: pd.DataFrame) -> list[Problem]:
    keyed = table.dropna(subset=["org_code", "year"])
    dupes = keyed[keyed.duplicated(["org_code", "year"], keep=False)]
    problems = []
    for (code, year), group in dupes.groupby(["org_code", "year"], sort=True):
        first = group.iloc[0]
        for _, row in group.iloc[1:].iterrows():
            problems.append(Problem(
                row["source_file"], int(row["source_row"]), "org_code",
                f"{code} appears more than once for {year} (first at {first['source_file']}, "
                f"row {int(first['source_row'])}); each organisation has one row per year",
            ))
    return problems
