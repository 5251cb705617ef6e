"""How every number reads, on the site, in the PDFs and in chart descriptions.

One module so that "1 : 1,512" is written the same way everywhere; registered as
Jinja filters by render.py.
"""

from __future__ import annotations

import datetime as dt
import re

from kfh_site.domain import (
    BETTER,
    GAP,
    NEW,
    SAME,
    STATUS_BETTER,
    STATUS_MEETS,
    STATUS_NO_RETURNS,
    STATUS_NONE,
    STATUS_WORSE,
    WORSE,
    round_half_up,
)
from kfh_site.figures.types import ALL, REGION, TYPE, Rank
from kfh_site.returns.contract import financial_year

NOT_REPORTED = "Not reported"
MINUS = "\u2212"
NBSP = "\u00a0"
"""Between a number and its unit or its "of": on a phone "7.9 WTE" and "224th of 235"
never break across lines (the one place they are written, so every page, table and PDF
keeps them together)."""

STATUS_LABELS = {
    STATUS_MEETS: "Meets the recommended ratio",
    STATUS_BETTER: "Better than the 2019 average",
    STATUS_WORSE: "Worse than the 2019 average",
    STATUS_NONE: "No qualified staff reported",
    STATUS_NO_RETURNS: "No returns",
}
STATUS_PHRASES = {
    STATUS_MEETS: "meets the recommended ratio",
    STATUS_BETTER: "better than the 2019 average",
    STATUS_WORSE: "worse than the 2019 average",
    STATUS_NONE: "no qualified staff reported",
    STATUS_NO_RETURNS: "no returns",
}
"""Status inside a sentence: lower case ("was worse than the 2019 average")."""
STATUS_SHORT = {
    STATUS_MEETS: "Meets recommendation",
    STATUS_BETTER: "Better than 2019 average",
    STATUS_WORSE: "Worse than 2019 average",
    STATUS_NONE: "No qualified staff",
    STATUS_NO_RETURNS: "No returns",
}


def count(value: float | int | None) -> str:
    """``3,201``; *not reported* stays visible as words, never as 0."""
    if value is None:
        return NOT_REPORTED
    return f"{int(round_half_up(value)):,}"


def number(value: float | None, places: int = 1) -> str:
    """A number as every page and PDF writes it: thousands separated, rounded half up; not reported when None."""
    if value is None:
        return NOT_REPORTED
    return f"{round_half_up(value, places):,.{places}f}"


def wte(value: float | None) -> str:
    """``12.4 WTE``, with a no-break space."""
    if value is None:
        return NOT_REPORTED
    return f"{number(value)}{NBSP}WTE"


def ratio(value: float | None) -> str:
    """``1 : 1,512``, or words when there are no qualified staff."""
    if value is None:
        return STATUS_LABELS[STATUS_NONE]
    # No-break spaces: "1 : 1,512" never splits across two lines on a narrow screen.
    return f"1\u00a0:\u00a0{count(value)}"


def date(day: dt.date) -> str:
    """``23 November 2026``: how the site, the PDFs and the spreadsheet write a date."""
    return f"{day.day} {day:%B %Y}"


def median(value: float | None, label: str = "median") -> str:
    """``median 1 : 1,642``; a group in which no organisation has qualified staff has no
    median ratio, and says so rather than "median No qualified staff reported"."""
    if value is None:
        return "no median (none has qualified staff)"
    return f"{label}{NBSP}{ratio(value)}"      # the number never wraps away from its word


def ratio_words(value: float | None) -> str:
    """The ratio as a sentence fragment a screen reader says clearly."""
    if value is None:
        return "no qualified staff reported"
    return f"one qualified member of staff for every {count(value)}{NBSP}WTE NHS staff"


def signed(value: float | None, places: int = 1, unit: str = "") -> str:
    """``+1.2 WTE``, ``−0.4 WTE``, ``no change``."""
    if value is None:
        return NOT_REPORTED
    rounded = round_half_up(abs(value), places)
    if rounded == 0:
        return "no change"
    sign = "+" if value > 0 else MINUS
    text = f"{rounded:,.{places}f}" if places else f"{int(rounded):,}"
    return f"{sign}{text}{NBSP + unit if unit else ''}"


def ratio_change(delta: float | None) -> str:
    """A change in staff per qualified member: fewer is better, so say which."""
    if delta is None:
        return "Not comparable"
    rounded = int(round_half_up(abs(delta)))
    if rounded == 0:
        return "no change"
    if delta < 0:
        return f"{rounded:,} fewer NHS staff per qualified member of staff, which is better"
    return f"{rounded:,} more NHS staff per qualified member of staff, which is worse"


