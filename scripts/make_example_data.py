"""Write the example returns in data/returns/ and the example's NHS staff figures in
data-sources/example-workforce.csv, from the real NHS staff figures.

Six years, 2019/20 to 2024/25, for the 247 real trusts and integrated care boards in
data-sources/nhs-staff-fte-2025-11.csv. The returns carry no NHS staff: as a national
team would, the example joins them from workforce figures by organisation and month
(``[workforce]`` in kfh-site.toml), one month a year, December. December 2024 holds the
real figures (NHS Workforce Statistics, November 2025, the latest when the example was
made); earlier Decembers are derived from them. Every library and knowledge services
figure is synthetic, drawn from one fixed seed so the example data never changes unless
this script does.

One merger shows how the report tells it: University Hospitals Dorset (R0D) was formed
from The Royal Bournemouth and Christchurch Hospitals (RDZ) and Poole Hospital (RD3). The
merger is real (1 October 2020), but the example puts it in 2022/23, so that R0D's page
has three years of its predecessors added up before it and three of its own after. Before
2022/23 the two predecessors return instead of R0D; their NHS staff split R0D's derived
figures between them, so that added up they are R0D's. kfh-site.toml's [[mergers]] entry
says so to kfh-site. Run: python scripts/make_example_data.py
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data-sources" / "nhs-staff-fte-2025-11.csv"
OUT = ROOT / "data" / "returns"
WORKFORCE = ROOT / "data-sources" / "example-workforce.csv"
SEED = 20251130
YEARS = ("2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25")
HEADER = [
    "org_code", "org_name", "region", "org_type", "year",
    "qualified_lks_wte", "other_lks_wte", "clinical_librarian_wte", "knowledge_manager_wte",
    "literature_searches", "evidence_summaries", "training_sessions", "people_trained",
    "document_supply_requests", "loans", "registered_users", "current_awareness_subscribers",
    "impact_case_studies",
]
WORKFORCE_HEADER = ["org_code", "org_name", "period", "staff_fte"]
MARKERS = ("", "n/a", "-", "..")

# England's ratio the qualified staff paths aim at, year by year. Services follow their
# targets a year or so behind and some have no qualified staff, so England's ratio of
# sums comes out near 1 : 1,800 in 2019/20 (a little worse than the 2019 baseline,
# 1 : 1,730) and improves slowly to near 1 : 1,680 in 2024/25; the summary prints it.
TARGET_RATIO = (1800, 1750, 1700, 1650, 1600, 1550)
# A post is filled or left in these sizes (WTE): part-time and full-time posts.
STEPS = (0.2, 0.4, 0.5, 0.6, 0.8, 1.0)
RECOMMENDED = 1250


@dataclass(frozen=True)
class Predecessor:
    """An organisation that returned until it merged into the example's successor."""

    org_code: str
    org_name: str
    staff_share: float  # its part of the successor's NHS staff, before the merger


# The example's one merger. The predecessors' real names; their shares of NHS staff are
# illustrative (Bournemouth was the larger of the two hospitals).
MERGER_INTO = "R0D"
MERGER_YEAR = "2022/23"
PREDECESSORS = (
    Predecessor("RDZ", "The Royal Bournemouth and Christchurch Hospitals NHS Foundation Trust", 0.56),
    Predecessor("RD3", "Poole Hospital NHS Foundation Trust", 0.44),
)


@dataclass(frozen=True)
class Service:
    """What stays the same about one library service from year to year."""

    other_share: float  # other LKS staff per qualified WTE
    clinical_share: float  # share of qualified WTE in clinical librarian posts
    knowledge_manager: float  # WTE of knowledge manager posts, if the service has any
    busyness: float  # activity per qualified WTE, relative to a typical service


