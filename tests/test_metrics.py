"""The derived figures of the contract, worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROWS_2023, ROWS_2024, write_csv

from kfh_site.domain import (
    STATUS_BETTER,
    STATUS_MEETS,
    STATUS_NONE,
    STATUS_WORSE,
    Policy,
    qualified_wte_needed,
    ratio_status,
    recommended_wte,
    staff_per_qualified,
)
from kfh_site.figures.compute import area_figures, compute_figures
from kfh_site.returns.table import load_returns
from kfh_site.story import formatting as fmt

POLICY = Policy(recommended_ratio=1250, baseline_ratio=1730)


@pytest.fixture
def figures(tmp_path):
    returns = load_returns([write_csv(tmp_path / "r.csv", ROWS_2023 + ROWS_2024)], tmp_path)
    return compute_figures(returns.table, POLICY)


def test_staff_per_qualified_and_no_ratio_without_qualified_staff():
    assert staff_per_qualified(12500, 10) == 1250
    assert staff_per_qualified(4000, 0) is None


@pytest.mark.parametrize("ratio, status", [
    (None, STATUS_NONE),
    (1000, STATUS_MEETS),
    (1250, STATUS_MEETS),
    (1250.4, STATUS_MEETS),   # shown as 1 : 1,250, so it meets the recommendation as shown
    (1250.5, STATUS_BETTER),  # shown as 1 : 1,251
    (1730, STATUS_BETTER),
    (1730.6, STATUS_WORSE),
])
def test_status_bands_in_contract_order(ratio, status):
    assert ratio_status(ratio, POLICY) == status


def test_qualified_wte_needed_is_rounded_up_never_negative_and_has_one_decimal():
    # Rounded UP to the next 0.1 so that adding it always meets the recommendation:
    # 3,024 / 1,250 - 1.6 = 0.82 -> 0.9 (0.8 more would leave 1 : 1,260).
    assert qualified_wte_needed(3024, 1.6, POLICY) == 0.9
    assert qualified_wte_needed(12500, 10, POLICY) == 0.0
    assert qualified_wte_needed(5000, 30, POLICY) == 0.0
    assert qualified_wte_needed(4000, 0, POLICY) == 3.2   # exactly 3.2, not 3.3 from float noise
    assert qualified_wte_needed(21053, 14.7, POLICY) == 2.2  # the example: 14.7 + 2.1 gave 1 : 1,253
    assert recommended_wte(21053, POLICY) == 16.9
    assert recommended_wte(4000, POLICY) == 3.2


def test_the_policy_numbers_come_from_the_config_not_the_code():
    stricter = Policy(recommended_ratio=1000, baseline_ratio=1250)
    assert ratio_status(1200, stricter) == STATUS_BETTER
    assert qualified_wte_needed(12500, 10, stricter) == 2.5
    assert recommended_wte(12500, stricter) == 12.5


def test_organisation_figures(figures):
    beta = figures.organisations[("2024/25", "BBB")]
    assert beta.staff_per_qualified == pytest.approx(1890)
    assert beta.status == STATUS_WORSE
    assert beta.qualified_wte_needed == 0.9
    assert beta.other_lks_wte is None and beta.activity["evidence_summaries"] is None
    delta = figures.organisations[("2024/25", "DDD")]
    assert delta.staff_per_qualified is None and delta.status == STATUS_NONE


def test_change_from_previous_year_for_the_same_code(figures):
    alpha = figures.organisations[("2024/25", "AAA1")]
    change = alpha.change
    assert change.previous_year == "2023/24"
    assert change.qualified_lks_wte == pytest.approx(1.0)
    assert change.nhs_staff_wte == pytest.approx(500)
    assert change.staff_per_qualified == pytest.approx(1250 - 12000 / 9)
    assert change.status_changed and change.previous_status == STATUS_BETTER
    assert change.direction == "better"                                   # 1 : 1,333 -> 1 : 1,250
    assert figures.organisations[("2024/25", "BBB")].change.direction == "worse"   # 1 : 1,500 -> 1 : 1,890
    assert figures.organisations[("2024/25", "DDD")].change is None  # no return the year before


def test_regions_and_england_use_a_ratio_of_sums(figures):
    london = figures.regions[("2024/25", "london")]
    assert london.staff_per_qualified == pytest.approx((12500 + 3024) / (10 + 1.6))
    assert london.organisations == 2
    england = figures.england["2024/25"]
    assert england.staff_per_qualified == pytest.approx(25324 / 15.1)
    assert england.status_counts == {STATUS_MEETS: 1, STATUS_BETTER: 2, STATUS_WORSE: 1, STATUS_NONE: 1}
    # Each organisation's shortfall rounded up, then added: BBB 0.9, CCC 1.0, DDD 3.2, EEE 0.2.
    assert england.organisations_short_wte == pytest.approx(0.9 + 1.0 + 3.2 + 0.2)
    assert england.change.organisations == 4 and england.change.joined == 1 and england.change.left == 0


def test_area_totals_say_how_many_organisations_reported(figures):
    england = figures.england["2024/25"]
    assert england.activity["literature_searches"].total == 1200 + 100 + 250 + 20
    assert england.activity["literature_searches"].reported == 4
    assert england.activity["literature_searches"].of == 5
    assert england.other_lks_wte.reported == 3


def test_the_2019_baseline_is_reproduced_as_a_ratio_of_sums_not_a_mean_of_ratios():
    """HEE staff ratio policy, appendix 1: the four HEE regions in the 2018 return."""
    regions = {
        "London and KSS": (224.42, 264819),
        "Midlands and East": (142.56, 299522),
        "North": (154.63, 348694),
        "South": (104.73, 169942),
    }
    table = pd.DataFrame([
        {"org_code": f"R{i}", "org_name": name, "region": "London", "org_type": None, "year": "2018/19",
         "nhs_staff_wte": staff, "qualified_lks_wte": qualified, "other_lks_wte": float("nan"),
         "clinical_librarian_wte": float("nan"), "knowledge_manager_wte": float("nan"),
         **{a: float("nan") for a in ("literature_searches", "evidence_summaries", "training_sessions",
                                       "people_trained", "document_supply_requests", "loans",
                                       "registered_users", "current_awareness_subscribers",
                                       "impact_case_studies")}}
        for i, (name, (qualified, staff)) in enumerate(regions.items())
    ])
    figures = compute_figures(table, POLICY)
    england = figures.england["2018/19"]
    assert round(england.staff_per_qualified) == 1729
    mean_of_ratios = sum(s / q for q, s in regions.values()) / 4
    assert round(mean_of_ratios) == 1790
    assert england.status == STATUS_BETTER


def test_an_empty_area_has_no_ratio():
    empty = area_figures("London", "london", "2024/25", [], POLICY)
    assert empty.staff_per_qualified is None and empty.organisations == 0


# --- ranks, medians, rates and like-for-like change, on small hand-made returns -------

RANK_HEADER = ["org_code", "org_name", "region", "org_type", "year", "nhs_staff_wte", "qualified_lks_wte",
               "literature_searches"]


def figures_from(tmp_path, rows, header=RANK_HEADER):
    returns = load_returns([write_csv(tmp_path / "r.csv", rows, header)], tmp_path)
    return compute_figures(returns.table, POLICY)


def test_ranks_share_places_for_equal_ratios_as_shown_and_leave_out_no_qualified_staff(tmp_path):
    figures = figures_from(tmp_path, [
        ["AAA", "A", "London", "Acute", "2024/25", "10000", "10", "500"],        # 1 : 1,000
        ["BBB", "B", "London", "Acute", "2024/25", "12000", "10", "600"],        # 1 : 1,200
        ["CCC", "C", "London", "Community", "2024/25", "12000", "10", ""],       # 1 : 1,200
        ["FFF", "F", "London", "Community", "2024/25", "12000.4", "10", ""],     # 1 : 1,200.04, shown 1 : 1,200
        ["DDD", "D", "North West", "Community", "2024/25", "15000", "10", ""],   # 1 : 1,500
        ["EEE", "E", "London", "Acute", "2024/25", "1000", "0", "30"],           # no qualified staff
    ])
    org = {code: figures.organisations[("2024/25", code)] for code in ("AAA", "BBB", "CCC", "FFF", "DDD", "EEE")}
    assert [(o.rank_all.position, o.rank_all.tied) for o in org.values()] == [
        (1, False), (2, True), (2, True), (2, True), (5, False), (None, False)]
    assert org["AAA"].rank_all.ranked == 5 and org["AAA"].rank_all.unranked == 1
    # No-break spaces keep a rank on one line ("224th / of / 235" wrapped on phones).
    assert fmt.rank(org["BBB"].rank_all) == "=2nd\u00a0of\u00a05"
    assert fmt.rank(org["DDD"].rank_all) == "5th\u00a0of\u00a05"
    assert fmt.rank(org["EEE"].rank_all) == "not ranked"  # inside sentences and cells: lower case (issue 19, item 16)
    # Among the same type, and within the region.
    assert fmt.rank(org["BBB"].rank_type) == "2nd\u00a0of\u00a02" and org["BBB"].rank_type.group == "Acute"
    assert org["EEE"].rank_type.unranked == 1
    assert fmt.rank(org["DDD"].rank_type) == "3rd\u00a0of\u00a03"
    assert fmt.rank(org["DDD"].rank_region) == "1st\u00a0of\u00a01"
    assert fmt.rank(org["CCC"].rank_region) == "=2nd\u00a0of\u00a04"
    # Medians of organisations, not ratios of sums.
    assert org["AAA"].rank_all.median == pytest.approx(1200)
    assert org["AAA"].rank_type.median == pytest.approx(1100)
    assert figures.england["2024/25"].median_ratio == pytest.approx(1200)
    assert figures.england["2024/25"].staff_per_qualified == pytest.approx(62000.4 / 50)


def test_activity_rates_per_qualified_wte_and_per_1000_staff_with_peer_medians(tmp_path):
    figures = figures_from(tmp_path, [
        ["AAA", "A", "London", "Acute", "2024/25", "10000", "10", "500"],
        ["BBB", "B", "London", "Acute", "2024/25", "12000", "10", "600"],
        ["EEE", "E", "London", "Acute", "2024/25", "1000", "0", "30"],
        ["CCC", "C", "London", "Community", "2024/25", "12000", "10", "n/a"],
    ])
    a = figures.organisations[("2024/25", "AAA")].rates["literature_searches"]
    assert (a.per_qualified_wte, a.per_1000_staff) == (pytest.approx(50), pytest.approx(50))
    e = figures.organisations[("2024/25", "EEE")].rates["literature_searches"]
    assert e.per_qualified_wte is None and e.per_1000_staff == pytest.approx(30)
    # Acute peers: per 1,000 staff 50, 50, 30 -> median 50; per qualified WTE 50, 60 -> 55.
    assert a.peer_median_per_1000_staff == pytest.approx(50)
    assert a.peer_median_per_qualified_wte == pytest.approx(55)
    c = figures.organisations[("2024/25", "CCC")].rates["literature_searches"]
    assert c.per_qualified_wte is None and c.per_1000_staff is None    # not reported is not zero
    # An area's rate counts only the organisations that reported the figure.
    london = figures.regions[("2024/25", "london")].rates["literature_searches"]
    assert london.per_qualified_wte == pytest.approx(1130 / 20)
    assert london.per_1000_staff == pytest.approx(1130 / 23000 * 1000)


def test_an_areas_change_is_like_for_like_over_organisations_in_both_years(tmp_path):
    figures = figures_from(tmp_path, [
        ["AAA", "A", "London", "Acute", "2023/24", "9000", "9", ""],
        ["BBB", "B", "London", "Acute", "2023/24", "12000", "8", ""],
        ["GGG", "G", "London", "Acute", "2023/24", "5000", "5", ""],        # did not report in 2024/25
        ["AAA", "A", "London", "Acute", "2024/25", "10000", "10", ""],
        ["BBB", "B", "London", "Acute", "2024/25", "12000", "10", ""],
        ["CCC", "C", "London", "Acute", "2024/25", "12000", "10", ""],      # new in 2024/25
    ])
    change = figures.regions[("2024/25", "london")].change
    assert change.organisations == 2 and change.joined == 1 and change.left == 1
    assert change.qualified_change == pytest.approx(3.0)                # 20 - 17, not 30 - 22
    assert change.nhs_staff_change == pytest.approx(1000)
    assert change.staff_per_qualified == pytest.approx(1100)
    assert change.previous_staff_per_qualified == pytest.approx(21000 / 17)
    assert figures.england["2024/25"].change == change.__class__(**{**change.__dict__})


def test_every_shortfall_in_the_example_is_met_by_its_stated_wte_and_not_by_0_1_less():
    from conftest import REPO

    from kfh_site.build.result import read_returns
    from kfh_site.config import load_config

    returns = read_returns(load_config(REPO / "kfh-site.toml"))  # NHS staff joined from the workforce file
    figures = compute_figures(returns.table, POLICY)
    short = [o for o in figures.orgs_in(figures.report_year) if o.qualified_wte_needed > 0]
    assert len(short) > 100
    for org in short:
        with_needed = org.nhs_staff_wte / (org.qualified_lks_wte + org.qualified_wte_needed)
        assert with_needed <= 1250, org.org_code
        less = org.qualified_lks_wte + org.qualified_wte_needed - 0.1
        assert less <= 0 or org.nhs_staff_wte / less > 1250, org.org_code
