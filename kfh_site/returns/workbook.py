"""An .xlsx return -> each sheet's cells as text, read safely.

An .xlsx file is a zip of XML parts, and a file of a few megabytes can inflate to
gigabytes. The zip directory states what every part inflates to (and Python's zip reader
stops at that size), so the limits are checked from it before openpyxl parses a byte.
Sheets are then read in openpyxl's streaming (read-only) mode, whatever their size;
merged cells, which that mode does not report, are found by scanning the sheet's XML.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re
import zipfile
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Iterator, Self

from kfh_site.errors import WorkbookProblem

MAX_INFLATED_BYTES = 200 * 1024 * 1024
"""What all the parts of a workbook may inflate to, together."""
MAX_RATIO = 100
"""How many times its compressed size a large part may inflate to."""
RATIO_CHECKED_FROM = 10 * 1024 * 1024
"""Parts smaller than this inflated are not held to MAX_RATIO: small XML compresses well."""
MAX_ROWS = 100_000
"""Rows of data a sheet may hold: a return has one per organisation per year (about 250)."""
MAX_COLUMNS = 200
"""Columns read from a sheet: the contract has 19, a collection workbook a few more."""

_MERGE_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)"')
_CELL_ROW = re.compile(r"[A-Za-z]+(\d+)")
_PAST_LAST_COLUMN = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?c\b[^>]*?\br="(?:[A-Za-z]{3}|[Gg][S-Zs-z]|[H-Zh-z][A-Za-z])\d+"')
"""A cell reference after column GR (the 200th): GS to GZ, HA to ZZ, or three letters."""
_SCAN_CHUNK = 1024 * 1024
_SCAN_OVERLAP = 512


@dataclass(frozen=True)
class MergedRange:
    """A block of merged cells, e.g. ``A1:M1``; rows as a spreadsheet counts them."""

    ref: str
    first_row: int
    last_row: int


def check_limits(data: bytes) -> None:
    """Refuse a workbook whose parts would inflate past the limits, from the zip directory alone."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = archive.infolist()
    total = sum(part.file_size for part in parts)
    if total > MAX_INFLATED_BYTES:
        raise WorkbookProblem(
            f"is refused: its parts unpack to {_megabytes(total)}, more than the "
            f"{_megabytes(MAX_INFLATED_BYTES)} kfh-site opens (a year's return unpacks to a few MB). "
            "Is this the right file? If it is, delete unused sheets and save it again, or export "
            "the return sheet as CSV."
        )
    for part in parts:
        if part.file_size > RATIO_CHECKED_FROM and part.file_size > MAX_RATIO * max(part.compress_size, 1):
            raise WorkbookProblem(
                f"is refused: its part {part.filename} unpacks from {_megabytes(part.compress_size)} to "
                f"{_megabytes(part.file_size)}, more than {MAX_RATIO} times its size, which a real "
                "return does not do. Is this the right file? If it is, export the return sheet as CSV."
            )


def _megabytes(size: int) -> str:
    megabytes = size / 1024 / 1024
    return f"{megabytes:,.0f} MB" if megabytes >= 10 else f"{megabytes:,.1f} MB"


class Workbook:
    """An open workbook: its sheet names, and each sheet's cells as text when asked.

    A class because the parsed workbook is opened once and read several times (sheet
    names, the first rows of each sheet, one sheet in full); use it in a ``with`` block.
    """

    def __init__(self, data: bytes):
        from openpyxl import load_workbook  # imported here: only XLSX returns need it

        check_limits(data)
        self._data = data
        self._book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        self._cached: Any = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._book.close()
        if self._cached is not None:
            self._cached.close()

    @property
    def sheet_names(self) -> list[str]:
        """The workbook's sheets in order, for messages and for finding the return."""
        return list(self._book.sheetnames)

    def stream(self, sheet: str, data_only: bool = False) -> Iterator[tuple[object, ...]]:
        """The sheet's rows one at a time, each of MAX_COLUMNS cells at most.

        Streaming keeps memory bounded whatever the sheet holds: a row with one cell in
        column XFD would otherwise be padded to 16,384 cells, and every row with it
        (``has_cells_past_last_column`` says whether any cell was left unread).
        """
        book = self._book if not data_only else self._cached_book()
        worksheet = book[sheet]
        if not hasattr(worksheet, "iter_rows"):  # a chart sheet: no cells
            return iter(())
        # The stated dimensions of a sheet can be wrong (some exporters write A1:A1):
        # without this, streaming mode would cut rows and columns off at them.
        worksheet.reset_dimensions()
        return worksheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)

    def head(self, sheet: str, rows: int) -> list[list[str]]:
        """The first ``rows`` rows as text (a formula shows as its text), to find the header."""
        return [[cell_text(v) for v in row] for row in itertools.islice(self.stream(sheet), rows)]

    def cached_values(self, sheet: str, cells: set[tuple[int, int]]) -> dict[tuple[int, int], object]:
        """The values Excel saved with the formula cells at (row, column index), both as a
        spreadsheet counts rows; read in a second streaming pass, only when a sheet has formulas."""
        wanted: dict[int, list[int]] = {}
        for row_number, column in cells:
            wanted.setdefault(row_number, []).append(column)
        last = max(wanted, default=0)
        found: dict[tuple[int, int], object] = {}
        for number, row in enumerate(self.stream(sheet, data_only=True), start=1):
            if number > last:
                break
            found.update(((number, i), row[i]) for i in wanted.get(number, ()) if i < len(row))
        return found

    def _cached_book(self) -> Any:
        if self._cached is None:
            from openpyxl import load_workbook

            self._cached = load_workbook(io.BytesIO(self._data), read_only=True, data_only=True)
        return self._cached

    def merged(self, sheet: str) -> tuple[MergedRange, ...]:
        """The sheet's merged cells, read from its XML (streaming mode does not list them)."""
        found: dict[str, None] = {}
        for text in self._xml_chunks(sheet):
            if b"mergeCell" in text:
                found.update((m.group(1).decode("ascii").upper(), None) for m in _MERGE_CELL.finditer(text))
        ranges = []
        for ref in found:
            rows = [int(r) for r in _CELL_ROW.findall(ref)]
            ranges.append(MergedRange(ref, min(rows), max(rows)))
        return tuple(sorted(ranges, key=lambda r: (r.first_row, r.ref)))

    def has_cells_past_last_column(self, sheet: str) -> bool:
        """Whether the sheet has a cell after column MAX_COLUMNS (GR), which ``stream`` leaves
        unread: found in its XML, without parsing it."""
        return any(_PAST_LAST_COLUMN.search(text) for text in self._xml_chunks(sheet))

    def _xml_chunks(self, sheet: str) -> Iterator[bytes]:
        """The sheet's XML in overlapping chunks, to search with a pattern."""
        # openpyxl keeps where a streamed sheet's XML lives only in this private attribute.
        path = getattr(self._book[sheet], "_worksheet_path", None)
        if not path:
            return
        with zipfile.ZipFile(io.BytesIO(self._data)) as archive:
            if path.lstrip("/") not in archive.namelist():
                return
            with archive.open(path.lstrip("/")) as part:
                tail = b""
                while chunk := part.read(_SCAN_CHUNK):
                    yield tail + chunk
                    tail = (tail + chunk)[-_SCAN_OVERLAP:]


class NoCachedValue(str):
    """A formula cell whose workbook was saved without its computed value."""


def cell_text(value: object) -> str:
    """A cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date().isoformat()  # Excel keeps a date as a date and time at midnight
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
