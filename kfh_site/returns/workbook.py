"""An .xlsx return -> each sheet's cells as text, read safely.

An .xlsx file is a zip of XML parts, and a file of a few megabytes can inflate to
gigabytes. The zip directory states what every part inflates to (and Python's zip reader
stops at that size), so the limits are checked from it before openpyxl parses a byte.
Sheets are then read in openpyxl's streaming (read-only) mode, whatever their size;
merged cells, which that mode does not report, are found by scanning the sheet's XML.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from kfh_site.errors import WorkbookProblem

MAX_INFLATED_BYTES = 200 * 1024 * 1024
"""What all the parts of a workbook may inflate to, together."""
MAX_RATIO = 100
"""How many times its compressed size a large part may inflate to."""
RATIO_CHECKED_FROM = 10 * 1024 * 1024
"""Parts smaller than this inflated are not held to MAX_RATIO: small XML compresses well."""

_MERGE_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref="([A-Za-z]{1,3}\d+(?::[A-Za-z]{1,3}\d+)?)"')
_CELL_ROW = re.compile(r"[A-Za-z]+(\d+)")
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

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._book.close()

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheetnames)

    def head(self, sheet: str, rows: int) -> list[list[str]]:
        """The first ``rows`` rows as text (a formula shows as its text), to find the header."""
        return [[cell_text(v) for v in row] for row in self._values(self._book, sheet, rows)]

    def rows(self, sheet: str) -> list[list[str]]:
        """Every row as text; a formula cell is the value Excel saved with it."""
        formulas = self._values(self._book, sheet)
        if not any(isinstance(v, str) and v.startswith("=") for row in formulas for v in row):
            return [[cell_text(v) for v in row] for row in formulas]
        from openpyxl import load_workbook

        cached_book = load_workbook(io.BytesIO(self._data), read_only=True, data_only=True)
        try:
            cached = self._values(cached_book, sheet)
        finally:
            cached_book.close()
        # Two readings of one sheet, so they line up row for row; not strict all the same:
        # a short cached row is padded, and a user's odd file must never be a traceback.
        rows = []
        for frow, crow in zip(formulas, cached, strict=False):
            crow = list(crow) + [None] * (len(frow) - len(crow))
            rows.append([
                NoCachedValue(f) if isinstance(f, str) and f.startswith("=") and c is None else cell_text(c)
                for f, c in zip(frow, crow, strict=False)
            ])
        return rows

    def merged(self, sheet: str) -> tuple[MergedRange, ...]:
        """The sheet's merged cells, read from its XML (streaming mode does not list them)."""
        # openpyxl keeps where a streamed sheet's XML lives only in this private attribute.
        path = getattr(self._book[sheet], "_worksheet_path", None)
        if not path:
            return ()
        found: dict[str, None] = {}
        with zipfile.ZipFile(io.BytesIO(self._data)) as archive:
            if path.lstrip("/") not in archive.namelist():
                return ()
            with archive.open(path.lstrip("/")) as part:
                tail = b""
                while chunk := part.read(_SCAN_CHUNK):
                    text = tail + chunk
                    if b"mergeCell" in text:
                        found.update((m.group(1).decode("ascii").upper(), None) for m in _MERGE_CELL.finditer(text))
                    tail = text[-_SCAN_OVERLAP:]
        ranges = []
        for ref in found:
            rows = [int(r) for r in _CELL_ROW.findall(ref)]
            ranges.append(MergedRange(ref, min(rows), max(rows)))
        return tuple(sorted(ranges, key=lambda r: (r.first_row, r.ref)))

    @staticmethod
    def _values(book: Any, sheet: str, max_row: int | None = None) -> list[list[object]]:
        worksheet = book[sheet]
        if not hasattr(worksheet, "iter_rows"):  # a chart sheet: no cells
            return []
        # The stated dimensions of a sheet can be wrong (some exporters write A1:A1):
        # without this, streaming mode would cut rows and columns off at them.
        worksheet.reset_dimensions()
        return [list(row) for row in worksheet.iter_rows(max_row=max_row, values_only=True)]


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
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
