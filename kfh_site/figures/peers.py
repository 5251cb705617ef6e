"""How an organisation compares with its peers: ranks, medians and activity rates.

Peers are the organisations of one return year (in the report's scope): all of them,
those of the same type and those of the same region. A median here is the median
*organisation*, never to be confused with an area's ratio of sums.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from kfh_site.domain import round_half_up
from kfh_site.figures.types import ALL, Rank, Rates
from kfh_site.returns.contract import ACTIVITY

if TYPE_CHECKING:
    from kfh_site.figures.types import OrgFigures


def median(values: Iterable[float | None]) -> float | None:
    """The median of the values known; None rather than a made-up figure when none is."""
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def shown_ratio(ratio: float) -> int:
    """The ratio as published (whole number, half up): ties are judged on what people see."""
    return int(round_half_up(ratio))


def ranks_in(orgs: Sequence[OrgFigures], group_of: Callable[[OrgFigures], str], kind: str
             ) -> dict[str, Rank]:
    """Each organisation's rank within its group (``group_of`` names the group)."""
    groups: dict[str, list[OrgFigures]] = {}
    for org in orgs:
        groups.setdefault(group_of(org), []).append(org)
    ranks: dict[str, Rank] = {}
    for group, members in groups.items():
        shown = sorted(shown_ratio(o.staff_per_qualified) for o in members if o.staff_per_qualified is not None)
        middle = median(o.staff_per_qualified for o in members)
        ranked, unranked = len(shown), len(members) - len(shown)
        for org in members:
            position, tied = None, False
            if org.staff_per_qualified is not None:
                mine = shown_ratio(org.staff_per_qualified)
                position = _count_below(shown, mine) + 1
                tied = _count_below(shown, mine + 1) - position + 1 > 1
            ranks[org.org_code] = Rank(kind, "" if kind == ALL else group, position, tied, ranked,
                                       unranked, middle)
    return ranks


def _count_below(sorted_values: list[int], value: int) -> int:
    return bisect.bisect_left(sorted_values, value)


def org_rates(activity: int | None, qualified: float, nhs_staff: float) -> tuple[float | None, float | None]:
    """(per qualified WTE, per 1,000 NHS staff) for one activity count."""
    if activity is None:
        return None, None
    per_qualified = activity / qualified if qualified > 0 else None
    return per_qualified, activity / nhs_staff * 1000


def activity_rates(orgs: Sequence[OrgFigures]) -> dict[str, Mapping[str, Rates]]:
    """Every organisation's activity rates, with the medians of its type (or of all
    organisations when it has no type)."""
    own = {
        o.org_code: {a: org_rates(o.activity[a], o.qualified_lks_wte, o.nhs_staff_wte) for a in ACTIVITY}
        for o in orgs
    }
    groups: dict[str, list[str]] = {}
    for o in orgs:
        groups.setdefault(o.org_type or "", []).append(o.org_code)
    medians: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    for group, codes in groups.items():
        for a in ACTIVITY:
            medians[(group, a)] = (median(own[c][a][0] for c in codes), median(own[c][a][1] for c in codes))
    return {
        o.org_code: {
            a: Rates(*own[o.org_code][a], *medians[(o.org_type or "", a)]) for a in ACTIVITY
        }
        for o in orgs
    }


def area_rates(members: Sequence[OrgFigures]) -> dict[str, Rates]:
    """An area's activity rates from the organisations that reported each figure only,
    with the median organisation's rates."""
    rates = {}
    for a in ACTIVITY:
        reporters = [m for m in members if m.activity[a] is not None]
        total = sum(m.activity[a] or 0 for m in reporters)
        qualified = sum(m.qualified_lks_wte for m in reporters)
        staff = sum(m.nhs_staff_wte for m in reporters)
        own = [org_rates(m.activity[a], m.qualified_lks_wte, m.nhs_staff_wte) for m in reporters]
        rates[a] = Rates(
            total / qualified if reporters and qualified > 0 else None,
            total / staff * 1000 if reporters and staff > 0 else None,
            median(r[0] for r in own),
            median(r[1] for r in own),
        )
    return rates
