"""Return files (CSV or XLSX) -> tables of text cells under a recognised header.

Teams send workbooks as they keep them: a sheet per year, titles above the header, a
totals row at the foot, notes sheets. Every sheet whose first rows hold a header naming
the contract's columns is read; a sheet without a year column takes its year from its
name; a totals row is skipped and named. Workbooks are streamed (openpyxl read-only):
the header is found in the first rows, then only the contract's columns are kept, so a
sheet of any size is judged in bounded memory and time.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from kfh_site.errors import FileProblem, Problem, WorkbookProblem
from kfh_site.returns.contract import (
    REGIONS,
    RETURNS,
    Contract,
    column_letter,
    financial_year,
    normalise_header,
    other_spreadsheet,
)
from kfh_site.returns.workbook import MAX_COLUMNS, MAX_ROWS, NoCachedValue, Workbook, cell_text

HEADER_SEARCH_ROWS = 20
MAX_FILE_BYTES = 200 * 1024 * 1024
_YEAR_IN_NAME = re.compile(r"(?<!\d)(\d{4})\s*[-/–_ ]\s*(\d{4}|\d{2})(?!\d)")
_SHORT_YEAR_IN_NAME = re.compile(r"(?i)(?:\bFY\s*|(?<![\d.]))(\d{2})\s*[-/–_]\s*(\d{2})(?![\d.])")
_TOTALS = re.compile(
    r"(?i)^((grand |sub[- ]?)?totals?( for [\w ,'&-]+)?|[\w'&-]+( [\w'&-]+)? totals?|all( organisations| trusts| services| regions)?):?$"
)
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9]{3,6}$")
_AREA_NAMES = {name.lower() for name in (*REGIONS, "England")}
"""A row named only by an area, with no code, is that area's subtotal."""
_LABEL_COLUMNS = ("org_code", "org_name", "region", "org_type")


@dataclass(frozen=True)
class RawTable:
    """One sheet's (or CSV file's) cells as text under its header, before any rule is applied.

    Each row holds only the contract's columns, in the order of ``columns``.
    """

    file: str
    sheet: str | None
    columns: tuple[str, ...]
    headers: Mapping[str, str]
    """Contract column -> the header as the file shows it."""
    header_row: int
    rows: list[list[str]]
    row_numbers: list[int]
    notes: tuple[str, ...] = ()
    year: str | None = None
    """The year every row is for, taken from the sheet's (or file's) name: it has no year column."""
    year_from: str = ""
    totals_rows: tuple[int, ...] = field(default=())

    def header_of(self, column: str) -> str | None:
        """The header as written, when it is not the column's own name."""
        written = self.headers.get(column)
        return None if written is None or written == column else written

    @property
    def where(self) -> str:
        """The file (and sheet) the table came from, as messages name it."""
        return where(self.file, self.sheet)

    @property
    def positions(self) -> dict[str, int]:
        """Contract column -> its index in each row."""
        return {column: i for i, column in enumerate(self.columns)}


def where(file: str, sheet: str | None) -> str:
    """A file, or a workbook's sheet, as messages name it."""
    return f'{file}, sheet "{sheet}"' if sheet is not None else file


def year_in_name(name: str) -> str | None:
    """``2024-25``, ``2024_25``, ``FY 2024-25``, ``Returns 2024-2025``, ``FY24-25`` -> ``2024/25``."""
    for match in _YEAR_IN_NAME.finditer(name):
        year = financial_year(f"{match.group(1)}/{match.group(2)}")
        if year:
            return year
    for short in _SHORT_YEAR_IN_NAME.finditer(name):
        if int(short.group(1)) >= 10:  # 2010/11 on: "Sheet 01-02" is not a year
            year = financial_year(f"20{short.group(1)}/{short.group(2)}")
            if year:
                return year
    return None


@dataclass(frozen=True)
class Reading:
    """How to read a file: against which contract, with which headers (the contract's own
    and the site's mapping table), and whether every recognisable sheet is read or only
    the first."""

    contract: Contract = RETURNS
    lookup: Mapping[str, str] = field(default_factory=dict)
    every_sheet: bool = True

    @classmethod
    def of(cls, contract: Contract = RETURNS, columns: Iterable[tuple[str, str]] = (),
           every_sheet: bool = True) -> Reading:
        """How to read a file against ``contract``, with a project's own header mappings."""
        return cls(contract, contract.lookup(columns), every_sheet)


