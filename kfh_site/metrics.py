"""Validated returns -> figures for each organisation, region and England.

Pure functions: the same table and the same policy numbers always give the same
figures. Areas use a ratio of sums (total NHS staff / total qualified staff), never a
mean of ratios, as the staff ratio policy does.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from kfh_site.returns import ACTIVITY, REGIONS

STATUS_NONE = "no-qualified-staff"
STATUS_MEETS = "meets-recommendation"
STATUS_BETTER = "better-than-2019-average"
STATUS_WORSE = "worse-than-2019-average"
STATUSES = (STATUS_MEETS, STATUS_BETTER, STATUS_WORSE, STATUS_NONE)
"""In the order charts and tables show them: best first."""


@dataclass(frozen=True)
class Policy:
    """The two numbers of the staff ratio policy, from the site config."""

    recommended_ratio: float
    baseline_ratio: float


@dataclass(frozen=True)
class OrgFigures:
    """One organisation in one return year. ``None`` means *not reported*."""

    org_code: str
    org_name: str
    region: str
    region_slug: str
    org_type: str | None
    year: str
    nhs_staff_wte: float
    qualified_lks_wte: float
    other_lks_wte: float | None
    clinical_librarian_wte: float | None
    knowledge_manager_wte: float | None
    activity: Mapping[str, int | None]
    staff_per_qualified: float | None
    status: str
    qualified_wte_needed: float
    previous: "OrgFigures | None" = None

    @property
    def slug(self) -> str:
        return self.org_code.lower()

    @property
    def change(self) -> "OrgChange | None":
        return org_change(self, self.previous) if self.previous else None


@dataclass(frozen=True)
class OrgChange:
    """This year minus the previous year, for the same organisation code."""

    previous_year: str
    nhs_staff_wte: float
    qualified_lks_wte: float
    staff_per_qualified: float | None
    qualified_wte_needed: float
    status_changed: bool
    previous_status: str
    previous_staff_per_qualified: float | None


@dataclass(frozen=True)
class Reported:
    """A total over the organisations that reported a figure, and how many did."""

    total: float
    reported: int
    of: int


@dataclass(frozen=True)
class AreaFigures:
    """A region or England in one return year."""

    name: str
    slug: str
    year: str
    organisations: int
    nhs_staff_wte: float
    qualified_lks_wte: float
    other_lks_wte: Reported
    clinical_librarian_wte: Reported
    knowledge_manager_wte: Reported
    activity: Mapping[str, Reported]
    staff_per_qualified: float | None
    status: str
    qualified_wte_needed: float
    organisations_short_wte: float
    status_counts: Mapping[str, int]
    previous: "AreaFigures | None" = None

    @property
    def meeting_recommendation(self) -> int:
        return self.status_counts[STATUS_MEETS]

    @property
    def at_least_2019_average(self) -> int:
        """Organisations that meet the recommendation or beat the 2019 average."""
        return self.status_counts[STATUS_MEETS] + self.status_counts[STATUS_BETTER]

    @property
    def change(self) -> "AreaChange | None":
        return area_change(self, self.previous) if self.previous else None


@dataclass(frozen=True)
class AreaChange:
    """This year minus the previous year, for the same area."""

    previous_year: str
    organisations: int
    nhs_staff_wte: float
    qualified_lks_wte: float
    staff_per_qualified: float | None
    previous_staff_per_qualified: float | None
    status_counts: Mapping[str, int]


@dataclass(frozen=True)
class Figures:
    """Every figure for every year, ready for rendering."""

    years: tuple[str, ...]
    report_year: str
    organisations: Mapping[tuple[str, str], OrgFigures]   # (year, org_code)
    regions: Mapping[tuple[str, str], AreaFigures]         # (year, region slug)
    england: Mapping[str, AreaFigures]                     # year
    policy: Policy

    def orgs_in(self, year: str) -> list[OrgFigures]:
        return [f for (y, _), f in self.organisations.items() if y == year]

    @functools.cached_property
    def latest_for_each_org(self) -> tuple[OrgFigures, ...]:
        """Each organisation's most recent return, up to the report year, by code.

        Worked out once: pages, the index, the PDFs and the summary all ask for it."""
        latest: dict[str, OrgFigures] = {}
        for (year, code), figures in sorted(self.organisations.items()):
            if year <= self.report_year:
                latest[code] = figures
        return tuple(latest[c] for c in sorted(latest))


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def staff_per_qualified(nhs_staff_wte: float, qualified_lks_wte: float) -> float | None:
    """NHS staff WTE per qualified LKS WTE; None when there are no qualified staff."""
    if qualified_lks_wte <= 0:
        return None
    return nhs_staff_wte / qualified_lks_wte


def ratio_status(ratio: float | None, policy: Policy) -> str:
    if ratio is None:
        return STATUS_NONE
    # Compare the ratio as published (a whole number), so "1 : 1,250" always meets it.
    shown = round_half_up(ratio)
    if shown <= policy.recommended_ratio:
        return STATUS_MEETS
    if shown <= policy.baseline_ratio:
        return STATUS_BETTER
    return STATUS_WORSE


def qualified_wte_needed(nhs_staff_wte: float, qualified_lks_wte: float, policy: Policy) -> float:
    """More qualified WTE needed to meet the recommendation, to one decimal place."""
    needed = nhs_staff_wte / policy.recommended_ratio - qualified_lks_wte
    return max(0.0, round_half_up(needed, 1))


def round_half_up(value: float, places: int = 0) -> float:
    """Round as people do (2.5 -> 3), not as binary floats happen to fall."""
    factor = 10 ** places
    return math.floor(value * factor + 0.5 + 1e-9) / factor


def compute_figures(table: pd.DataFrame, policy: Policy, report_year: str | None = None) -> Figures:
    """All figures for every organisation, region and England, for every year."""
    years = tuple(sorted(table["year"].unique()))
    chosen = report_year or (years[-1] if years else "")
    organisations: dict[tuple[str, str], OrgFigures] = {}
    for year in years:
        previous_year = _previous_year(year, years)
        for row in table[table["year"] == year].itertuples(index=False):
            previous = organisations.get((previous_year, row.org_code)) if previous_year else None
            organisations[(year, row.org_code)] = _org_figures(row, policy, previous)
    regions: dict[tuple[str, str], AreaFigures] = {}
    england: dict[str, AreaFigures] = {}
    for year in years:
        previous_year = _previous_year(year, years)
        in_year = [f for (y, _), f in organisations.items() if y == year]
        for region in REGIONS:
            slug = slugify(region)
            members = [f for f in in_year if f.region == region]
            previous = regions.get((previous_year, slug)) if previous_year else None
            regions[(year, slug)] = area_figures(region, slug, year, members, policy, previous)
        england[year] = area_figures(
            "England", "england", year, in_year, policy, england.get(previous_year or "")
        )
    return Figures(years, chosen, organisations, regions, england, policy)


def _previous_year(year: str, years: tuple[str, ...]) -> str | None:
    """The return year just before ``year``, only if the data holds it."""
    start = int(year[:4]) - 1
    wanted = f"{start}/{(start + 1) % 100:02d}"
    return wanted if wanted in years else None


def _org_figures(row, policy: Policy, previous: OrgFigures | None) -> OrgFigures:
    ratio = staff_per_qualified(row.nhs_staff_wte, row.qualified_lks_wte)
    return OrgFigures(
        org_code=row.org_code,
        org_name=row.org_name,
        region=row.region,
        region_slug=slugify(row.region),
        org_type=row.org_type,
        year=row.year,
        nhs_staff_wte=float(row.nhs_staff_wte),
        qualified_lks_wte=float(row.qualified_lks_wte),
        other_lks_wte=_reported(row.other_lks_wte),
        clinical_librarian_wte=_reported(row.clinical_librarian_wte),
        knowledge_manager_wte=_reported(row.knowledge_manager_wte),
        activity={name: _whole(getattr(row, name)) for name in ACTIVITY},
        staff_per_qualified=ratio,
        status=ratio_status(ratio, policy),
        qualified_wte_needed=qualified_wte_needed(row.nhs_staff_wte, row.qualified_lks_wte, policy),
        previous=previous,
    )


def org_change(current: OrgFigures, previous: OrgFigures) -> OrgChange:
    ratio_change = None
    if current.staff_per_qualified is not None and previous.staff_per_qualified is not None:
        ratio_change = current.staff_per_qualified - previous.staff_per_qualified
    return OrgChange(
        previous_year=previous.year,
        nhs_staff_wte=current.nhs_staff_wte - previous.nhs_staff_wte,
        qualified_lks_wte=current.qualified_lks_wte - previous.qualified_lks_wte,
        staff_per_qualified=ratio_change,
        qualified_wte_needed=current.qualified_wte_needed - previous.qualified_wte_needed,
        status_changed=current.status != previous.status,
        previous_status=previous.status,
        previous_staff_per_qualified=previous.staff_per_qualified,
    )


def area_change(current: AreaFigures, previous: AreaFigures) -> AreaChange:
    ratio_change = None
    if current.staff_per_qualified is not None and previous.staff_per_qualified is not None:
        ratio_change = current.staff_per_qualified - previous.staff_per_qualified
    return AreaChange(
        previous_year=previous.year,
        organisations=current.organisations - previous.organisations,
        nhs_staff_wte=current.nhs_staff_wte - previous.nhs_staff_wte,
        qualified_lks_wte=current.qualified_lks_wte - previous.qualified_lks_wte,
        staff_per_qualified=ratio_change,
        previous_staff_per_qualified=previous.staff_per_qualified,
        status_counts={s: current.status_counts[s] - previous.status_counts[s] for s in STATUSES},
    )


def area_figures(
    name: str, slug: str, year: str, members: list[OrgFigures], policy: Policy,
    previous: AreaFigures | None = None,
) -> AreaFigures:
    """Totals and the ratio of sums for the organisations in an area."""
    nhs = sum(f.nhs_staff_wte for f in members)
    qualified = sum(f.qualified_lks_wte for f in members)
    ratio = staff_per_qualified(nhs, qualified) if members else None
    counts = {status: 0 for status in STATUSES}
    for f in members:
        counts[f.status] += 1
    return AreaFigures(
        name=name,
        slug=slug,
        year=year,
        organisations=len(members),
        nhs_staff_wte=nhs,
        qualified_lks_wte=qualified,
        other_lks_wte=_total([f.other_lks_wte for f in members]),
        clinical_librarian_wte=_total([f.clinical_librarian_wte for f in members]),
        knowledge_manager_wte=_total([f.knowledge_manager_wte for f in members]),
        activity={a: _total([f.activity[a] for f in members]) for a in ACTIVITY},
        staff_per_qualified=ratio,
        status=ratio_status(ratio, policy),
        qualified_wte_needed=qualified_wte_needed(nhs, qualified, policy),
        organisations_short_wte=round_half_up(sum(f.qualified_wte_needed for f in members), 1),
        status_counts=counts,
        previous=previous,
    )


def _total(values: list[float | int | None]) -> Reported:
    reported = [v for v in values if v is not None]
    return Reported(total=sum(reported), reported=len(reported), of=len(values))


def _reported(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


def _whole(value: float) -> int | None:
    return None if pd.isna(value) else int(value)