def main() -> None:
    """Draw every organisation's six years in one pass, in the source file's order.

    One generator, seeded once and used in a fixed order, is what makes the files the
    same on every run; changing the order of the draws changes every figure after it.
    """
    rng = random.Random(SEED)
    with SOURCE.open(encoding="utf-8") as handle:
        orgs = list(csv.DictReader(handle))
    reporting = reporting_years(orgs, rng)
    returns: dict[str, list[list[str]]] = {year: [] for year in YEARS}
    workforce: list[list[str]] = []
    for org in orgs:
        staff = staff_series(float(org["staff_fte"]), rng)
        # The successor is drawn as every other organisation is, so that no later draw
        # moves; its years before the merger are its predecessors' (merged_predecessors).
        formed = MERGER_YEAR if org["org_code"] == MERGER_INTO else YEARS[0]
        if formed != YEARS[0]:
            returns_before, workforce_before = merged_predecessors(org, staff[:YEARS.index(formed)])
            for year, rows in returns_before.items():
                returns[year].extend(rows)
            workforce.extend(workforce_before)
        workforce.extend([org["org_code"], org["org_name"], december(year), f"{wte:.2f}"]
                         for year, wte in zip(YEARS, staff, strict=True) if year >= formed)
        qualified = qualified_series(org["org_type"], staff, rng)
        service = draw_service(rng)
        for year, staff_wte, qualified_wte in zip(YEARS, staff, qualified, strict=True):
            if year in reporting[org["org_code"]]:
                row = make_row(org, year, staff_wte, qualified_wte, service, rng)
                if year >= formed:
                    returns[year].append(row)
    write_returns(returns)
    write_workforce(workforce)
    print(summary(returns, reporting, {(row[0], row[2]): float(row[3]) for row in workforce}))


def reporting_years(orgs: list[dict[str, str]], rng: random.Random) -> dict[str, tuple[str, ...]]:
    """Which years each organisation returned: most all six, a few with a gap or new.

    Real series are not tidy: a service misses a deadline one year, or starts returning
    late. The report has to show "no return from the year before" and short histories,
    so the example has a handful of each. The latest year is always there, so every
    organisation has a page for the report year.
    """
    years: dict[str, tuple[str, ...]] = {org["org_code"]: YEARS for org in orgs}
    chosen = rng.sample([org["org_code"] for org in orgs], 11)
    for code in chosen[:5]:  # one year missing in the middle of the series
        gap = rng.choice(YEARS[1:-1])
        years[code] = tuple(y for y in YEARS if y != gap)
    for code, first in zip(chosen[5:], YEARS[3:] * 2, strict=True):  # two new in each of the last three years
        years[code] = YEARS[YEARS.index(first):]
    return years


def merged_predecessors(successor: dict[str, str], staff: list[float]
                        ) -> tuple[dict[str, list[list[str]]], list[list[str]]]:
    """The predecessors' returns and NHS staff for the years before the merger.

    Their NHS staff split the successor's, the last one taking what is left so that they
    add up to it exactly; their library figures are drawn as any organisation's are, from
    a generator of their own, so that adding them moves no other organisation's figures.
    """
    rng = random.Random(SEED + 1)
    returns: dict[str, list[list[str]]] = {year: [] for year in YEARS[:len(staff)]}
    workforce: list[list[str]] = []
    taken = [0.0] * len(staff)
    for number, predecessor in enumerate(PREDECESSORS, start=1):
        last = number == len(PREDECESSORS)
        own = [round(total - done, 2) if last else round(total * predecessor.staff_share, 2)
               for total, done in zip(staff, taken, strict=True)]
        taken = [done + part for done, part in zip(taken, own, strict=True)]
        org = {**successor, "org_code": predecessor.org_code, "org_name": predecessor.org_name}
        workforce.extend([predecessor.org_code, predecessor.org_name, december(year), f"{wte:.2f}"]
                         for year, wte in zip(YEARS, own, strict=False))
        qualified = qualified_series(org["org_type"], own, rng)
        service = draw_service(rng)
        for year, staff_wte, qualified_wte in zip(YEARS, own, qualified, strict=False):
            returns[year].append(make_row(org, year, staff_wte, qualified_wte, service, rng))
    return returns, workforce


