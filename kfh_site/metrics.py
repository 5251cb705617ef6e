"""Validated returns -> figures for each organisation, region and England, every year.

Pure functions: the same table, policy and settings always give the same figures.
Areas use a ratio of sums (total NHS staff / total qualified staff), never a mean of
ratios, as the staff ratio policy does; an area's change from the year before is worked
out like for like, over the organisations that reported in both years.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from kfh_site.contract import ACTIVITY, REGIONS
from kfh_site.peers import ALL, REGION, TYPE, Rank, Rates, activity_rates, area_rates, median, ranks_in
from kfh_site.rounding import round_half_up, round_up

if TYPE_CHECKING:
    import pandas as pd  # compute_figures is given a table; pandas loads only where returns are read

STATUS_NONE = "no-qualified-staff"
STATUS_MEETS = "meets-recommendation"
STATUS_BETTER = "better-than-2019-average"
STATUS_WORSE = "worse-than-2019-average"
STATUSES = (STATUS_MEETS, STATUS_BETTER, STATUS_WORSE, STATUS_NONE)
"""In the order charts and tables show them: best first."""
STATUS_NO_RETURNS = "no-returns"
"""An area no organisation sent a return from: not a status of its staffing."""

ENGLAND = "England"

# How an organisation's staff ratio moved since the year before.
BETTER, WORSE, SAME, NEW, GAP = "better", "worse", "same", "new", "gap"


@dataclass(frozen=True)
class Policy:
    """The two numbers of the staff ratio policy, from the site config."""

    recommended_ratio: float
    baseline_ratio: float


@dataclass(frozen=True)
class Merger:
    """Organisations that became one: ``into`` sent its first return in ``year``."""

    year: str
    into: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
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

    @property
    def slug(self) -> str:
        return self.org_code.lower()

    @property
    def change(self) -> OrgChange | None:
        return org_change(self, self.previous) if self.previous else None


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
        return self.nhs_staff_wte - self.previous_nhs_staff_wte

    @property
    def qualified_change(self) -> float:
        return self.qualified_lks_wte - self.previous_qualified_lks_wte

    @property
    def ratio_change(self) -> float | None:
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

    @property
    def meeting_recommendation(self) -> int:
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


def recommended_wte(nhs_staff_wte: float, policy: Policy) -> float:
    """Qualified WTE that would meet the recommended ratio, rounded up to 0.1."""
    return round_up(nhs_staff_wte / policy.recommended_ratio)


def qualified_wte_needed(nhs_staff_wte: float, qualified_lks_wte: float, policy: Policy) -> float:
    """More qualified WTE needed to meet the recommendation, rounded UP to 0.1 so that
    adding the stated figure always meets it; 0 when the ratio as shown already does."""
    if ratio_status(staff_per_qualified(nhs_staff_wte, qualified_lks_wte), policy) == STATUS_MEETS:
        return 0.0
    return max(0.0, round_up(nhs_staff_wte / policy.recommended_ratio - qualified_lks_wte))


def compute_figures(table: pd.DataFrame, policy: Policy, report_year: str | None = None,
                    scope: str = ENGLAND, mergers: Sequence[Merger] = ()) -> Figures:
    """All figures for every organisation, region and England, for every year.

    ``scope`` is England or one region: organisations are ranked among those in scope.
    """
    years = tuple(sorted(table["year"].unique()))
    chosen = report_year or (years[-1] if years else "")
    bases: dict[str, list[OrgFigures]] = {
        year: [_org_figures(row, policy) for row in group.itertuples(index=False)]
        for year, group in table.groupby("year", sort=True)
    }
    combined = _combined_predecessors(bases, mergers, policy)
    organisations: dict[tuple[str, str], OrgFigures] = {}
    combined_out: dict[tuple[str, str], OrgFigures] = {}
    for year in years:
        before = _previous_year(year, years)
        ranked = with_peers(bases[year], scope)
        for org in ranked:
            previous = None
            if before:
                previous = organisations.get((before, org.org_code)) or combined.get((before, org.org_code))
            organisations[(year, org.org_code)] = _replace(org, previous=previous)
        for key, merged in combined.items():
            if key[0] == year:
                earlier = combined_out.get((before, key[1])) if before else None
                combined_out[key] = _replace(merged, previous=earlier)
    regions: dict[tuple[str, str], AreaFigures] = {}
    england: dict[str, AreaFigures] = {}
    for year in years:
        before = _previous_year(year, years)
        in_year = [f for (y, _), f in organisations.items() if y == year]
        previous_codes = {c for (y, c) in organisations if y == before}
        for region in REGIONS:
            members = [f for f in in_year if f.region == region]
            left = _left(previous_codes, organisations, before, members, region, mergers, year)
            regions[(year, slugify(region))] = area_figures(
                region, slugify(region), year, members, policy, before, left)
        left = _left(previous_codes, organisations, before, in_year, None, mergers, year)
        england[year] = area_figures(ENGLAND, "england", year, in_year, policy, before, left)
    return Figures(years, chosen, organisations, regions, england, policy, combined_out, tuple(mergers), scope)


def _replace(org: OrgFigures, **changes: object) -> OrgFigures:
    return replace(org, **changes)  # type: ignore[arg-type]


def with_peers(orgs: Sequence[OrgFigures], scope: str = ENGLAND) -> list[OrgFigures]:
    """The same organisations with their ranks and activity rates among their peers.

    Peers are the organisations of one year in scope: all of them, those of the same
    type, and those of the same region.
    """
    in_scope = [o for o in orgs if scope == ENGLAND or o.region == scope]
    by_all = ranks_in(in_scope, lambda o: "", ALL)
    by_type = ranks_in([o for o in in_scope if o.org_type], lambda o: o.org_type or "", TYPE)
    by_region = ranks_in(in_scope, lambda o: o.region, REGION)
    rates = activity_rates(in_scope)
    return [
        _replace(o, rank_all=by_all.get(o.org_code), rank_type=by_type.get(o.org_code),
                 rank_region=by_region.get(o.org_code), rates=rates.get(o.org_code, {}))
        for o in orgs
    ]


def _previous_year(year: str, years: tuple[str, ...]) -> str | None:
    """The return year just before ``year``, only if the data holds it."""
    start = int(year[:4]) - 1
    wanted = f"{start}/{(start + 1) % 100:02d}"
    return wanted if wanted in years else None


def _org_figures(row, policy: Policy) -> OrgFigures:
    ratio = staff_per_qualified(row.nhs_staff_wte, row.qualified_lks_wte)
    return OrgFigures(
        org_code=row.org_code,
        org_name=row.org_name,
        region=row.region,
        region_slug=slugify(row.region),
        org_type=row.org_type if isinstance(row.org_type, str) and row.org_type else None,
        year=row.year,
        nhs_staff_wte=float(row.nhs_staff_wte),
        qualified_lks_wte=float(row.qualified_lks_wte),
        other_lks_wte=_reported(row.other_lks_wte),
        clinical_librarian_wte=_reported(row.clinical_librarian_wte),
        knowledge_manager_wte=_reported(row.knowledge_manager_wte),
        activity={name: _whole(getattr(row, name)) for name in ACTIVITY},
        staff_per_qualified=ratio,
        status=ratio_status(ratio, policy),
        recommended_wte=recommended_wte(row.nhs_staff_wte, policy),
        qualified_wte_needed=qualified_wte_needed(row.nhs_staff_wte, row.qualified_lks_wte, policy),
    )


def _combined_predecessors(bases: Mapping[str, list[OrgFigures]], mergers: Sequence[Merger],
                           policy: Policy) -> dict[tuple[str, str], OrgFigures]:
    """For each merger, the predecessors' figures added up for every year before it:
    what the new organisation's change and series are compared with."""
    combined: dict[tuple[str, str], OrgFigures] = {}
    for merger in mergers:
        first = next((o for o in bases.get(merger.year, []) if o.org_code == merger.into), None)
        for year, orgs in bases.items():
            if year >= merger.year:
                continue
            parts = [o for o in orgs if o.org_code in merger.sources]
            if parts:
                combined[(year, merger.into)] = _add_up(parts, merger.into, first, year, policy)
    return combined