def status_label(status: str) -> str:
    """A status as a tile or table labels it."""
    return STATUS_LABELS[status]


def status_phrase(status: str) -> str:
    """A status as a sentence says it."""
    return STATUS_PHRASES[status]


def status_short(status: str) -> str:
    """A status in a few words, for narrow places."""
    return STATUS_SHORT[status]


def share_percent(value: float) -> str:
    """``2%``: a setting given as a share (0.02)."""
    return f"{round_half_up(100 * value, 1):g}%"


def share(part: int, total: int) -> str:
    """``31%`` of a whole, rounded half up like every other figure."""
    return f"{int(round_half_up(100 * part / total)) if total else 0}%"


def reported_by(reported: int, of: int) -> str:
    """``212 of 247``: how many organisations reported a figure."""
    return f"{count(reported)}{NBSP}of{NBSP}{count(of)}"


def file_size(size: int) -> str:
    """GOV.UK style attachment size: ``143 KB``."""
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{round_half_up(size / 1024):,.0f} KB"
    return f"{round_half_up(size / 1024 / 1024, 1):,.1f} MB"


def staff(value: float | None) -> str:
    """NHS staff are people: a whole number, ``21,053``."""
    return count(value)


def ordinal(position: int) -> str:
    """``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``12th``, ``13th``, ``21st``, ``22nd``."""
    if 11 <= position % 100 <= 13:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(position % 10, "th")
    return f"{position:,}{suffix}"


def rank(value: Rank | None) -> str:
    """``36th of 134``, ``=4th of 134`` when it shares the place, ``not ranked`` (lower
    case: it stands inside sentences and table cells alike)."""
    if value is None or value.position is None:
        return "not ranked"
    return f"{'=' if value.tied else ''}{ordinal(value.position)}{NBSP}of{NBSP}{value.ranked:,}"


TYPE_PLURALS = {
    "acute": "acute trusts",
    "mental health": "mental health trusts",
    "community": "community trusts",
    "ambulance": "ambulance trusts",
    "integrated care board": "integrated care boards",
    "arm's length body": "arm's length bodies",
    "other": "other organisations",
}


def type_plural(org_type: str | None) -> str:
    """``acute trusts``: a peer group by organisation type, inside a sentence."""
    if not org_type:
        return "organisations"
    return TYPE_PLURALS.get(org_type.strip().lower().replace("’", "'"), f"{org_type} organisations")


def capitalised(text: str) -> str:
    """The first letter in capitals, the rest as written (names keep their capitals)."""
    return text[:1].upper() + text[1:]


def peer_group(value: Rank, scope: str = "England") -> str:
    """The group a rank is among, as a row label: ``All organisations``, ``Acute trusts``,
    ``London``."""
    if value.kind == ALL:
        return "All organisations" if scope == "England" else f"All organisations in {scope}"
    if value.kind == TYPE:
        return capitalised(type_plural(value.group))
    if value.kind == REGION:
        return value.group
    raise ValueError(value.kind)


DIRECTIONS = {BETTER: "Better", WORSE: "Worse", SAME: "About the same", NEW: "New return", GAP: "No return last year"}


def direction(value: str) -> str:
    """A change's direction in words."""
    return DIRECTIONS[value]


FILTERS = {
    "count": count,
    "number": number,
    "wte": wte,
    "ratio": ratio,
    "ratio_words": ratio_words,
    "signed": signed,
    "ratio_change": ratio_change,
    "status_label": status_label,
    "status_short": status_short,
    "status_phrase": status_phrase,
    "staff": staff,
    "ordinal": ordinal,
    "rank": rank,
    "type_plural": type_plural,
    "capitalised": capitalised,
    "direction": direction,
    "share": share,
    "share_percent": share_percent,
    "file_size": file_size,
}


_YEAR_IN_TEXT = re.compile(r"(?<!\d)(\d{4})\s*[/\-–]\s*(\d{4}|\d{2})(?!\d)")


def titled(title: str, year: str) -> str:
    """The report's title with its year, ``"NHS LKS in England, 2024/25"``; the title alone
    when it already names that year (however written: 2024/25, 2024-25, 2024-2025)."""
    for match in _YEAR_IN_TEXT.finditer(title):
        if financial_year(f"{match.group(1)}/{match.group(2)}") == year:
            return title
    return f"{title}, {year}"
