"""Months, as the NHS workforce files give them, and the financial years they belong to.

The workforce statistics are monthly; returns are yearly (April to March). A period may be
written ``2024-12``, ``202412``, ``Dec-24``, ``December 2024``, ``31/12/2024`` or be a
spreadsheet date; all of them are the month December 2024, which belongs to 2024/25.
A period ``202411 to 202412`` is its last month, December 2024.
Light on purpose (no pandas): the stories name months too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable

_NAMES = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
_NAMES.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
_NAMES["sept"] = 9
_ISO = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{4})$")
_NAME_YEAR = re.compile(r"^(?:(\d{1,2})(?:st|nd|rd|th)?[\s\-]+)?([A-Za-z]{3,9})\.?[\s\-_/]*'?(\d{4}|\d{2})$")
_SPAN = re.compile(r"^(.+?)\s+(?:to|-|–)\s+(.+)$", re.IGNORECASE)
_NUMBERS_IN_NAME = re.compile(r"(?<!\d)(20\d{2})[-_ ]?(0[1-9]|1[0-2])(?!\d)")
_WORDS_IN_NAME = re.compile(r"(?<![A-Za-z])([A-Za-z]{3,9})[-_ ]?(20\d{2})(?!\d)")


@dataclass(frozen=True, order=True)
class Month:
    """One calendar month: ``Month(2024, 12)`` is ``2024-12``, December 2024."""

    year: int
    month: int

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def label(self) -> str:
        """``December 2024``: how pages, PDFs and messages name it."""
        return f"{calendar.month_name[self.month]} {self.year}"

    @property
    def financial_year(self) -> str:
        """The financial year (April to March) it belongs to: December 2024 -> ``2024/25``."""
        start = self.year if self.month >= 4 else self.year - 1
        return f"{start}/{(start + 1) % 100:02d}"

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2024-12`` (as ``str`` writes it) -> Month; a ValueError otherwise."""
        found = parse_month(text)
        if found is None:
            raise ValueError(f"not a month: {text!r}")
        return found


def month_in_year(financial_year: str, month: int) -> Month:
    """Month number ``month`` of a financial year: 12 of 2024/25 is December 2024,
    3 of it March 2025."""
    start = int(financial_year[:4])
    return Month(start if month >= 4 else start + 1, month)


def parse_month(text: str) -> Month | None:
    """The month a period cell names, or None if it names none. A period of two months
    (``202510 to 202511``, as the published extracts name theirs) is its last month: staff
    in post are counted at the end of a period."""
    value = text.strip()
    if (span := _SPAN.match(value)) and parse_month(span[1]) is not None:
        return parse_month(span[2])
    if match := _ISO.match(value):
        year, month, day = int(match[1]), int(match[2]), match[3]
        return _month(year, month, int(day) if day else 1)
    if match := _COMPACT.match(value):
        return _month(int(match[1]), int(match[2]))
    if match := _DAY_MONTH_YEAR.match(value):
        return _month(int(match[3]), int(match[2]), int(match[1]))
    if match := _MONTH_YEAR.match(value):
        return _month(int(match[2]), int(match[1]))
    if match := _NAME_YEAR.match(value):
        number = _NAMES.get(match[2].lower())
        year = int(match[3]) if len(match[3]) == 4 else 2000 + int(match[3])
        return _month(year, number, int(match[1]) if match[1] else 1) if number else None
    return None


def month_in_name(name: str) -> Month | None:
    """The month a file's name gives, as the published files name it: ``…-2025-11``,
    ``…202511``, ``…-november-2025``; None if the name gives none (or two)."""
    found = {Month(int(m[1]), int(m[2])) for m in _NUMBERS_IN_NAME.finditer(name)}
    found.update(Month(int(m[2]), _NAMES[m[1].lower()]) for m in _WORDS_IN_NAME.finditer(name)
                 if m[1].lower() in _NAMES)
    return found.pop() if len(found) == 1 else None


def describe_months(months: Iterable[Month]) -> str:
    """``2023-12, 2024-04 to 2025-03 and 2025-11``: months in order, runs shortened."""
    ordered = sorted(set(months))
    runs: list[list[Month]] = []
    for month in ordered:
        if runs and _next(runs[-1][-1]) == month:
            runs[-1].append(month)
        else:
            runs.append([month])
    parts = [str(run[0]) if len(run) == 1 else f"{run[0]} to {run[-1]}" for run in runs]
    if not parts:
        return "no months"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _next(month: Month) -> Month:
    return Month(month.year + 1, 1) if month.month == 12 else Month(month.year, month.month + 1)


def _month(year: int, month: int | None, day: int = 1) -> Month | None:
    if month is None or not 1900 <= year <= 2200:
        return None
    try:
        dt.date(year, month, day)
    except ValueError:
        return None
    return Month(year, month)
