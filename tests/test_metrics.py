"""The derived figures of the contract, worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from kfh_site.metrics import (
    STATUS_BETTER, STATUS_MEETS, STATUS_NONE, STATUS_WORSE, Policy, area_figures, compute_figures,
    qualified_wte_needed, ratio_status, staff_per_qualified,
)
from kfh_site.returns import load_returns

from conftest import ROWS_2023, ROWS_2024, write_csv

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


def test_qualified_wte_needed_is_never_negative_and_has_one_decimal():
    assert qualified_wte_needed(3024, 1.6, POLICY) == 0.8
    assert qualified_wte_needed(12500, 10, POLICY) == 0.0
    assert qualified_wte_needed(5000, 30, POLICY) == 0.0
    assert qualified_wte_needed(4000, 0, POLICY) == 3.2


def test_the_policy_numbers_come_from_the_config_not_the_code():
    stricter = Policy(recommended_ratio=1000, baseline_ratio=1250)
    assert ratio_status(1200, stricter) == STATUS_BETTER
    assert qualified_wte_needed(12500, 10, stricter) == 2.5


def test_organisation_figures(figures):
    beta = figures.organisations[("2024/25", "BBB")]
    assert beta.staff_per_qualified == pytest.approx(1890)
    assert beta.status == STATUS_WORSE
    assert beta.qualified_wte_needed == 0.8
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
    assert figures.organisations[("2024/25", "DDD")].change is None  # no return the year before


def test_regions_and_england_use_a_ratio_of_sums(figures):
    london = figures.regions[("2024/25", "london")]
    assert london.staff_per_qualified == pytest.approx((12500 + 3024) / (10 + 1.6))
    assert london.organisations == 2
    england = figures.england["2024/25"]
    assert england.staff_per_qualified == pytest.approx(25324 / 15.1)
    assert england.status_counts == {STATUS_MEETS: 1, STATUS_BETTER: 2, STATUS_WORSE: 1, STATUS_NONE: 1}
    assert england.organisations_short_wte == pytest.approx(0.8 + 1.0 + 3.2 + 0.1)
    assert england.change.organisations == 1


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
