"""The whole build in one pass: load, validate, compute, render, write.

Read ``build`` first: every stage is named there. Each ``*_pages`` function plans the
pages of one kind and hands finished figures to a template.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import jinja2

from kfh_site import downloads, formatting as fmt
from kfh_site.cache import BuildCache, inputs_key, package_version, sha256
from kfh_site.charts import ratio_chart, status_chart
from kfh_site.config import SiteConfig
from kfh_site.content import Page, load_pages
from kfh_site.errors import ConfigError
from kfh_site.metrics import STATUS_NONE, Figures, OrgFigures, Policy, compute_figures, slugify
from kfh_site.output import BuildLock, Unchanged, write_site
from kfh_site.render import make_environment, render
from kfh_site.returns import REGIONS, Returns, find_return_files, load_returns
from kfh_site.search import search_index
from kfh_site.summaries import (
    area_activity_rows, area_change_lines, org_activity_rows, org_change_lines, org_staffing_rows,
)


Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: how a caller (the CLI) shows progress, if it wants."""


@dataclass(frozen=True)
class BuildResult:
    output: Path
    files: int
    written: int = 0
    organisations: int = 0
    report_year: str = ""
    pdfs: int = 0
    pdfs_written: int = 0
    pages_rendered: int = 0
    up_to_date: bool = False


@dataclass(frozen=True)
class NavLink:
    """What navigation shows of a content page: not its body, so that editing one page's
    text leaves every other page as it was."""

    slug: str
    path: str
    title: str
    nav_title: str
    summary: str


@dataclass(frozen=True)
class PagePlan:
    """One HTML (or XML) file to render: where it goes, with which template and figures."""

    path: str
    template: str
    title: str
    description: str
    context: dict[str, Any] = field(default_factory=dict)
    nav_current: str = ""


def build(config: SiteConfig, data_files: Sequence[Path] | None = None,
          progress: Progress | None = None, with_pdf: bool = True, jobs: int | None = None,
          use_cache: bool = True) -> BuildResult:
    """Build the site from the project folder into ``config.paths.output``.

    Only what changed since the last build is redone (see cache.py); the output is
    byte-for-byte what a clean build (``use_cache=False``) would write.
    """
    output = config.paths.output
    with BuildLock(output):
        cache = BuildCache.beside(output, use_cache)
        data_files = return_files(config, data_files)
        inputs = build_inputs_key(config, data_files, with_pdf)
        if cache.up_to_date(inputs, output):
            return BuildResult(output, files=len(cache.previous_files), up_to_date=True)
        returns = load_returns(data_files, config.root, config.xlsx_sheet)
        figures = compute(config, returns)
        pages = load_pages(config.paths.content, config.root, config.abbreviations,
                           config.allow_raw_html)
        env = make_environment(config.paths.templates)
        files: dict[str, bytes] = {}
        files.update(static_assets(config.paths.templates / "assets"))
        files.update(content_images(config, pages))
        files.update(open_data(figures, config))
        pdf_files, pdfs = infographic_files(env, config, figures, cache, jobs, progress) if with_pdf else ({}, {})
        files.update(pdf_files)
        plans = plan_pages(figures, pages, files, pdfs)
        rendered, render_keys = render_plans(env, config, figures, pages, plans, cache, progress)
        files.update(rendered)
        files.update(search_index(rendered, output, cache))
        report = write_site(output, files, lambda path, sha: cache.reusable(output, path, sha))
        cache.save(inputs, output, report.hashes, render_keys)
    return BuildResult(
        output=output,
        files=len(files),
        written=len(report.written),
        organisations=len(figures.latest_for_each_org),
        report_year=figures.report_year,
        pdfs=len(pdfs),
        pdfs_written=sum(1 for name in report.written if name.endswith(".pdf")),
        pages_rendered=sum(1 for page in rendered.values() if not isinstance(page, Unchanged)),
    )