def _add_up(parts: list[OrgFigures], code: str, successor: OrgFigures | None, year: str,
            policy: Policy) -> OrgFigures:
    template = successor or parts[0]
    nhs = sum(p.nhs_staff_wte for p in parts)
    qualified = sum(p.qualified_lks_wte for p in parts)
    ratio = staff_per_qualified(nhs, qualified)

    def add(values: Iterable[float | int | None]) -> float | None:
        known = list(values)
        return None if any(v is None for v in known) else sum(v for v in known if v is not None)

    return OrgFigures(
        org_code=code, org_name=template.org_name, region=template.region, region_slug=template.region_slug,
        org_type=template.org_type, year=year, nhs_staff_wte=nhs, qualified_lks_wte=qualified,
        other_lks_wte=add(p.other_lks_wte for p in parts),
        clinical_librarian_wte=add(p.clinical_librarian_wte for p in parts),
        knowledge_manager_wte=add(p.knowledge_manager_wte for p in parts),
        activity={a: _int_or_none(add(p.activity[a] for p in parts)) for a in ACTIVITY},
        staff_per_qualified=ratio, status=ratio_status(ratio, policy),
        recommended_wte=recommended_wte(nhs, policy),
        qualified_wte_needed=qualified_wte_needed(nhs, qualified, policy),
        combined_from=tuple(sorted(p.org_code for p in parts)),
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
        direction=ratio_direction(current.staff_per_qualified, previous.staff_per_qualified),
        combined_from=previous.combined_from,
    )