def draw_service(rng: random.Random) -> Service:
    """How one library service works: its other staff, embedded roles and how busy it is."""
    return Service(
        other_share=rng.uniform(0.6, 1.6),
        clinical_share=rng.choice([0, 0, 0.1, 0.2, 0.3]),
        knowledge_manager=rng.choice([0, 0, 0.5, 1.0]),
        busyness=rng.lognormvariate(0, 0.25),
    )


def december(year: str) -> str:
    """The month each year's NHS staff are for: ``2024/25`` -> ``2024-12``."""
    return f"{year[:4]}-12"


def staff_series(latest: float, rng: random.Random) -> list[float]:
    """NHS staff WTE for each year, ending with the real November 2025 figure.

    NHS staff grew by a few per cent a year; each organisation gets its own growth rate
    and earlier years are divided back from the real figure one year at a time.
    """
    growth = 1 + rng.uniform(0.015, 0.055)
    series = [latest]
    for _ in YEARS[1:]:
        series.insert(0, round(series[0] / growth, 2))
    return series


def qualified_series(org_type: str, staff: list[float], rng: random.Random) -> list[float]:
    """Qualified LKS WTE for each year: a path in steps of 0.2 to 1.0 WTE, never below 0.

    Each service has its own place around England's ratio (most near the 2019 average,
    a few at or better than 1 : 1,250) and follows it as NHS staff grow: most years
    nothing changes or one post is filled or left. Some services, mostly integrated care
    boards and ambulance trusts, have no qualified staff in some or all years.
    """
    if rng.random() < 0.03:  # a few services meet the recommendation
        place = rng.uniform(1000, 1200) / TARGET_RATIO[-1]
    elif org_type == "Integrated care board":  # a small post, if any, for a small staff
        place = rng.lognormvariate(0.2, 0.12)
    else:
        place = rng.lognormvariate(0.0, 0.12)
    targets = [s / (ratio * place) for s, ratio in zip(staff, TARGET_RATIO[:len(staff)], strict=True)]
    targets = _without_qualified_staff(org_type, targets, rng)
    qualified = round(max(targets[0], 0.2), 1) if targets[0] else 0.0
    series = [qualified]
    for target in targets[1:]:
        qualified = _next_year(qualified, target, rng)
        series.append(qualified)
    return series


def _without_qualified_staff(org_type: str, targets: list[float], rng: random.Random) -> list[float]:
    """Set the target to 0 for the years a service has no qualified staff.

    Integrated care boards and ambulance trusts are the services most often without a
    qualified librarian of their own; a few gain one during the six years, a few lose one.
    """
    chance = {"Integrated care board": 0.4, "Ambulance": 0.3}.get(org_type, 0.015)
    if rng.random() >= chance:
        return targets
    kind = rng.choice(["none", "none", "gained", "gained", "lost"])
    start = rng.randrange(1, len(targets))
    if kind == "none":
        return [0.0] * len(targets)
    if kind == "gained":
        return [0.0 if i < start else t for i, t in enumerate(targets)]
    return [t if i < start else 0.0 for i, t in enumerate(targets)]


def _next_year(qualified: float, target: float, rng: random.Random) -> float:
    """One year's change: usually none or one post, more likely the further off target.

    A small service moves in small part-time posts, a large one can fill two posts in a
    year; otherwise the change is one step, towards the target more often than away.
    """
    if target == 0:  # the posts are left and not filled again, one a year
        return round(max(0.0, qualified - 1.0), 1)
    gap = target - qualified
    steps = [s for s in STEPS if s <= max(STEPS[0], target / 2)]
    posts = 2 if abs(gap) > 2.0 and rng.random() < 0.5 else 1
    change = sum(rng.choice(steps) for _ in range(posts))
    towards = min(0.75, abs(gap) / change)
    draw = rng.random()
    if draw < towards:
        direction = 1 if gap > 0 else -1
    elif draw < towards + 0.05:  # people come and go even when a service is at strength
        direction = -1 if gap > 0 else 1
    else:
        return qualified
    moved = round(qualified + direction * change, 1)
    return moved if moved >= STEPS[0] else qualified  # a staffed service keeps a post