def read_raw_tables(path: Path, name: str, sheet: str | None = None, reading: Reading | None = None
                    ) -> list[RawTable]:
    """A CSV file's table, or every sheet of a workbook with a recognisable header
    (only the first, unless ``reading.every_sheet``)."""
    reading = reading or Reading.of()
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise FileProblem.one(name, other_spreadsheet(path))
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
    file_year = year_in_name(path.stem) if "year" in reading.contract.by_name else None
    if suffix == ".xlsx":
        return _read_xlsx(data, name, sheet, reading, file_year)
    if suffix == ".csv":
        cells = _read_csv(data, name)
        return [_read_table(iter(cells), name, None, reading, file_year, "file", False)]
    raise FileProblem.one(name, other_spreadsheet(path))


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


def _read_xlsx(data: bytes, name: str, sheet: str | None, reading: Reading,
               file_year: str | None) -> list[RawTable]:
    if not data.startswith(b"PK\x03\x04"):
        raise FileProblem.one(name, "is named .xlsx but is not an Excel workbook (is it a CSV file renamed?)")
    try:
        with Workbook(data) as book:
            return _read_sheets(book, name, sheet, reading, file_year)
    except FileProblem:
        raise
    except WorkbookProblem as exc:
        raise FileProblem.one(name, str(exc)) from None
    except Exception as exc:  # openpyxl meets untrusted bytes here; any failure is the file's
        raise FileProblem.one(name, f"is not a readable Excel workbook ({type(exc).__name__}: {exc})") from None


def _read_sheets(book: Workbook, name: str, sheet: str | None, reading: Reading,
                 file_year: str | None) -> list[RawTable]:
    """The named sheet, or else every sheet whose header is recognisable."""
    names = book.sheet_names
    if sheet is not None and sheet not in names:
        raise FileProblem.one(
            name, f"has no sheet named {sheet!r} (the xlsx_sheet setting in kfh-site.toml); "
            f"its sheets are {', '.join(names)}"
        )
    candidates = [sheet] if sheet is not None else names
    heads: dict[str, list[list[str]]] = {}
    tables: list[RawTable] = []
    problems: list[Problem] = []
    for candidate in candidates:
        rows = book.stream(candidate)
        raw_head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
        head = [[cell_text(v) for v in row] for row in raw_head]
        heads[candidate] = head
        year, year_from = _sheet_year(candidate, reading, file_year)
        found = find_header(head, reading, year is not None)
        if found is None:
            continue
        merged = [m.ref for m in book.merged(candidate) if m.last_row >= found + 1]
        if merged:
            problems.append(Problem(
                name, None, None, f"has merged cells ({', '.join(merged)}): a merged cell leaves every cell but its "
                "first blank. Unmerge them and fill in every cell.", sheet=candidate,
            ))
            continue
        try:
            table = _read_table(itertools.chain(raw_head, rows), name, candidate, reading, year, year_from, True)
        except FileProblem as exc:
            problems.extend(exc.problems)
            continue
        if book.has_cells_past_last_column(candidate):
            table = replace(table, notes=(*table.notes, _past_last_column(table.where)))
        tables.append(_with_cached_values(book, table))
        if not reading.every_sheet:
            break
    if problems:
        raise FileProblem(problems)
    if tables:
        return _noting_unread(tables, name, candidates)
    return _no_sheet_recognised(name, candidates, heads, reading, file_year)


def _sheet_year(candidate: str, reading: Reading, file_year: str | None) -> tuple[str | None, str]:
    """The year a sheet's name gives (when the contract has a year column), else the
    file's; and which of the two gave it."""
    year = year_in_name(candidate) if "year" in reading.contract.by_name else None
    if year is None and file_year is not None:
        return file_year, "file"
    return year, "sheet"


