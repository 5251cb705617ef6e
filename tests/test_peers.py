"""Peers on hand-made organisations: ranks share a place when the ratios as published
are equal, organisations without qualified staff are counted but not ranked, medians
are of the organisations, and activity rates count only who reported."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from kfh_site.figures.peers import activity_rates, area_rates, median, org_rates, ranks_in, shown_ratio
from kfh_site.figures.types import ALL, TYPE
from kfh_site.returns.contract import ACTIVITY


def org(code: str, ratio: float | None, org_type: str = "Acute", qualified: float = 2.0, staff: float = 2500.0,
        searches: int | None = None) -> SimpleNamespace:
    activity = dict.fromkeys(ACTIVITY)
    activity["literature_searches"] = searches
    return SimpleNamespace(org_code=code, staff_per_qualified=ratio, org_type=org_type, qualified_lks_wte=qualified,
                           nhs_staff_wte=staff, activity=activity)


def test_equal_ratios_as_published_share_a_rank_and_the_next_rank_is_skipped():
    orgs = [org("A", 1000.0), org("B", 1000.4), org("C", 1200.0), org("D", 900.0)]
    ranks = ranks_in(orgs, lambda o: "", ALL)
    assert {c: (r.position, r.tied) for c, r in ranks.items()} == {
        "A": (2, True), "B": (2, True), "C": (4, False), "D": (1, False)}
    assert all(r.ranked == 4 and r.unranked == 0 and r.group == "" for r in ranks.values())


def test_ties_are_judged_on_the_ratio_rounded_half_up():
    assert shown_ratio(1000.5) == 1001 and shown_ratio(1000.49) == 1000
    ranks = ranks_in([org("A", 1000.0), org("B", 1000.5)], lambda o: "", ALL)
    assert (ranks["A"].position, ranks["B"].position) == (1, 2) and not ranks["A"].tied


def test_no_qualified_staff_is_counted_but_not_ranked_nor_in_the_median():
    orgs = [org("A", 1000.0), org("B", None), org("C", 3000.0)]
    ranks = ranks_in(orgs, lambda o: "", ALL)
    assert ranks["B"].position is None and not ranks["B"].tied
    assert ranks["A"].ranked == 2 and ranks["A"].unranked == 1
    assert ranks["A"].median == 2000.0                    # of A and C; B has no ratio


def test_each_group_ranks_its_own_members():
    orgs = [org("A", 1500.0, "Acute"), org("B", 900.0, "Acute"), org("C", 2000.0, "Mental health")]
    ranks = ranks_in(orgs, lambda o: o.org_type, TYPE)
    assert (ranks["A"].position, ranks["A"].ranked, ranks["A"].group) == (2, 2, "Acute")
    assert (ranks["C"].position, ranks["C"].ranked, ranks["C"].median) == (1, 1, 2000.0)


@pytest.mark.parametrize("values, expected", [
    ([3.0, None, 1.0, 2.0], 2.0), ([1.0, 4.0], 2.5), ([None, None], None), ([], None)])
def test_median_of_the_known_values_or_none(values, expected):
    assert median(values) == expected


def test_an_organisations_rates_per_qualified_wte_and_per_1000_staff():
    assert org_rates(90, 2.0, 4500.0) == (45.0, 20.0)
    assert org_rates(90, 0.0, 4500.0) == (None, 20.0)     # no qualified staff: no rate per WTE
    assert org_rates(None, 2.0, 4500.0) == (None, None)   # not reported is not zero


def test_an_areas_rates_count_only_the_organisations_that_reported():
    members = [org("A", 1000.0, qualified=2.0, staff=2000.0, searches=100),
               org("B", 1000.0, qualified=4.0, staff=4000.0, searches=None),
               org("C", 1000.0, qualified=2.0, staff=6000.0, searches=300)]
    rates = area_rates(members)["literature_searches"]
    assert rates.per_qualified_wte == 100.0               # (100 + 300) / (2 + 2): B left out
    assert rates.per_1000_staff == 50.0                   # 400 / 8,000 * 1,000
    assert rates.peer_median_per_qualified_wte == 100.0   # median of 50 and 150
    assert rates.peer_median_per_1000_staff == 50.0       # median of 50 and 50
    assert area_rates(members)["loans"].per_qualified_wte is None   # nobody reported loans


def test_activity_rates_give_each_organisation_its_types_medians():
    orgs = [org("A", 1000.0, "Acute", qualified=1.0, staff=1000.0, searches=10),
            org("B", 1000.0, "Acute", qualified=1.0, staff=1000.0, searches=30),
            org("C", 1000.0, "Community", qualified=1.0, staff=1000.0, searches=100)]
    rates = activity_rates(orgs)
    assert rates["A"]["literature_searches"].per_qualified_wte == 10.0
    assert rates["A"]["literature_searches"].peer_median_per_qualified_wte == 20.0
    assert rates["C"]["literature_searches"].peer_median_per_qualified_wte == 100.0
