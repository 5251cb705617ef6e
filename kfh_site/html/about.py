"""The About the data page a project gets when it writes none of its own.

Written from what the build knows (whether the figures are illustrative, the years the
returns hold, the data credit, whose report it is), never fixed text: a page that says
the figures are made up must not be published with real returns, and one that says
they are real must not be published with made-up ones.
"""

from __future__ import annotations

from typing import Mapping

from kfh_site.config import SiteConfig
from kfh_site.domain import ENGLAND
from kfh_site.figures.types import Figures
from kfh_site.html.content import Page, with_own_page
from kfh_site.story.teller import nhs_staff_notes

SLUG = "about-the-data"


def with_about_the_data(pages: list[Page], config: SiteConfig, figures: Figures,
                        abbreviations: Mapping[str, str]) -> list[Page]:
    """The project's pages, and kfh-site's own About the data page if it has none."""
    return with_own_page(pages, SLUG, about_the_data(config, figures), abbreviations)


def _years(years: tuple[str, ...]) -> str:
    return years[0] if len(years) == 1 else ", ".join(years[:-1]) + " and " + years[-1]


def about_the_data(config: SiteConfig, figures: Figures) -> str:
    """The page as Markdown, from the settings and the figures."""
    area = figures.scope if figures.scope != ENGLAND else "England"
    years = figures.years
    counts = [(year, sum(1 for (y, _), org in figures.organisations.items() if y == year and figures.in_scope(org)))
              for year in years]
    lines = [
        "---",
        "title: About the data",
        "summary: Where the figures in this report come from"
        + (", that they are illustrative," if config.illustrative_data else "") + " and how you can reuse them.",
        "nav_order: 60",
        "---",
        "",
    ]
    if config.illustrative_data:
        lines += [
            "**The library and knowledge services figures on this site are illustrative.** They are not real "
            "returns from any organisation, and they do not describe the real staffing or work of any "
            "organisation. Do not use them to judge any organisation, region or England.",
            "",
        ]
    else:
        lines += [
            f"The figures on this site come from the annual statistics returns that NHS library and knowledge "
            f"services in {area} sent to {config.publisher}.",
            "",
        ]
    lines += [
        "## The annual statistics return",
        "",
        "Each NHS organisation's library and knowledge service completes the return once a year. The data hold "
        "one row for each organisation for each year, identified by its ODS code, with:",
        "",
        "- NHS staff WTE for the organisation",
        "- qualified library and knowledge staff WTE",
        "- embedded roles, such as clinical librarians and knowledge managers, where reported",
        "- activity figures for the service, where reported",
        "",
        "The [methodology](methodology.html) explains how we turn these into ratios and statuses."
        if _has_methodology(config) else "",
        "",
        "## NHS staff figures",
        "",
        *(f"- {note}" for note in nhs_staff_notes(figures)),
        "",
        "## The years in this report",
        "",
        f"The report covers {len(years)} {'year' if len(years) == 1 else 'years'}: {_years(years)}. Its pages "
        f"report {figures.report_year}"
        + ("; the earlier years give each figure's change and trend." if len(years) > 1 else "."),
        "",
        "Table 1: organisations with a return in each year",
        "",
        "| Year | Organisations with a return |",
        "|---|---|",
        *(f"| {year} | {count:,} |" for year, count in counts),
        "{: .row-headers }",
        "",
        "## Figures that are missing",
        "",
        'Some organisations may have no figure for a year. We show these as "Not reported". We never treat a '
        "missing figure as zero. Totals for regions and England say how many organisations reported.",
        "",
        "## Download and reuse the data",
        "",
        "You can download every figure in this report from the [data page](data.html). The downloads are "
        "published under the [Open Government Licence v3.0]"
        "(https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/): you can copy, publish "
        "and adapt them, as long as you acknowledge the source.",
        "",
    ]
    if config.data_credit:
        lines += ["When you reuse the figures, include this credit line:", "", config.data_credit, ""]
    if config.illustrative_data:
        lines += ["If you reuse the library and knowledge services figures, please say clearly that they are "
                  "illustrative.", ""]
    return "\n".join(lines)


def _has_methodology(config: SiteConfig) -> bool:
    return (config.paths.content / "methodology.md").is_file()
