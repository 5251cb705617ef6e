"""The figure types: one organisation, one area, every year; what ranks and rates hold.

Plain frozen dataclasses, apart from the computation (compute.py) and the peer
comparisons (peers.py), so that both and every later stage can name them.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from kfh_site.domain import (
    ENGLAND,
    NHS_STAFF_FROM_RETURN,
    STATUS_BETTER,
    STATUS_MEETS,
    Merger,
    Policy,
    ratio_direction,
    slugify,
)
from kfh_site.returns.contract import REGIONS


@dataclass(frozen=True, repr=False)
class OrgFigures:
    """One organisation in one return year. ``None`` means *not reported*.

    ``combined_from`` is set on the figures of a merged organisation's predecessors,
    added together for a year before the merger: shown as such, never as a return.
    """

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
    recommended_wte: float
    qualified_wte_needed: float
    rank_all: Rank | None = None
    rank_type: Rank | None = None
    rank_region: Rank | None = None
    rates: Mapping[str, Rates] = field(default_factory=dict)
    previous: OrgFigures | None = None
    combined_from: tuple[str, ...] = ()
    change: OrgChange | None = None
    """Since ``previous`` (org_change, with the policy's "about the same" share)."""
    nhs_staff_source: str = NHS_STAFF_FROM_RETURN
    """Where ``nhs_staff_wte`` came from: the NHS Workforce Statistics or the return."""
    nhs_staff_month: str | None = None
    """The workforce statistics' month it is for (``2024-12``); None for a return's own figure."""

    @property
    def slug(self) -> str:
        """The organisation's key in URLs and file names."""
        return self.org_code.lower()

    def __repr__(self) -> str:
        """Short and exact: the organisation and a digest of every field. A page's render
        key is the repr of what it is given, and England's page and the A to Z list every
        organisation: written out in full, their keys ran to 60 and 120 MB."""
        return self._repr

    @functools.cached_property
    def _repr(self) -> str:
        text = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields(self))
        return f"OrgFigures({self.org_code!r}, {self.year!r}, {hashlib.sha256(text.encode()).hexdigest()})"


@dataclass(frozen=True)
class OrgChange:
    """This year minus the previous year, for the same organisation (or its predecessors)."""

    previous_year: str
    nhs_staff_wte: float
    qualified_lks_wte: float
    staff_per_qualified: float | None
    qualified_wte_needed: float
    status_changed: bool
    previous_status: str
    previous_staff_per_qualified: float | None
    direction: str
    combined_from: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reported:
    """A total over the organisations that reported a figure, and how many did."""

    total: float
    reported: int
    of: int


@dataclass(frozen=True)
class LikeForLike:
    """An area's change from the year before, over the organisations in both years.

    ``joined`` reported this year but not the year before (new or back after a gap);
    ``left`` reported the year before but not this year (and did not merge into one
    that did). Neither is mixed into the change.
    """

    previous_year: str
    organisations: int
    nhs_staff_wte: float
    previous_nhs_staff_wte: float
    qualified_lks_wte: float
    previous_qualified_lks_wte: float
    staff_per_qualified: float | None
    previous_staff_per_qualified: float | None
    meeting: int
    previous_meeting: int
    joined: int
    left: int

    @property
    def nhs_staff_change(self) -> float:
        """NHS staff WTE now less the year before."""
        return self.nhs_staff_wte - self.previous_nhs_staff_wte

    @property
    def qualified_change(self) -> float:
        """Qualified LKS WTE now less the year before."""
        return self.qualified_lks_wte - self.previous_qualified_lks_wte

    @property
    def ratio_change(self) -> float | None:
        """The ratio now less the year before; None when either year has no qualified staff."""
        if self.staff_per_qualified is None or self.previous_staff_per_qualified is None:
            return None
        return self.staff_per_qualified - self.previous_staff_per_qualified


@dataclass(frozen=True)
class TypeGroup:
    """The organisations of one type in an area: how many, their median, their statuses."""

    org_type: str
    organisations: int
    ranked: int
    median_ratio: float | None
    status_counts: Mapping[str, int]


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
    rates: Mapping[str, Rates]
    staff_per_qualified: float | None
    status: str
    recommended_wte: float
    qualified_wte_needed: float
    organisations_short_wte: float
    status_counts: Mapping[str, int]
    median_ratio: float | None
    types: tuple[TypeGroup, ...] = ()
    change: LikeForLike | None = None
    nhs_staff_months: tuple[str, ...] = ()
    """The NHS Workforce Statistics months its organisations' NHS staff are for (``2024-12``)."""
    nhs_staff_from_returns: int = 0
    """How many of its organisations' NHS staff are their returns' own figures."""
    nhs_staff_undated: int = 0
    """How many are from a workforce file that gives no month."""

    @property
    def meeting_recommendation(self) -> int:
        """How many organisations meet the recommended ratio."""
        return self.status_counts[STATUS_MEETS]

    @property
    def at_least_2019_average(self) -> int:
        """Organisations that meet the recommendation or beat the 2019 average."""
        return self.status_counts[STATUS_MEETS] + self.status_counts[STATUS_BETTER]

    @property
    def short(self) -> int:
        """Organisations that fall short of the recommendation (no qualified staff included)."""
        return self.organisations - self.status_counts[STATUS_MEETS]


