"""A spreadsheet as a format-neutral model: sheets of cells, links and subheadings,
with the Analysis Function's shorthand for missing figures and formula-safe text.
ods.py writes it; statistics.py fills it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
"""The Analysis Function's shorthand for a missing figure, never a blank or a 0."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet may take as the start of a formula (OWASP, CSV injection)."""


def formula_safe(text: str) -> str:
    """Text a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+1``, ``@SUM``)
    gets a leading apostrophe, as OWASP advises, so it shows as the text it is."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# --- a workbook, in no particular format ----------------------------------------------

@dataclass(frozen=True)
class Link:
    """Text that links to a sheet (``#Notes``) or a web address."""

    text: str
    target: str


@dataclass(frozen=True)
class Subheading:
    """A line that heads the lines after it (the cover sheet's sections)."""

    text: str


Cell = str | int | float | Link
Line = str | Link | Subheading


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a title in A1, short lines under it, then at most one table with
    one header row. Cells are held column by column, every cell filled."""

    name: str
    """The tab: letters, digits and underscores, so formulas need no quotes."""
    title: str
    lines: tuple[Line, ...] = ()
    headings: tuple[str, ...] = ()
    columns: tuple[Sequence[Cell], ...] = ()
    places: tuple[int | None, ...] = ()
    """Decimals each column's numbers show with; None for a column of text."""

    @property
    def table_rows(self) -> int:
        """How many data rows the table has, below its headings."""
        return len(self.columns[0]) if self.columns else 0


@dataclass(frozen=True)
class Spreadsheet:
    """A whole workbook, format-neutral: ods.py writes it, tests read it back."""
    title: str
    subject: str
    published: dt.date
    sheets: tuple[Sheet, ...]
