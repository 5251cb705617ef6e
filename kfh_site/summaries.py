"""Figures -> the rows and sentences that both a page and its PDF show.

Written once here so the HTML page and the PDF infographic always say the same thing in
the same words; templates only lay them out.
"""

from __future__ import annotations

from kfh_site import formatting as fmt
from kfh_site.metrics import AreaFigures, OrgFigures, Reported
from kfh_site.returns import ACTIVITY_LABELS


def org_staffing_rows(org: OrgFigures) -> list[tuple[str, str]]:
    return [
        ("Qualified librarians and knowledge specialists", fmt.wte(org.qualified_lks_wte)),
        ("of whom embedded clinical librarians", fmt.wte(org.clinical_librarian_wte)),
        ("of whom knowledge managers", fmt.wte(org.knowledge_manager_wte)),
        ("Other library and knowledge services staff", fmt.wte(org.other_lks_wte)),
        ("NHS staff served", fmt.wte(org.nhs_staff_wte)),
    ]


def org_activity_rows(org: OrgFigures) -> list[tuple[str, str]]:
    return [(ACTIVITY_LABELS[k], fmt.count(v)) for k, v in org.activity.items()]


def area_staffing_rows(area: AreaFigures) -> list[tuple[str, str, str]]:
    everyone = fmt.reported_by(area.organisations, area.organisations)
    return [
        ("Qualified librarians and knowledge specialists", fmt.wte(area.qualified_lks_wte), everyone),
        ("of whom embedded clinical librarians", *_reported_wte(area.clinical_librarian_wte)),
        ("of whom knowledge managers", *_reported_wte(area.knowledge_manager_wte)),
        ("Other library and knowledge services staff", *_reported_wte(area.other_lks_wte)),
        ("NHS staff served", fmt.wte(area.nhs_staff_wte), everyone),
    ]


def area_activity_rows(area: AreaFigures) -> list[tuple[str, str, str]]:
    return [
        (label, fmt.count(area.activity[k].total) if area.activity[k].reported else fmt.NOT_REPORTED,
         fmt.reported_by(area.activity[k].reported, area.activity[k].of))
        for k, label in ACTIVITY_LABELS.items()
    ]


def _reported_wte(value: Reported) -> tuple[str, str]:
    total = fmt.wte(value.total) if value.reported else fmt.NOT_REPORTED
    return total, fmt.reported_by(value.reported, value.of)


def _ratio_line(current: float | None, previous: float | None, previous_year: str, delta: float | None) -> str:
    line = f"Staff ratio: {fmt.ratio(current)}, was {fmt.ratio(previous)} in {previous_year}"
    return line + (f": {fmt.ratio_change(delta)}." if delta is not None else ".")


def org_change_lines(org: OrgFigures) -> list[str]:
    """Change from the previous year, or nothing when there was no return then."""
    change = org.change
    if not change:
        return []
    lines = [
        _ratio_line(org.staff_per_qualified, change.previous_staff_per_qualified, change.previous_year,
                    change.staff_per_qualified),
        f"Qualified staff: {fmt.signed(change.qualified_lks_wte, 1, 'WTE')}.",
        f"NHS staff served: {fmt.signed(change.nhs_staff_wte, 1, 'WTE')}.",
    ]
    if change.status_changed:
        lines.insert(1, f"Status: {fmt.status_label(org.status)}, was {fmt.status_label(change.previous_status)}.")
    return lines


def area_change_lines(area: AreaFigures) -> list[str]:
    change = area.change
    if not change:
        return []
    return [
        _ratio_line(area.staff_per_qualified, change.previous_staff_per_qualified, change.previous_year,
                    change.staff_per_qualified),
        f"Qualified staff: {fmt.signed(change.qualified_lks_wte, 1, 'WTE')}.",
        f"NHS staff served: {fmt.signed(change.nhs_staff_wte, 1, 'WTE')}.",
        f"Organisations meeting the recommended ratio: {fmt.signed(change.status_counts['meets-recommendation'], 0)}.",
        f"Organisations reporting: {fmt.signed(change.organisations, 0)}.",
    ]