@dataclass(frozen=True)
class Figures:
    """Every figure for every year, ready for planning pages."""

    years: tuple[str, ...]
    report_year: str
    organisations: Mapping[tuple[str, str], OrgFigures]   # (year, org_code): returns
    regions: Mapping[tuple[str, str], AreaFigures]         # (year, region slug)
    england: Mapping[str, AreaFigures]                     # year
    policy: Policy
    combined: Mapping[tuple[str, str], OrgFigures] = field(default_factory=dict)
    """(year, code): a merged organisation's predecessors added up, for years before it."""
    mergers: tuple[Merger, ...] = ()
    scope: str = ENGLAND
    """England, or the one region whose report this is."""

    def in_scope(self, org: OrgFigures) -> bool:
        """The organisation belongs to this report (England's, or its region's)."""
        return self.scope == ENGLAND or org.region == self.scope

    def orgs_in(self, year: str) -> list[OrgFigures]:
        """The organisations in scope that sent a return for ``year``."""
        return [f for (y, _), f in self.organisations.items() if y == year and self.in_scope(f)]

    def top(self, year: str) -> AreaFigures:
        """The area the report is about: England, or its region."""
        return self.england[year] if self.scope == ENGLAND else self.regions[(year, slugify(self.scope))]

    def england_complete(self, year: str) -> bool:
        """Every region sent returns: only then is England a fair comparison."""
        return all(self.regions[(year, slugify(r))].organisations for r in REGIONS)

    @functools.cached_property
    def latest_for_each_org(self) -> tuple[OrgFigures, ...]:
        """Each organisation in scope's most recent return, up to the report year, by code.

        Worked out once: pages, the index, the PDFs and the summary all ask for it."""
        latest: dict[str, OrgFigures] = {}
        for (year, code), figures in sorted(self.organisations.items()):
            if year <= self.report_year and self.in_scope(figures):
                latest[code] = figures
        return tuple(latest[c] for c in sorted(latest))

    @functools.cached_property
    def reporting(self) -> tuple[OrgFigures, ...]:
        """The organisations in scope with a return for the report year."""
        return tuple(o for o in self.latest_for_each_org if o.year == self.report_year)

    @functools.cached_property
    def not_reporting(self) -> tuple[OrgFigures, ...]:
        """Those that reported in an earlier year but not the report year (their last return)."""
        return tuple(o for o in self.latest_for_each_org if o.year != self.report_year)

    def series(self, code: str) -> tuple[OrgFigures, ...]:
        """Every year of an organisation up to the report year: its returns and, before a
        merger, its predecessors' combined figures."""
        return tuple(
            f for year in self.years if year <= self.report_year
            for f in [self.organisations.get((year, code)) or self.combined.get((year, code))]
            if f is not None
        )

    def successor(self, code: str) -> tuple[str, str] | None:
        """(year, code) of the organisation ``code`` merged into, if it did."""
        for merger in self.mergers:
            if code in merger.sources:
                return merger.year, merger.into
        return None


ALL, TYPE, REGION = "all", "type", "region"


@dataclass(frozen=True)
class Rank:
    """Where one organisation stands in one peer group.

    Rank 1 has the fewest NHS staff per qualified member of staff; equal ratios as shown
    share a rank. Organisations with no qualified staff are not ranked (``position`` is
    None) and counted in ``unranked``.
    """

    kind: str              # ALL, TYPE or REGION
    group: str             # "" for all, else the type or the region
    position: int | None
    tied: bool
    ranked: int
    unranked: int
    median: float | None   # the median organisation's ratio in the group


@dataclass(frozen=True)
class Rates:
    """One activity per qualified WTE and per 1,000 NHS staff, with the peers' medians."""

    per_qualified_wte: float | None
    per_1000_staff: float | None
    peer_median_per_qualified_wte: float | None
    peer_median_per_1000_staff: float | None


def org_change(current: OrgFigures, previous: OrgFigures, policy: Policy) -> OrgChange:
    """An organisation's change from its previous return, told in WTE needed as well as the ratio."""
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
        direction=ratio_direction(current.staff_per_qualified, previous.staff_per_qualified, policy.same_within),
        combined_from=previous.combined_from,
    )
