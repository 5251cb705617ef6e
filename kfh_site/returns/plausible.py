"""Figures that keep the contract but are unlikely: an extra zero, a figure in the wrong column.

They are warnings, not errors (a merger can triple a trust's staff), named by file, row
and column like a problem; ``--strict`` on validate and build makes them errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from kfh_site.errors import Problem
from kfh_site.returns.contract import heading

if TYPE_CHECKING:
    import pandas as pd

    from kfh_site.returns.sheets import RawTable

MOST_NHS_STAFF = 50_000
"""More NHS staff than the largest trust in England has (about 45,000 WTE)."""
FEWEST_NHS_STAFF = 100
"""Fewer NHS staff than the smallest organisation with a library service."""
STAFF_PER_QUALIFIED_AT_LEAST = 100
"""One qualified librarian for fewer than this many staff would be fifteen times the policy's level."""
CHANGE_FACTOR = 3
"""A change from the previous return by more than this factor, either way."""


def plausibility_warnings(table: pd.DataFrame, headers: Mapping[tuple[str, str | None], RawTable]) -> list[Problem]:
    """Every unlikely figure in the validated table, in file and row order."""
    warnings: list[Problem] = []

    def warn(row: Any, column: str, message: str) -> None:
        file, sheet = row.source_file, row.source_sheet
        sheet = sheet if isinstance(sheet, str) else None
        raw = headers.get((file, sheet))
        warnings.append(Problem(file, int(row.source_row), column, f"warning: {message}", sheet=sheet,
                                header=raw.header_of(column) if raw else None))

    previous: dict[str, Any] = {}
    for row in table.sort_values(["org_code", "year"], kind="stable").itertuples(index=False):
        staff, qualified = float(row.nhs_staff_wte), float(row.qualified_lks_wte)
        who = f"{row.org_code} in {row.year}"
        if staff > MOST_NHS_STAFF:
            warn(row, "nhs_staff_wte", f"{_figure(staff)} NHS staff for {who} is more than any one organisation "
                 f"has ({MOST_NHS_STAFF:,}); is there an extra digit?")
        elif staff < FEWEST_NHS_STAFF:
            warn(row, "nhs_staff_wte", f"{_figure(staff)} NHS staff for {who} is fewer than {FEWEST_NHS_STAFF}; "
                 "is this the organisation's whole workforce (WTE), not the library's staff?")
        if qualified > staff / STAFF_PER_QUALIFIED_AT_LEAST:
            warn(row, "qualified_lks_wte", f"{_figure(qualified)} qualified WTE for {_figure(staff)} NHS staff "
                 f"({who}) is more than one for every {STAFF_PER_QUALIFIED_AT_LEAST} staff; are the two columns "
                 "swapped, or is a figure too large?")
        before = previous.get(row.org_code)
        if before is not None:
            for column in ("nhs_staff_wte", "qualified_lks_wte"):
                now, then = float(getattr(row, column)), float(getattr(before, column))
                if then > 0 and now > 0 and max(now / then, then / now) > CHANGE_FACTOR:
                    warn(row, column, f"{heading(column)} for {row.org_code} went from {_figure(then)} in "
                         f"{before.year} to {_figure(now)} in {row.year}, more than "
                         f"{CHANGE_FACTOR} times {'more' if now > then else 'less'}; is one of them mistyped?")
        previous[row.org_code] = row
    return sorted(warnings, key=lambda p: (p.file, p.sheet or "", p.row or 0, p.column or ""))


def _figure(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")
