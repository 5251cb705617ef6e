"""Figures -> one PDF infographic for England, each region and each organisation.

Plans what each infographic shows (the same figures as its HTML page) and renders its
HTML with the project's templates; pdf.py turns the HTML into tagged PDFs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

import jinja2

from kfh_site import formatting as fmt
from kfh_site import __version__
from kfh_site.cache import package_version, sha256
from kfh_site.charts import ratio_chart
from kfh_site.pdf.jobs import PdfJob, PdfResult
from kfh_site.config import SiteConfig
from kfh_site.metrics import STATUSES, AreaFigures, Figures
from kfh_site.render import render
from kfh_site.returns import REGIONS
from kfh_site.summaries import (
    area_activity_rows, area_change_lines, area_staffing_rows, org_activity_rows, org_change_lines,
    org_staffing_rows,
)

if TYPE_CHECKING:
    from kfh_site.cache import BuildCache


# Chart bar colours in the PDF (SVG attributes, as WeasyPrint's SVG renderer has no
# access to the page's stylesheet). The same palette as the site: 3:1 or more on white.
COLOURS = {
    "bar-meets-recommendation": "#007f3b",
    "bar-better-than-2019-average": "#005eb8",
    "bar-worse-than-2019-average": "#b4280e",
    "bar-no-qualified-staff": "#4c6272",
}


@dataclass(frozen=True)
class Infographic:
    """One PDF: its key ('england', 'region:london', 'org:rj1'), path and title."""

    key: str
    path: str
    title: str
    context: dict[str, Any]


def plan_infographics(figures: Figures) -> list[Infographic]:
    return [*_england(figures), *_regions(figures), *_organisations(figures)]


def pdf_title(name: str, year: str) -> str:
    return f"{name}: library and knowledge services {year}"


def _england(figures: Figures) -> Iterable[Infographic]:
    year = figures.report_year
    england = figures.england[year]
    entries = [("England", england.staff_per_qualified, england.status)]
    yield _area_infographic("england", "pdf/england.pdf", england, "All NHS England regions",
                            ratio_chart(entries, figures.policy, "pdf-ratio", "England", year))


def _regions(figures: Figures) -> Iterable[Infographic]:
    year = figures.report_year
    england = figures.england[year]
    for name in REGIONS:
        region = next(r for (y, _), r in figures.regions.items() if y == year and r.name == name)
        if not region.organisations:
            continue
        entries = [(region.name, region.staff_per_qualified, region.status),
                   ("England", england.staff_per_qualified, england.status)]
        yield _area_infographic(f"region:{region.slug}", f"pdf/regions/{region.slug}.pdf", region,
                                "NHS England region", ratio_chart(entries, figures.policy, "pdf-ratio", name, year))


def _area_infographic(key: str, path: str, area: AreaFigures, subtitle: str, chart) -> Infographic:
    return Infographic(key, path, pdf_title(area.name, area.year), {
        "kind": "area",
        "name": area.name,
        "subtitle": f"{subtitle}. {fmt.count(area.organisations)} organisations sent a return.",
        "year": area.year,
        "subject": area,
        "chart": chart,
        "status_rows": [(fmt.status_label(s), fmt.count(area.status_counts[s])) for s in STATUSES],
        "staffing_head": ("Role", "WTE", "Reported by"),
        "staffing_rows": area_staffing_rows(area),
        "activity_head": ("Activity", "Total", "Reported by"),
        "activity_rows": area_activity_rows(area),
        "change_lines": area_change_lines(area),
    })


def _organisations(figures: Figures) -> Iterable[Infographic]:
    for org in figures.latest_for_each_org:
        region = figures.regions[(org.year, org.region_slug)]
        england = figures.england[org.year]
        entries = [(org.org_name, org.staff_per_qualified, org.status),
                   (region.name, region.staff_per_qualified, region.status),
                   ("England", england.staff_per_qualified, england.status)]
        yield Infographic(f"org:{org.slug}", f"pdf/organisations/{org.slug}.pdf",
                          pdf_title(org.org_name, org.year), {
            "kind": "organisation",
            "name": org.org_name,
            "subtitle": f"{org.org_code}{', ' + org.org_type if org.org_type else ''}. {org.region} region.",
            "year": org.year,
            "subject": org,
            "chart": ratio_chart(entries, figures.policy, "pdf-ratio", org.org_name, org.year),
            "status_rows": [],
            "staffing_head": ("Role", "WTE"),
            "staffing_rows": org_staffing_rows(org),
            "activity_head": ("Activity", "Number"),
            "activity_rows": org_activity_rows(org),
            "change_lines": org_change_lines(org),
        })


def make_infographics(env: jinja2.Environment, config: SiteConfig, figures: Figures,
                      cache: "BuildCache", workers: int | None = None,
                      progress: Callable[[str, int, int], None] | None = None
                      ) -> tuple[list[Infographic], dict[str, "PdfResult"]]:
    """Render every infographic's HTML, then the PDFs the cache does not already hold."""

    plans = plan_infographics(figures)
    shared = {
        "site": config,
        "policy": figures.policy,
        "colours": COLOURS,
        "published_text": f"{config.published.day} {config.published:%B %Y}",
    }
    jobs = [
        PdfJob(plan.path, render(env, "infographic.html", **shared, **plan.context, pdf_title=plan.title))
        for plan in plans
    ]
    stylesheet_path = config.paths.templates / "infographic.css"
    stylesheet = stylesheet_path.read_text(encoding="utf-8") if stylesheet_path.is_file() else ""
    results: dict[str, PdfResult] = {}
    missing: list[tuple[str, PdfJob]] = []
    for job in jobs:
        key = sha256("\0".join((__version__, package_version("weasyprint"), stylesheet, job.html)).encode())
        cached = cache.pdf(key)
        if cached:
            results[job.path] = PdfResult(job.path, cached[0], cached[1])
        else:
            missing.append((key, job))
    if missing:
        from kfh_site.pdf.render import RenderSettings, render_pdfs  # loads WeasyPrint, only when needed

        settings = RenderSettings(
            base_folder=config.paths.templates,
            allowed_folders=(config.paths.templates, config.paths.content),
            stylesheet=stylesheet,
        )
        rendered = render_pdfs([job for _, job in missing], settings, workers, progress)
        for key, job in missing:
            results[job.path] = rendered[job.path]
            cache.store_pdf(key, rendered[job.path].data, rendered[job.path].pages)
    return plans, results