def build_inputs_key(config: SiteConfig, data_files: Sequence[Path], with_pdf: bool) -> str:
    """A hash of everything a build reads: change any of it and the build runs again."""
    folders = (config.paths.content, config.paths.templates)
    files = [*data_files, *(p for folder in folders if folder.is_dir() for p in folder.rglob("*") if p.is_file())]
    options = {"config": repr(config), "pdf": with_pdf,
               "weasyprint": package_version("weasyprint") if with_pdf else ""}
    return inputs_key(files, config.root, options)


def return_files(config: SiteConfig, data_files: Sequence[Path] | None) -> list[Path]:
    """The files given on the command line, or every return under data/."""
    return list(data_files) if data_files else find_return_files(config.paths.data)


def read_returns(config: SiteConfig, data_files: Sequence[Path] | None = None) -> Returns:
    return load_returns(return_files(config, data_files), config.root, config.xlsx_sheet)


def compute(config: SiteConfig, returns: Returns) -> Figures:
    if config.report_year and config.report_year not in returns.years:
        raise ConfigError(
            f"key 'report_year' is {config.report_year!r}, but the returns hold "
            f"{', '.join(returns.years)}"
        )
    policy = Policy(config.recommended_ratio, config.baseline_ratio)
    return compute_figures(returns.table, policy, config.report_year)


def infographic_files(env: jinja2.Environment, config: SiteConfig, figures: Figures, cache: BuildCache,
                      jobs: int | None, progress: Progress | None
                      ) -> tuple[dict[str, bytes], dict[str, dict[str, Any]]]:
    """The PDF infographics: their files, and what a page says of its PDF (path, title,
    pages, size) keyed as pages ask for it ('england', 'region:london', 'org:rj1')."""
    from kfh_site.infographics import make_infographics  # WeasyPrint loads only when needed

    infographics, results = make_infographics(env, config, figures, cache, jobs, progress)
    files = {item.path: results[item.path].data for item in infographics}
    described = {
        item.key: {"path": item.path, "title": item.title, "pages": results[item.path].pages,
                   "size": len(results[item.path].data)}
        for item in infographics
    }
    return files, described


