"""Write the example returns in data/returns/ from the real NHS staff figures.

NHS staff WTE are real (NHS Workforce Statistics, November 2025). Every library and
knowledge services figure is synthetic, drawn from a fixed seed so the example data
never changes unless this script does. Run: python scripts/make_example_data.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "data-sources" / "nhs-staff-fte-2025-11.csv"
OUT = ROOT / "data" / "returns"
HEADER = [
    "org_code", "org_name", "region", "org_type", "year", "nhs_staff_wte",
    "qualified_lks_wte", "other_lks_wte", "clinical_librarian_wte", "knowledge_manager_wte",
    "literature_searches", "evidence_summaries", "training_sessions", "people_trained",
    "document_supply_requests", "loans", "registered_users", "current_awareness_subscribers",
    "impact_case_studies",
]
MARKERS = ("", "n/a", "-", "..")


def main() -> None:
    rng = random.Random(20251130)
    with SOURCE.open(encoding="utf-8") as handle:
        orgs = list(csv.DictReader(handle))
    latest, earlier = [], []
    for org in orgs:
        staff = float(org["staff_fte"])
        # Most services sit near the 2019 average; a few meet the recommendation,
        # some have no qualified staff at all (often ICBs and ambulance trusts).
        no_staff = org["org_type"] in ("Integrated care board", "Ambulance") and rng.random() < 0.18
        ratio = rng.lognormvariate(7.45, 0.33)
        qualified = 0.0 if no_staff else max(0.4, round(staff / ratio, 1))
        growth = 1 + rng.uniform(0.015, 0.055)
        previous_qualified = 0.0 if no_staff and rng.random() < 0.7 else max(
            0.0, round(qualified + rng.choice([-1.0, -0.6, -0.2, 0.0, 0.0, 0.2, 0.4, 0.8]), 1)
        )
        latest.append(_row(org, "2024/25", staff, qualified, rng))
        if rng.random() > 0.03:  # a few organisations did not return the year before
            earlier.append(_row(org, "2023/24", round(staff / growth, 2), previous_qualified, rng))
    OUT.mkdir(parents=True, exist_ok=True)
    for name, rows in (("2023-24.csv", earlier), ("2024-25.csv", latest)):
        with (OUT / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(sorted(rows, key=lambda r: r[0]))


def _row(org: dict, year: str, staff: float, qualified: float, rng: random.Random) -> list[str]:
    clinical = round(qualified * rng.choice([0, 0, 0.1, 0.2, 0.3]), 1) if qualified else 0.0
    manager = round(min(qualified - clinical, rng.choice([0, 0, 0.5, 1.0])), 1) if qualified else 0.0
    other = round(qualified * rng.uniform(0.6, 1.6), 1)
    scale = max(qualified, 0.3)

    def activity(per_wte: float, chance_missing: float = 0.06) -> str:
        if rng.random() < chance_missing:
            return rng.choice(MARKERS)
        return f"{round(scale * per_wte * rng.uniform(0.6, 1.4)):,}"

    return [
        org["org_code"], org["org_name"], org["region"], org["org_type"], year, f"{staff:.2f}",
        f"{qualified:.1f}", _maybe(f"{other:.1f}", rng), _maybe(f"{clinical:.1f}", rng),
        _maybe(f"{manager:.1f}", rng),
        activity(95), activity(12, 0.15), activity(40), activity(310), activity(420),
        activity(380, 0.2), activity(900), activity(260, 0.25), activity(1.2, 0.3),
    ]


def _maybe(value: str, rng: random.Random) -> str:
    return value if rng.random() > 0.08 else rng.choice(MARKERS)


if __name__ == "__main__":
    main()