def make_row(org: dict[str, str], year: str, staff: float, qualified: float, service: Service,
             rng: random.Random) -> list[str]:
    """One return row, with numbers written as the returns arrive today.

    Activity scales with qualified WTE (a service without qualified staff still does a
    little through its other staff), and some figures are not reported, written with
    each of the markers the contract accepts.
    """
    clinical = round(qualified * service.clinical_share, 1)
    manager = round(min(qualified - clinical, service.knowledge_manager), 1) if qualified else 0.0
    other = round(qualified * service.other_share * rng.uniform(0.9, 1.1), 1)
    scale = max(qualified, 0.3) * service.busyness

    def activity(per_wte: float, chance_missing: float = 0.06) -> str:
        if rng.random() < chance_missing:
            return rng.choice(MARKERS)
        return f"{round(scale * per_wte * rng.uniform(0.85, 1.15)):,}"

    return [
        org["org_code"], org["org_name"], org["region"], org["org_type"], year,
        f"{qualified:.1f}", _maybe(f"{other:.1f}", rng), _maybe(f"{clinical:.1f}", rng),
        _maybe(f"{manager:.1f}", rng),
        activity(95), activity(12, 0.15), activity(40), activity(310), activity(420),
        activity(380, 0.2), activity(900), activity(260, 0.25), activity(1.2, 0.3),
    ]


def _maybe(value: str, rng: random.Random) -> str:
    return value if rng.random() > 0.08 else rng.choice(MARKERS)


def write_returns(returns: dict[str, list[list[str]]]) -> None:
    """One CSV per year, rows sorted by org_code, so the files diff cleanly."""
    OUT.mkdir(parents=True, exist_ok=True)
    for year, rows in returns.items():
        with (OUT / f"{year.replace('/', '-')}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            ordered = sorted(rows, key=lambda row: row[0])
            writer.writerow(HEADER)
            writer.writerows(ordered)


def write_workforce(rows: list[list[str]]) -> None:
    """NHS staff FTE by organisation and month, as the workforce statistics give them,
    rows by organisation code and month so the file diffs cleanly."""
    with WORKFORCE.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(WORKFORCE_HEADER)
        writer.writerows(sorted(rows, key=lambda row: (row[0], row[2])))


def summary(returns: dict[str, list[list[str]]], reporting: dict[str, tuple[str, ...]],
            staff_of: dict[tuple[str, str], float]) -> str:
    """A few lines to check the example against what it should look like."""
    lines = ["year     England ratio  reporting  meet 1:1,250  no qualified staff"]
    for year, rows in returns.items():
        staff_wte = [staff_of[(r[0], december(year))] for r in rows]
        staff = sum(staff_wte)
        qualified = [float(r[5]) for r in rows]
        meets = sum(1 for s, q in zip(staff_wte, qualified, strict=True) if q and round(s / q) <= RECOMMENDED)
        lines.append(f"{year}  1 : {staff / sum(qualified):,.0f}       {len(rows):>4}  "
                     f"{meets:>12}  {qualified.count(0.0):>18}")
    gaps = sorted(f"{c} (no {next(y for y in YEARS if y not in ys)})"
                  for c, ys in reporting.items() if ys[0] == YEARS[0] and len(ys) < len(YEARS))
    new = sorted(f"{c} (from {ys[0]})" for c, ys in reporting.items() if ys[0] != YEARS[0])
    lines.append("missing a year: " + ", ".join(gaps))
    lines.append("new: " + ", ".join(new))
    lines.append(f"merged: {' and '.join(p.org_code for p in PREDECESSORS)} into {MERGER_INTO} in {MERGER_YEAR}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