def _noting_unread(tables: list[RawTable], name: str, candidates: list[str]) -> list[RawTable]:
    """The tables read, the first noting the sheets passed over."""
    unread = [c for c in candidates if c not in {t.sheet for t in tables}]
    if unread:
        note = (f"{name}: sheet{'s' if len(unread) > 1 else ''} {quoted(unread)} not read: "
                f"no header row naming the required columns in {'their' if len(unread) > 1 else 'its'} "
                f"first {HEADER_SEARCH_ROWS} rows")
        tables[0] = replace(tables[0], notes=(note, *tables[0].notes))
    return tables


def _no_sheet_recognised(name: str, candidates: list[str], heads: Mapping[str, list[list[str]]],
                         reading: Reading, file_year: str | None) -> list[RawTable]:
    """Explain the sheet that comes closest, from its first rows only, and where else to look."""
    closest = max(candidates, key=lambda c: header_score(heads[c], reading)[0])
    problems: list[Problem] = []
    if len(candidates) > 1:
        problems.append(Problem(
            name, None, None,
            f"no sheet has a header row naming the required columns ({required_list(reading.contract)}) in its first "
            f"{HEADER_SEARCH_ROWS} rows; its sheets are {quoted(candidates)}. If the return is on a sheet "
            "whose header is not the problem, name that sheet with xlsx_sheet in kfh-site.toml",
        ))
        if header_score(heads[closest], reading)[0] == 0:
            raise FileProblem(problems)
    year = (year_in_name(closest) if "year" in reading.contract.by_name else None) or file_year
    try:
        _read_table(iter(heads[closest]), name, closest, reading, year, "sheet", False)
    except FileProblem as exc:
        problems.extend(exc.problems)
    raise FileProblem(problems)


def _past_last_column(at: str) -> str:
    return (f"{at}: cells after column {letter(MAX_COLUMNS - 1)} not read (kfh-site reads the first "
            f"{MAX_COLUMNS} columns of a sheet; a return's columns are all before them)")


def _with_cached_values(book: Workbook, table: RawTable) -> RawTable:
    """Formula cells replaced by the values Excel saved with them (a second streaming
    pass, only for a sheet with formulas in the contract's columns)."""
    formulas = {
        (number, i): cell for number, row in zip(table.row_numbers, table.rows, strict=True)
        for i, cell in enumerate(row) if isinstance(cell, _Formula)
    }
    if not formulas:
        return table
    assert table.sheet is not None
    positions = {(number, cell.column) for (number, _), cell in formulas.items()}
    cached = book.cached_values(table.sheet, positions)
    rows = []
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        rows.append([
            (NoCachedValue(cell) if cached.get((number, cell.column)) is None
             else cell_text(cached[(number, cell.column)])) if isinstance(cell, _Formula) else cell
            for cell in row
        ])
    return replace(table, rows=rows)


class _Formula(str):
    """A formula cell's text, with the column it came from, until its saved value is read."""

    column: int

    def __new__(cls, text: str, column: int) -> _Formula:
        made = super().__new__(cls, text)
        made.column = column
        return made


def quoted(items: Sequence[str]) -> str:
    """Names in quotes, joined as a sentence would: "A", "B" and "C"."""
    shown = [f'"{item}"' for item in items]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def required_list(contract: Contract) -> str:
    """The required columns as a message lists them: their headers and names."""
    return ", ".join(f'"{contract.heading(c)}" ({c})' for c in contract.required)


# --- finding the header ----------------------------------------------------------------


def _required(contract: Contract, year_known: bool) -> tuple[str, ...]:
    return tuple(c for c in contract.required if not (year_known and c == "year"))


def find_header(cells: Sequence[Sequence[str]], reading: Reading, year_known: bool = False) -> int | None:
    """The first of the top rows that names every required column, if one does."""
    required = _required(reading.contract, year_known)
    for index, row in enumerate(cells[:HEADER_SEARCH_ROWS]):
        named = {reading.lookup.get(normalise_header(cell)) for cell in row}
        if all(column in named for column in required):
            return index
    return None


