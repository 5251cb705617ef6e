"""Validated returns -> figures for each organisation, region and England, every year.

Pure functions: the same table, policy and settings always give the same figures.
Areas use a ratio of sums (total NHS staff / total qualified staff), never a mean of
ratios, as the staff ratio policy does; an area's change from the year before is worked
out like for like, over the organisations that reported in both years.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from kfh_site.domain import (
    ENGLAND,
    NHS_STAFF_FROM_RETURN,
    STATUS_MEETS,
    STATUS_NO_RETURNS,
    STATUSES,
    Merger,
    Policy,
    qualified_wte_needed,
    ratio_status,
    recommended_wte,
    round_half_up,
    slugify,
    staff_per_qualified,
)
from kfh_site.figures.peers import activity_rates, area_rates, median, ranks_in
from kfh_site.figures.types import (
    ALL,
    REGION,
    TYPE,
    AreaFigures,
    Figures,
    LikeForLike,
    OrgFigures,
    Reported,
    TypeGroup,
    org_change,
)
from kfh_site.returns.contract import ACTIVITY, REGIONS

if TYPE_CHECKING:
    import pandas as pd  # compute_figures is given a table; pandas loads only where returns are read


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
            organisations[(year, org.org_code)] = _replace(
                org, previous=previous, change=org_change(org, previous, policy) if previous else None)
        for key, merged in combined.items():
            if key[0] == year:
                earlier = combined_out.get((before, key[1])) if before else None
                combined_out[key] = _replace(
                    merged, previous=earlier, change=org_change(merged, earlier, policy) if earlier else None)
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
        # A table straight from load_returns has no source columns: its NHS staff are the returns' own.
        nhs_staff_source=getattr(row, "nhs_staff_source", NHS_STAFF_FROM_RETURN),
        nhs_staff_month=getattr(row, "nhs_staff_month", None),
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
        nhs_staff_source=_same(p.nhs_staff_source for p in parts) or NHS_STAFF_FROM_RETURN,
        nhs_staff_month=_same(p.nhs_staff_month for p in parts),
    )


def _same(values: Iterable[str | None]) -> str | None:
    """The one value all the parts share, or None when they differ."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


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
        nhs_staff_months=tuple(sorted({f.nhs_staff_month for f in members if f.nhs_staff_month})),
        nhs_staff_from_returns=sum(1 for f in members if f.nhs_staff_source == NHS_STAFF_FROM_RETURN),
        nhs_staff_undated=sum(1 for f in members if f.nhs_staff_source != NHS_STAFF_FROM_RETURN
                              and not f.nhs_staff_month),
    )


def status_counts(members: Iterable[OrgFigures]) -> dict[str, int]:
    """How many of ``members`` have each status, every status present (zero included)."""
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
    """The change over a year counting only organisations with a return in both years, so joiners and leavers do not
    move it."""
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