def static_assets(folder: Path) -> dict[str, bytes]:
    """Everything in templates/assets/, copied as it is."""
    if not folder.is_dir():
        return {}
    return {
        f"assets/{p.relative_to(folder).as_posix()}": p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def content_images(config: SiteConfig, pages: list[Page]) -> dict[str, bytes]:
    """Images that content pages show, published at the same place relative to the page."""
    return {
        image: (config.paths.content / image).read_bytes()
        for page in pages for image in page.images
    }


def open_data(figures: Figures, config: SiteConfig) -> dict[str, bytes]:
    meta = {
        "title": config.title,
        "publisher": config.publisher,
        "licence": "Open Government Licence v3.0",
        "illustrative": config.illustrative_data,
        "report_year": figures.report_year,
    }
    return {
        "downloads/figures.csv": downloads.figures_csv(figures),
        "downloads/areas.csv": downloads.areas_csv(figures),
        "downloads/figures.json": downloads.figures_json(figures, meta),
    }


# --- planning ------------------------------------------------------------------------


def plan_pages(figures: Figures, pages: list[Page], files: dict[str, bytes],
               pdfs: dict[str, dict[str, Any]]) -> list[PagePlan]:
    """Every page the site has, in a fixed order. ``files`` holds the downloads made
    already and ``pdfs`` the infographics, so pages can give their sizes."""
    return [
        *home_page(figures, pdfs),
        *region_pages(figures, pdfs),
        *organisation_pages(figures, pdfs),
        *index_page(figures),
        *content_pages(pages),
        data_page(files),
        PagePlan("search.html", "search.html", "Search", "Search every page of this site."),
        PagePlan("404.html", "404.html", "Page not found", "Page not found."),
    ]


def home_page(figures: Figures, pdfs: dict) -> Iterable[PagePlan]:
    year = figures.report_year
    england = figures.england[year]
    regions = [r for r in (figures.regions[(year, slugify(n))] for n in REGIONS) if r.organisations]
    entries = [(r.name, r.staff_per_qualified, r.status) for r in regions]
    entries.append(("England", england.staff_per_qualified, england.status))
    yield PagePlan(
        "index.html", "home.html", f"England, {year}",
        f"Staffing and activity of NHS library and knowledge services in England, {year}.",
        {
            "england": england,
            "regions": regions,
            "status_chart": status_chart(england, "status-england"),
            "change_lines": area_change_lines(england),
            "activity_rows": area_activity_rows(england),
            "region_chart": ratio_chart(entries, figures.policy, "ratio-regions", "regions and England", year),
            "pdf": pdfs.get("england"),
        },
        nav_current="index",
    )


def region_pages(figures: Figures, pdfs: dict) -> Iterable[PagePlan]:
    year = figures.report_year
    england = figures.england[year]
    by_region: dict[str, list[OrgFigures]] = {}
    for org in figures.orgs_in(year):
        by_region.setdefault(org.region, []).append(org)
    for name in REGIONS:
        region = figures.regions[(year, slugify(name))]
        if not region.organisations:
            continue  # no returns from this region: no page rather than an empty one
        members = sorted(by_region[name], key=_ratio_order)
        entries = [(region.name, region.staff_per_qualified, region.status),
                   ("England", england.staff_per_qualified, england.status)]
        yield PagePlan(
            f"regions/{region.slug}.html", "region.html", f"{name}, {year}",
            f"Library and knowledge services staff ratios in {name}, {year}.",
            {
                "region": region,
                # Only England's ratio, not all its figures: a change elsewhere in England
                # then leaves this page as it was (and the cache skips rendering it).
                "england_ratio": england.staff_per_qualified,
                "organisations": members,
                "ratio_chart": ratio_chart(entries, figures.policy, "ratio-region", name, year),
                "status_chart": status_chart(region, "status-region"),
                "change_lines": area_change_lines(region),
                "activity_rows": area_activity_rows(region),
                "pdf": pdfs.get(f"region:{region.slug}"),
                "crumbs": [("England", "index.html")],
            },
        )


def organisation_pages(figures: Figures, pdfs: dict) -> Iterable[PagePlan]:
    for org in figures.latest_for_each_org:
        region = figures.regions[(org.year, org.region_slug)]
        england = figures.england[org.year]
        entries = [
            (org.org_name, org.staff_per_qualified, org.status),
            (region.name, region.staff_per_qualified, region.status),
            ("England", england.staff_per_qualified, england.status),
        ]
        yield PagePlan(
            f"organisations/{org.slug}.html", "organisation.html", f"{org.org_name}, {org.year}",
            f"Library and knowledge services at {org.org_name}: staff ratio {fmt.ratio(org.staff_per_qualified)}, {org.year}.",
            {
                "org": org,
                "ratio_chart": ratio_chart(entries, figures.policy, "ratio-org", org.org_name, org.year),
                "staffing_rows": org_staffing_rows(org),
                "activity_rows": org_activity_rows(org),
                "change_lines": org_change_lines(org),
                "pdf": pdfs.get(f"org:{org.slug}"),
                "crumbs": [("England", "index.html"), (org.region, f"regions/{org.region_slug}.html")],
            },
        )


def index_page(figures: Figures) -> Iterable[PagePlan]:
    organisations = sorted(figures.latest_for_each_org, key=lambda o: (o.org_name.casefold(), o.org_code))
    groups: dict[str, list[OrgFigures]] = {}
    for org in organisations:
        first = org.org_name.strip()[:1].upper()
        groups.setdefault(first if first.isalpha() and first.isascii() else "0-9", []).append(org)
    yield PagePlan(
        "organisations/index.html", "organisations.html", "Organisations A to Z",
        "Every organisation that sent a library and knowledge services return, A to Z.",
        {"organisations": organisations, "groups": sorted(groups.items(), key=lambda g: (g[0] == "0-9", g[0]))},
        nav_current="organisations",
    )


def content_pages(pages: list[Page]) -> Iterable[PagePlan]:
    for page in pages:
        yield PagePlan(page.path, "content.html", page.title, page.summary, {"page": page},
                       nav_current=page.slug)


DOWNLOADS = (
    ("downloads/figures.csv", "Figures for every organisation and year", "CSV",
     "one row per organisation per year, with every computed figure"),
    ("downloads/areas.csv", "Figures for England and each region", "CSV",
     "one row per area per year: totals, ratio of sums and organisations by status"),
    ("downloads/figures.json", "All figures", "JSON",
     "the organisation and area rows of both CSV files, with the policy numbers"),
)


def data_page(files: dict[str, bytes]) -> PagePlan:
    return PagePlan(
        "data.html", "data.html", "Open data",
        "Download every figure on this site as CSV or JSON, under the Open Government Licence.",
        {
            "downloads": [
                {"path": path, "title": title, "format": kind, "description": text, "size": len(files[path])}
                for path, title, kind, text in DOWNLOADS
            ],
            "column_groups": [
                {"id": f"columns-{name.split('.')[0]}", "file": name, "columns": columns}
                for name, columns in downloads.column_descriptions()
            ],
        },
        nav_current="data",
    )


def _ratio_order(org: OrgFigures) -> tuple:
    return (org.status == STATUS_NONE, org.staff_per_qualified or 0, org.org_name)


# --- rendering -----------------------------------------------------------------------


def render_plans(env: jinja2.Environment, config: SiteConfig, figures: Figures, pages: list[Page],
                 plans: list[PagePlan], cache: BuildCache, progress: Progress | None
                 ) -> tuple[dict[str, bytes | Unchanged], dict[str, str]]:
    """Render every planned page the last build did not already make from the same
    inputs, then the sitemap that lists them. Returns the pages and their render keys."""
    shared = {
        "site": config,
        "policy": figures.policy,
        "report_year": figures.report_year,
        "nav_pages": [NavLink(p.slug, p.path, p.title, p.nav_title, p.summary)
                      for p in pages if p.slug != "accessibility"],
        "page_slugs": tuple(sorted(p.slug for p in pages)),
        "published_text": f"{config.published.day} {config.published:%B %Y}",
        "link_base": "",
        "crumbs": [],
    }
    # Everything a page's output depends on: the templates, the code, the shared context
    # and the page's own plan. reprs of frozen dataclasses, tuples and dicts in a fixed
    # order are deterministic, so the same inputs always give the same key.
    template_files = [p for p in sorted(config.paths.templates.rglob("*")) if p.is_file()]
    fingerprint = inputs_key(template_files, config.root, {"shared": repr(shared)})
    out: dict[str, bytes | Unchanged] = {}
    keys: dict[str, str] = {}
    for done, plan in enumerate(plans, start=1):
        context = {**shared, "link_base": config.base_path} if plan.path == "404.html" else shared
        keys[plan.path] = key = sha256(f"{fingerprint}\0{plan!r}\0{context['link_base']}".encode())
        previous = cache.rendered(config.paths.output, plan.path, key)
        out[plan.path] = Unchanged(previous) if previous else _render_plan(env, config, context, plan)
        if progress:
            progress("pages", done, len(plans))
    out["sitemap.xml"] = render(
        env, "sitemap.xml",
        locations=[_absolute(config, p) for p in sorted(out) if p != "404.html"],
        lastmod=config.published.isoformat(),
    ).encode("utf-8")
    return out, keys


def _render_plan(env: jinja2.Environment, config: SiteConfig, shared: dict, plan: PagePlan) -> bytes:
    context = {
        **shared,
        **plan.context,
        "page_path": plan.path,
        "page_title": plan.title,
        "description": plan.description,
        "nav_current": plan.nav_current,
        "canonical": _absolute(config, plan.path) if config.absolute_base else "",
    }
    return render(env, plan.template, **context).encode("utf-8")


def _absolute(config: SiteConfig, path: str) -> str:
    base = config.absolute_base or config.base_path
    return base + ("" if path == "index.html" else path)