def header_score(cells: Sequence[Sequence[str]], reading: Reading) -> tuple[int, int | None]:
    """How near the best of the top rows comes to a header, and which row it is.

    Counted in required columns named, or failing that nearly named; 0 means no row
    looks like a header at all.
    """
    top = cells[:HEADER_SEARCH_ROWS]
    named = [len({reading.lookup.get(normalise_header(c)) for c in row} & set(reading.contract.required)) for row in top]
    if named and max(named) > 0:
        return max(named), named.index(max(named))
    nearly = [
        len({reading.contract.closest(c) for c in row if str(c).strip()} & set(reading.contract.required)) if len(row) < 1000 else 0
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


def _read_header(row: Sequence[str], reading: Reading) -> _Header:
    written = tuple(str(cell).strip() for cell in row[:MAX_COLUMNS])
    positions: dict[str, int] = {}
    duplicates = []
    unknown = []
    for index, text in enumerate(written):
        column = reading.lookup.get(normalise_header(text)) if text else None
        if column is None:
            if text:
                unknown.append(index)
        elif column in positions:
            duplicates.append((column, positions[column], index))
        else:
            positions[column] = index
    return _Header(written, positions, tuple(duplicates), tuple(unknown))


def _header_problems(header: _Header, file: str, sheet: str | None, row: int,
                     year_known: bool, reading: Reading) -> tuple[list[Problem], list[str]]:
    """What is wrong with a header row, and the columns it leaves out (as notes)."""
    problems: list[Problem] = []
    notes: list[str] = []
    for column, first, second in header.duplicates:
        problems.append(Problem(
            file, row, column, f"column {column} appears twice in the header (columns {letter(first)} and "
            f"{letter(second)}); keep one", sheet=sheet,
        ))
    near_required: dict[str, int] = {}
    for index in header.unknown:
        text = header.written[index]
        close = reading.contract.closest(text)
        if close is not None and close not in header.positions:
            if reading.contract.by_name[close].required:
                near_required.setdefault(close, index)
                continue
            problems.append(Problem(
                file, row, close,
                f"not read: the header in column {letter(index)} is not one kfh-site knows, and this file has "
                f'no other {close} column, so its figures would be lost. Rename the header to "{reading.contract.heading(close)}", '
                f'or map it in kfh-site.toml: under {reading.contract.mapping} add "{text}" = "{close}"',
                sheet=sheet, header=text,
            ))
            continue
        if close is not None:
            read_from = header.written[header.positions[close]]
            notes.append(f'{where(file, sheet)}: ignored column "{text}" (not part of the contract; the '
                         f'closest contract column, {close}, is read from "{read_from}")')
        else:
            notes.append(f'{where(file, sheet)}: ignored column "{text}" (not part of the contract)')
    for column in _required(reading.contract, year_known):
        if column in header.positions:
            continue
        named = f'"{reading.contract.heading(column)}" ({column})'
        if column in near_required:
            found = header.written[near_required[column]]
            message = f'required column {named} is missing; found "{found}", did you mean "{reading.contract.heading(column)}"?'
        else:
            message = f"required column {named} is missing"
        if column == "year":
            message += ('; add it, or name the sheet (or file) after the year its rows are for, '
                        'e.g. "2024-25"')
        problems.append(Problem(file, row, None, message, sheet=sheet))
    return problems, notes


def _read_table(rows: Iterator[Sequence[object]], name: str, sheet: str | None, reading: Reading,
                year: str | None, year_from: str, workbook: bool) -> RawTable:
    """Find the header in the first rows, then keep the contract's columns of every row after it.

    ``workbook``: the cells come from a workbook, where a text starting "=" is a formula.
    """
    raw_head = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    head = [[_text(c) for c in row] for row in raw_head]
    found, header, notes = _table_header(head, rows, name, sheet, reading, year is not None)
    if "year" in header.positions:
        year = None
    body = _body(itertools.chain(raw_head[found + 1:], rows), header, found, (name, sheet), workbook)
    notes.extend(_body_notes(body, found, name, sheet))
    columns = tuple(header.positions)
    return RawTable(name, sheet, columns, {c: header.written[header.positions[c]] for c in columns}, found + 1,
                    body.kept, body.numbers, tuple(notes), year, year_from if year else "",
                    tuple(n for n, _ in body.totals))


def _table_header(head: list[list[str]], rows: Iterator[Sequence[object]], name: str, sheet: str | None,
                  reading: Reading, has_year: bool) -> tuple[int, _Header, list[str]]:
    """The header row's index, the header and the notes on it; a FileProblem naming what is
    wrong when there is none to read."""
    if not any(c.strip() for row in head for c in row):
        rest_empty = all(not any(_text(c).strip() for c in row) for row in itertools.islice(rows, 1000))
        if rest_empty:
            raise FileProblem.one(name, "is empty: expected a header row with the columns " + required_list(reading.contract),
                                  sheet=sheet)
    found = find_header(head, reading, has_year)
    if found is None:
        _, candidate = header_score(head, reading)
        if candidate is None:
            raise FileProblem.one(
                name, f"the header row was not found: none of the first {HEADER_SEARCH_ROWS} rows names the "
                f"required columns ({required_list(reading.contract)}). {reading.contract.described_in} lists the "
                f"headers kfh-site understands; others can be mapped under {reading.contract.mapping} in kfh-site.toml.",
                sheet=sheet,
            )
        problems, _ = _header_problems(_read_header(head[candidate], reading), name, sheet, candidate + 1,
                                       has_year, reading)
        raise FileProblem(problems)
    header = _read_header(head[found], reading)
    problems, notes = _header_problems(header, name, sheet, found + 1, has_year, reading)
    if problems:
        raise FileProblem(problems)
    if any(c.strip() for row in head[:found] for c in row):
        skipped = "row 1 skipped as a title or note" if found == 1 else f"rows 1-{found} skipped as title and notes"
        notes.insert(0, f"{where(name, sheet)}: header on row {found + 1} ({skipped})")
    return found, header, notes


@dataclass
class _Body:
    """The rows below a header: those kept (the contract's columns) with their row numbers,
    totals rows passed over, and columns with values but no header."""

    kept: list[list[str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    totals: list[tuple[int, str]] = field(default_factory=list)
    notes: list[tuple[int, str]] = field(default_factory=list)
    """Rows of one cell of words ("Source: ..."), passed over and named."""
    unnamed: set[int] = field(default_factory=set)


def _body(rows: Iterable[Sequence[object]], header: _Header, found: int, at: tuple[str, str | None],
          workbook: bool) -> _Body:
    name, sheet = at
    indexes = [header.positions[c] for c in header.positions]
    width = len(header.written)
    label_indexes = [header.positions[c] for c in _LABEL_COLUMNS if c in header.positions]
    code_index = header.positions.get("org_code")
    blank = {i for i, text in enumerate(header.written) if not text}
    body = _Body()
    number = found + 1
    for row in rows:
        number += 1
        if _blank(row):
            continue
        if len(body.kept) + len(body.totals) + len(body.notes) >= MAX_ROWS:
            raise FileProblem.one(
                name, f"has more than {MAX_ROWS:,} rows of data below its header, more than kfh-site reads (a "
                "return has one row per organisation per year). Is this the right file? Delete the rows "
                "that are not returns and save it again.", row=number, sheet=sheet,
            )
        past = row[width:MAX_COLUMNS]
        past_blank = not past or past.count(None) == len(past)  # a workbook's row is padded with None
        for i in itertools.chain(() if past_blank else range(width, min(len(row), MAX_COLUMNS)), blank):
            if i < len(row) and _text(row[i]).strip():
                body.unnamed.add(i)
        cells = [_cell(row, i, workbook) for i in indexes]
        note = _note_text(row)
        if note is None and _repeats_header(row, header):
            note = "it repeats the header"
        if note is not None:
            body.notes.append((number, note))
            continue
        label = (_totals_label(row, code_index, label_indexes, header.positions.get("org_name"))
                 if code_index is not None else None)
        if label is not None:
            body.totals.append((number, label))
            continue
        body.kept.append(cells)
        body.numbers.append(number)
    if not body.kept:
        raise FileProblem.one(name, "has a header row but no rows of data", row=found + 1, sheet=sheet)
    return body


def _blank(row: Sequence[object]) -> bool:
    """Whether a row holds nothing: at C speed for a workbook's row padded with None to
    MAX_COLUMNS cells, the usual case for the empty rows below a return."""
    if row.count(None) == len(row):
        return True
    return not any(c is not None and str(c).strip() for c in row)


def _body_notes(body: _Body, found: int, name: str, sheet: str | None) -> list[str]:
    """What was passed over below the header: unnamed columns and totals rows."""
    notes = []
    unnamed = body.unnamed
    if unnamed:
        letters = ", ".join(letter(i) for i in sorted(unnamed)[:10]) + (", …" if len(unnamed) > 10 else "")
        notes.append(f"{where(name, sheet)}: ignored column{'s' if len(unnamed) > 1 else ''} {letters} "
                     f"(no header on row {found + 1}, but {'they hold' if len(unnamed) > 1 else 'it holds'} values)")
    if body.totals:
        notes.append(f"{where(name, sheet)}: {_rows_phrase([n for n, _ in body.totals])} skipped as a totals row "
                     f"({', '.join(sorted({f'{chr(34)}{t}{chr(34)}' for _, t in body.totals}))}, no organisation "
                     "code): kfh-site adds up the organisations' rows itself")
    for number, text in body.notes:
        if text == "it repeats the header":
            notes.append(f"{where(name, sheet)}: row {number} skipped: it repeats the header")
            continue
        notes.append(f'{where(name, sheet)}: row {number} skipped as a note ("{_short(text)}"): it holds words in '
                     "one cell and nothing else")
    return notes


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell(row: Sequence[object], index: int, workbook: bool) -> str:
    if index >= len(row):
        return ""
    value = row[index]
    if workbook and isinstance(value, str) and value.startswith("="):
        return _Formula(value, index)
    return _text(value)


def _text(value: object) -> str:
    return value if isinstance(value, str) else cell_text(value)


def _totals_label(row: Sequence[object], code_index: int, label_indexes: Iterable[int],
                  name_index: int | None = None) -> str | None:
    """The label of a totals row ("Total", "All organisations"), if this row is one: such a
    label in a name, region or type cell (or the first cell) and no organisation code; or
    no code and an area's name ("London", "England") as the organisation's name."""
    code = _text(row[code_index]).strip() if code_index < len(row) else ""
    if code and not _TOTALS.search(code) and _CODE_SHAPE.match(code):
        return None
    for i in (*label_indexes, 0):
        text = " ".join(_text(row[i]).split()) if i < len(row) else ""
        if text and _TOTALS.search(text):
            return text
    if not code and name_index is not None and name_index < len(row):
        name = " ".join(_text(row[name_index]).split())
        if name.lower() in _AREA_NAMES:
            return name
    return None


def _repeats_header(row: Sequence[object], header: _Header) -> bool:
    """A row that names the contract's columns as the header does (sheets pasted one
    under another bring their headers with them)."""
    return all(i < len(row) and normalise_header(_text(row[i])) == normalise_header(header.written[i])
               for i in header.positions.values())


def _note_text(row: Sequence[object]) -> str | None:
    """The text of a note row below the data ("Source: LKS return 2024/25"): one cell of
    words in a row with nothing else, which no return's row is."""
    filled = [c for c in row if c is not None and str(c).strip()]
    if len(filled) != 1 or not isinstance(filled[0], str):
        return None
    text = " ".join(filled[0].split())
    return text if " " in text and not _CODE_SHAPE.match(text) else None


def _rows_phrase(numbers: Sequence[int]) -> str:
    return f"row {numbers[0]}" if len(numbers) == 1 else "rows " + row_ranges(numbers)


def row_ranges(numbers: Iterable[int]) -> str:
    """``[5, 6, 7, 9]`` -> ``5-7, 9``."""
    ordered = sorted(set(numbers))
    parts = []
    start = previous = ordered[0]
    for n in ordered[1:]:
        if n == previous + 1:
            previous = n
            continue
        parts.append(f"{start}-{previous}" if previous > start else str(start))
        start = previous = n
    parts.append(f"{start}-{previous}" if previous > start else str(start))
    return ", ".join(parts)


def letter(index: int) -> str:
    """The spreadsheet's letter for the column at ``index`` (from 0): 0 -> A, 26 -> AA."""
    return column_letter(index + 1)