def ratio_direction(now: float | None, before: float | None) -> str:
    """Better, worse or the same, on the ratios as shown; fewer staff per qualified
    member is better, and having qualified staff is better than having none."""
    if now is None and before is None:
        return SAME
    if before is None:
        return BETTER
    if now is None:
        return WORSE
    shown_now, shown_before = round_half_up(now), round_half_up(before)
    if shown_now == shown_before:
        return SAME
    return BETTER if shown_now < shown_before else WORSE


def _left(previous_codes: set[str], organisations: Mapping[tuple[str, str], OrgFigures], before: str | None,
          members: Sequence[OrgFigures], region: str | None, mergers: Sequence[Merger], year: str) -> int:
    """Organisations of the area that reported the year before but not this year, not
    counting those that merged into an organisation that did."""
    if before is None:
        return 0
    now = {m.org_code for m in members}
    merged = {code for m in mergers if m.into in now for code in m.sources}
    return sum(
        1 for code in previous_codes
        if code not in now and code not in merged
        and (region is None or organisations[(before, code)].region == region)
    )


def area_figures(
    name: str, slug: str, year: str, members: Sequence[OrgFigures], policy: Policy,
    previous_year: str | None = None, left: int = 0,
) -> AreaFigures:
    """Totals, the ratio of sums and the like-for-like change for the organisations in an area."""
    nhs = sum(f.nhs_staff_wte for f in members)
    qualified = sum(f.qualified_lks_wte for f in members)
    ratio = staff_per_qualified(nhs, qualified) if members else None
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
        rates=area_rates(members),
        staff_per_qualified=ratio,
        status=ratio_status(ratio, policy) if members else STATUS_NO_RETURNS,
        recommended_wte=recommended_wte(nhs, policy),
        qualified_wte_needed=qualified_wte_needed(nhs, qualified, policy) if members else 0.0,
        organisations_short_wte=round_half_up(sum(f.qualified_wte_needed for f in members), 1),
        status_counts=status_counts(members),
        median_ratio=median(f.staff_per_qualified for f in members),
        types=type_groups(members),
        change=like_for_like(members, previous_year, left) if previous_year else None,
    )


def status_counts(members: Iterable[OrgFigures]) -> dict[str, int]:
    counts = {status: 0 for status in STATUSES}
    for f in members:
        counts[f.status] += 1
    return counts


def type_groups(members: Sequence[OrgFigures]) -> tuple[TypeGroup, ...]:
    """The organisation types in an area, largest group first, then by name."""
    groups: dict[str, list[OrgFigures]] = {}
    for f in members:
        if f.org_type:
            groups.setdefault(f.org_type, []).append(f)
    return tuple(
        TypeGroup(org_type, len(orgs), sum(1 for o in orgs if o.staff_per_qualified is not None),
                  median(o.staff_per_qualified for o in orgs), status_counts(orgs))
        for org_type, orgs in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0]))
    )


def like_for_like(members: Sequence[OrgFigures], previous_year: str, left: int) -> LikeForLike:
    both = [f for f in members if f.previous is not None and f.previous.year == previous_year]
    before = [f.previous for f in both if f.previous is not None]
    nhs_now, nhs_then = sum(f.nhs_staff_wte for f in both), sum(f.nhs_staff_wte for f in before)
    q_now, q_then = sum(f.qualified_lks_wte for f in both), sum(f.qualified_lks_wte for f in before)
    return LikeForLike(
        previous_year=previous_year,
        organisations=len(both),
        nhs_staff_wte=nhs_now,
        previous_nhs_staff_wte=nhs_then,
        qualified_lks_wte=q_now,
        previous_qualified_lks_wte=q_then,
        staff_per_qualified=staff_per_qualified(nhs_now, q_now) if both else None,
        previous_staff_per_qualified=staff_per_qualified(nhs_then, q_then) if both else None,
        meeting=sum(1 for f in both if f.status == STATUS_MEETS),
        previous_meeting=sum(1 for f in before if f.status == STATUS_MEETS),
        joined=len(members) - len(both),
        left=left,
    )


def _total(values: list[float | int | None]) -> Reported:
    reported = [v for v in values if v is not None]
    return Reported(total=sum(reported), reported=len(reported), of=len(values))


def _reported(value: float) -> float | None:
    """A number column's value (returns.py makes them floats, NaN for not reported)."""
    return None if math.isnan(value) else float(value)


def _whole(value: float) -> int | None:
    return None if math.isnan(value) else int(value)


def _int_or_none(value: float | None) -> int | None:
    return None if value is None else int(value)
