"""Synthetic returns for benchmarks: N organisations over two years, valid under the
contract, the same for the same seed."""

from __future__ import annotations

import csv
import random
from pathlib import Path

REGIONS = ("East of England", "London", "Midlands", "North East and Yorkshire", "North West",
           "South East", "South West")
TYPES = ("Acute", "Mental health", "Community", "Ambulance", "Integrated care board")
HEADER = [
    "org_code", "org_name", "region", "org_type", "year", "nhs_staff_wte", "qualified_lks_wte",
    "other_lks_wte", "clinical_librarian_wte", "knowledge_manager_wte", "literature_searches",
    "evidence_summaries", "training_sessions", "people_trained", "document_supply_requests", "loans",
    "registered_users", "current_awareness_subscribers", "impact_case_studies",
]


def org_rows(n: int, year: str, seed: int = 1) -> list[list[str]]:
    """Rows for organisations S00001.. in one year; the seed and year fix every value."""
    rng = random.Random(f"{seed}:{year}")
    rows = []
    for i in range(n):
        staff = rng.uniform(300, 20000)
        qualified = 0.0 if rng.random() < 0.04 else round(staff / rng.lognormvariate(7.45, 0.33), 1)
        clinical = round(qualified * rng.choice((0, 0.1, 0.2)), 1)
        rows.append([
            f"S{i:05d}", f"Synthetic NHS Trust {i:05d}", REGIONS[i % 7], TYPES[i % 5], year,
            f"{staff:,.2f}", f"{qualified:.1f}", f"{qualified * 0.8:.1f}", f"{clinical:.1f}", "0",
            *(str(rng.randint(0, 5000)) if rng.random() > 0.05 else "n/a" for _ in range(9)),
        ])
    return rows


def write_returns(folder: Path, n: int, seed: int = 1) -> list[Path]:
    """Two files, 2023/24 and 2024/25, for N organisations."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for year in ("2023/24", "2024/25"):
        path = folder / f"{year.replace('/', '-')}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(org_rows(n, year, seed))
        paths.append(path)
    return paths
