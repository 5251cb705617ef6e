"""The story each page tells, checked against the example returns read independently:
every year's ratio, the rank among the organisation's type, the WTE needed, and
England's like-for-like change."""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from conftest import REPO
from test_site import text_of


def shown(nhs: str, qualified: str) -> int:
    """The ratio as published, worked out in decimals from the figures as written."""
    return int((Decimal(nhs) / Decimal(qualified)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@pytest.fixture(scope="module")
def returns() -> dict[str, dict[str, dict[str, str]]]:
    """year -> code -> row, straight from the example's CSV files, with the NHS staff the
    example joins from its workforce file (December of each year)."""
    with (REPO / "data-sources" / "example-workforce.csv").open(encoding="utf-8") as handle:
        staff = {(row["org_code"], row["period"]): row["staff_fte"] for row in csv.DictReader(handle)}
    by_year: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for path in sorted((REPO / "data" / "returns").glob("*.csv")):
        with path.open(encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle):
                row["nhs_staff_wte"] = staff[(row["org_code"], f"{row['year'][:4]}-12")]
                by_year[row["year"]][row["org_code"]] = row
    return by_year


@pytest.mark.slow
def test_every_organisation_page_shows_each_years_ratio_its_rank_among_its_type_and_wte_needed(
        example_site, returns):
    year = max(returns)
    latest = returns[year]
    by_type: dict[str, list[int]] = defaultdict(list)
    for row in latest.values():
        if float(row["qualified_lks_wte"]) > 0:
            by_type[row["org_type"]].append(shown(row["nhs_staff_wte"], row["qualified_lks_wte"]))
    for code, row in latest.items():
        text = text_of(example_site / "organisations" / f"{code.lower()}.html")
        for each_year, rows in returns.items():
            earlier = rows.get(code)
            if earlier and float(earlier["qualified_lks_wte"]) > 0:
                ratio = shown(earlier["nhs_staff_wte"], earlier["qualified_lks_wte"])
                assert f"{each_year} 1 : {ratio:,}" in text, (code, each_year)
        nhs, qualified = float(row["nhs_staff_wte"]), float(row["qualified_lks_wte"])
        if qualified > 0:
            mine = shown(row["nhs_staff_wte"], row["qualified_lks_wte"])
            peers = by_type[row["org_type"]]
            position = 1 + sum(1 for r in peers if r < mine)
            tied = "=" if sum(1 for r in peers if r == mine) > 1 else ""
            assert f"{tied}{ordinal(position)} of {len(peers)}" in text, code
        else:
            assert "Not ranked" in text, code
        needed = max(0.0, math.ceil(round((nhs / 1250 - qualified) * 10, 6)) / 10)
        if qualified and shown(row["nhs_staff_wte"], row["qualified_lks_wte"]) <= 1250:
            needed = 0.0
        if needed:
            assert f"{needed:.1f} WTE" in text, code


@pytest.mark.slow
def test_the_england_page_states_the_like_for_like_change_and_how_many_it_covers(example_site, returns):
    years = sorted(returns)
    now, before = returns[years[-1]], returns[years[-2]]
    both = sorted(set(now) & set(before))
    q_now = sum(float(now[c]["qualified_lks_wte"]) for c in both)
    q_before = sum(float(before[c]["qualified_lks_wte"]) for c in both)
    text = text_of(example_site / "index.html")
    assert (f"Among the same {len(both)} organisations that reported in both {years[-2]} and {years[-1]}, "
            f"qualified staff changed by +{q_now - q_before:.1f} WTE") in text
    joined = len(set(now) - set(before))
    assert f"{joined} organisations reported this year but not the year before" in text
    naive = sum(float(r["qualified_lks_wte"]) for r in now.values()) - sum(
        float(r["qualified_lks_wte"]) for r in before.values())
    assert round(naive, 1) != round(q_now - q_before, 1)   # the change is not the naive one


@pytest.mark.slow
def test_status_words_keep_lower_case_in_sentences_nhs_staff_are_whole_and_counts_say_what_they_count(
        example_site, returns):
    for page in ("index.html", "regions/london.html", "organisations/rj1.html", "organisations/qkk.html"):
        html = (example_site / page).read_text()
        assert not re.search(r"was (Worse|Better|Meets|No qualified)", html), page
        assert not re.search(r"\d,\d{3}\.\d whole-time equivalent \(WTE\) NHS staff", html), page
    latest = returns[max(returns)].values()
    ratios = [shown(r["nhs_staff_wte"], r["qualified_lks_wte"]) for r in latest if float(r["qualified_lks_wte"]) > 0]
    meets = sum(1 for r in ratios if r <= 1250)
    at_least = sum(1 for r in ratios if r <= 1730)
    text = text_of(example_site / "index.html")
    # The tile that counts "at or better than the 2019 average" says so, beside the count
    # that meets the recommendation, so the two never seem to disagree.
    assert f"{meets} of {len(list(latest))}" in text
    assert f"{at_least} at or better than the 2019 average" in text


def test_a_group_with_no_qualified_staff_anywhere_has_no_median_said_in_words(small_site):
    """DDD is the only ambulance trust, with no qualified staff: its group has no median ratio."""
    for page in ("regions/north-west.html", "organisations/ddd.html"):
        html = (small_site / page).read_text(encoding="utf-8")
        assert "median No qualified staff reported" not in html, page
        assert "median organisation No qualified staff" not in html, page
        assert "no median (none has qualified staff)" in html, page
