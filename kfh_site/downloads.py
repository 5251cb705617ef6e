"""Figures -> the open data files (CSV and JSON) and the words that describe them.

Numbers are written plainly for machines (``1512.3``, not ``1 : 1,512``) with a fixed
number of decimals, so the same inputs always give the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Callable, Iterable

from kfh_site.metrics import AreaFigures, Figures, OrgFigures
from kfh_site.returns import ACTIVITY, COLUMNS

_LABELS = {c.name: c.label for c in COLUMNS}


def _fixed(places: int) -> Callable[[float | None], str]:
    def write(value: float | None) -> str:
        return "" if value is None else f"{value:.{places}f}"
    return write


_wte = _fixed(2)
_ratio = _fixed(1)
_needed = _fixed(1)


def _whole(value: int | None) -> str:
    return "" if value is None else str(value)


ORG_COLUMNS: tuple[tuple[str, str, Callable[[OrgFigures], str]], ...] = (
    ("org_code", "ODS organisation code.", lambda f: f.org_code),
    ("org_name", "Organisation name as given in the return.", lambda f: f.org_name),
    ("region", "NHS England region.", lambda f: f.region),
    ("org_type", "Organisation type, where given.", lambda f: f.org_type or ""),
    ("year", "Financial year of the return, for example 2024/25.", lambda f: f.year),
    ("nhs_staff_wte", "Whole-time equivalent (WTE) NHS staff the service serves.", lambda f: _wte(f.nhs_staff_wte)),
    ("qualified_lks_wte", "WTE qualified librarians and knowledge specialists.", lambda f: _wte(f.qualified_lks_wte)),
    ("other_lks_wte", "WTE other library and knowledge services staff.", lambda f: _wte(f.other_lks_wte)),
    ("clinical_librarian_wte", "WTE in embedded clinical librarian roles (part of qualified staff).", lambda f: _wte(f.clinical_librarian_wte)),
    ("knowledge_manager_wte", "WTE in knowledge manager roles (part of qualified staff).", lambda f: _wte(f.knowledge_manager_wte)),
    *(
        (name, f"Number of {_LABELS[name]} in the year.", (lambda n: lambda f: _whole(f.activity[n]))(name))
        for name in ACTIVITY
    ),
    ("staff_per_qualified", "NHS staff WTE per qualified LKS WTE (the staff ratio 1 : N). Empty when there are no qualified staff.", lambda f: _ratio(f.staff_per_qualified)),
    ("status", "meets-recommendation, better-than-2019-average, worse-than-2019-average or no-qualified-staff.", lambda f: f.status),
    ("qualified_wte_needed", "More qualified WTE needed to meet the recommended ratio, to one decimal place; 0 when it is met.", lambda f: _needed(f.qualified_wte_needed)),
    ("previous_year", "The year compared with, when the same organisation code reported the year before.", lambda f: f.change.previous_year if f.change else ""),
    ("nhs_staff_wte_change", "Change in NHS staff WTE from the previous year.", lambda f: _wte(f.change.nhs_staff_wte) if f.change else ""),
    ("qualified_lks_wte_change", "Change in qualified LKS WTE from the previous year.", lambda f: _wte(f.change.qualified_lks_wte) if f.change else ""),
    ("staff_per_qualified_change", "Change in the staff ratio from the previous year; negative is better.", lambda f: _ratio(f.change.staff_per_qualified) if f.change else ""),
    ("qualified_wte_needed_change", "Change in qualified WTE needed from the previous year.", lambda f: _needed(f.change.qualified_wte_needed) if f.change else ""),
    ("previous_status", "Status in the previous year.", lambda f: f.change.previous_status if f.change else ""),
)

AREA_COLUMNS: tuple[tuple[str, str, Callable[[AreaFigures], str]], ...] = (
    ("area", "England or the NHS England region.", lambda a: a.name),
    ("area_type", "country or region.", lambda a: "country" if a.slug == "england" else "region"),
    ("year", "Financial year of the returns.", lambda a: a.year),
    ("organisations", "Organisations that sent a return.", lambda a: str(a.organisations)),
    ("nhs_staff_wte", "Total NHS staff WTE served.", lambda a: _wte(a.nhs_staff_wte)),
    ("qualified_lks_wte", "Total qualified LKS WTE.", lambda a: _wte(a.qualified_lks_wte)),
    ("staff_per_qualified", "Ratio of sums: total NHS staff WTE / total qualified LKS WTE.", lambda a: _ratio(a.staff_per_qualified)),
    ("status", "Status of the area's ratio, as for organisations.", lambda a: a.status),
    ("qualified_wte_needed", "More qualified WTE the area as a whole needs to meet the recommended ratio.", lambda a: _needed(a.qualified_wte_needed)),
    ("organisations_short_wte", "Sum of qualified WTE needed by each organisation that falls short.", lambda a: _needed(a.organisations_short_wte)),
    ("meets_recommendation", "Organisations that meet the recommended ratio.", lambda a: str(a.status_counts["meets-recommendation"])),
    ("better_than_2019_average", "Organisations better than the 2019 average but short of the recommendation.", lambda a: str(a.status_counts["better-than-2019-average"])),
    ("worse_than_2019_average", "Organisations worse than the 2019 average.", lambda a: str(a.status_counts["worse-than-2019-average"])),
    ("no_qualified_staff", "Organisations with no qualified staff reported.", lambda a: str(a.status_counts["no-qualified-staff"])),
    *(
        (f"{name}_total", f"Total {_LABELS[name]} over the organisations that reported it.", (lambda n: lambda a: _whole(int(a.activity[n].total)))(name))
        for name in ACTIVITY
    ),
    *(
        (f"{name}_reported", f"How many organisations reported {_LABELS[name]}.", (lambda n: lambda a: str(a.activity[n].reported))(name))
        for name in ACTIVITY
    ),
)


def org_rows(figures: Figures) -> list[OrgFigures]:
    return [figures.organisations[k] for k in sorted(figures.organisations)]


def area_rows(figures: Figures) -> list[AreaFigures]:
    rows = []
    for year in figures.years:
        rows.append(figures.england[year])
        rows.extend(a for (y, _), a in sorted(figures.regions.items()) if y == year)
    return rows


def _csv(columns: tuple, items: Iterable[Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([name for name, _, _ in columns])
    for item in items:
        writer.writerow([get(item) for _, _, get in columns])
    return buffer.getvalue().encode("utf-8")


def figures_csv(figures: Figures) -> bytes:
    """One row per organisation per year, every computed figure."""
    return _csv(ORG_COLUMNS, org_rows(figures))


def areas_csv(figures: Figures) -> bytes:
    """England and each region, per year."""
    return _csv(AREA_COLUMNS, area_rows(figures))


def figures_json(figures: Figures, meta: dict[str, Any]) -> bytes:
    """The same rows as the CSV files, as typed JSON, with the policy numbers."""
    def typed(columns: tuple, item: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, _, get in columns:
            text = get(item)
            out[name] = _typed(text, name)
        return out

    document = {
        **meta,
        "recommended_ratio": figures.policy.recommended_ratio,
        "baseline_ratio": figures.policy.baseline_ratio,
        "years": list(figures.years),
        "organisations": [typed(ORG_COLUMNS, f) for f in org_rows(figures)],
        "areas": [typed(AREA_COLUMNS, a) for a in area_rows(figures)],
    }
    return (json.dumps(document, ensure_ascii=False, indent=1, sort_keys=False) + "\n").encode("utf-8")


_TEXT_COLUMNS = {"org_code", "org_name", "region", "org_type", "year", "status", "previous_year",
                 "previous_status", "area", "area_type"}


def _typed(text: str, name: str) -> Any:
    if name in _TEXT_COLUMNS:
        return text or None
    if text == "":
        return None
    number = float(text)
    return int(number) if "." not in text else number


def column_descriptions() -> list[tuple[str, list[tuple[str, str]]]]:
    """(file, [(column, meaning)]) for the data page."""
    return [
        ("figures.csv", [(n, d) for n, d, _ in ORG_COLUMNS]),
        ("areas.csv", [(n, d) for n, d, _ in AREA_COLUMNS]),
    ]
