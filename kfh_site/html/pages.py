"""Figures and content pages -> the plan of every HTML page, and its rendering.

``plan_pages`` decides what pages exist and hands each one finished figures; templates
only format them. ``render_pages`` renders the plans the last build did not already make
from the same inputs, and the sitemap that lists them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import jinja2

from kfh_site.config import SiteConfig
from kfh_site.domain import ENGLAND, STATUS_NONE, slugify
from kfh_site.downloads import files as downloads
from kfh_site.figures.types import Figures, OrgFigures
from kfh_site.html.content import Page, Section, nav_position, sections, shorten
from kfh_site.html.render import render
from kfh_site.output.cache import inputs_key, sha256
from kfh_site.output.context import BuildContext, FileData, Made, RenderedPages
from kfh_site.output.workers import map_on_cores
from kfh_site.output.write import Unchanged, Written
from kfh_site.project_files import files_in
from kfh_site.returns.contract import REGIONS
from kfh_site.search.index import is_indexed, searchable_html
from kfh_site.story.teller import StoryTeller, area_nhs_staff_source, nhs_staff_notes


@dataclass(frozen=True)
class NavLink:
    """What navigation shows of a content page or section: not its body, so that editing
    one page's text leaves every other page as it was."""

    slug: str
    """The page's key (``methodology``, ``blog/post``) or the section's name (``blog``)."""
    path: str
    title: str
    nav_title: str
    summary: str


@dataclass(frozen=True)
class SectionNav:
    """A section's own navigation, shown on each of its pages: its index and its pages."""

    name: str
    title: str
    path: str
    links: tuple[NavLink, ...]


@dataclass(frozen=True)
class PagePlan:
    """One HTML (or XML) file to render: where it goes, with which template and figures."""

    path: str
    template: str
    title: str
    description: str
    context: dict[str, Any] = field(default_factory=dict)
    nav_current: str = ""
    story: Callable[[], object] | None = field(default=None, repr=False, compare=False)
    """Tells the page's story when it is rendered, so that only one story is held at a
    time; what it returns is part of the page's render key."""


def plan(ctx: BuildContext) -> Made:
    """Every page, rendered as planned; ``about`` is the :class:`RenderedPages` search reads.
    The downloads and PDFs planned before are listed with their sizes."""
    pages: list[Page] = list(ctx.content)
    plans = plan_pages(ctx.figures, ctx.teller, pages, ctx.made_bytes(), ctx.about.get("pdf") or {})
    rendered = render_pages(ctx, pages, plans)
    sources = {page.path: page.source for page in pages}
    return Made.of(rendered.files, lambda path: sources.get(path, f"kfh-site's own page {path}"), about=rendered)


def plan_pages(figures: Figures, teller: StoryTeller, pages: list[Page], files: dict[str, bytes],
               pdfs: dict[str, dict[str, Any]]) -> list[PagePlan]:
    """Every page the site has, in a fixed order. ``files`` holds the downloads made
    already and ``pdfs`` the infographics, so pages can give their sizes."""
    return [
        *home_page(figures, teller, pdfs),
        *region_pages(figures, teller, pdfs),
        *organisation_pages(figures, teller, pdfs),
        *index_page(figures),
        *content_pages(pages),
        data_page(files, figures),
        PagePlan("search.html", "search.html", "Search", "Search every page of this site."),
        PagePlan("404.html", "404.html", "Page not found", "Page not found."),
    ]


def home_page(figures: Figures, teller: StoryTeller, pdfs: dict) -> Iterable[PagePlan]:
    """The report's own area: England's summary, or, for a region's report, the region's."""
    year = figures.report_year
    top = figures.top(year)
    regions = ([r for r in (figures.regions[(year, slugify(n))] for n in REGIONS) if r.organisations]
               if figures.scope == ENGLAND else [])
    yield PagePlan(
        "index.html", "home.html" if figures.scope == ENGLAND else "region.html", f"{top.name}, {year}",
        f"Staffing and activity of NHS library and knowledge services in {top.name}, {year}.",
        {"regions": regions, "organisations": sorted(figures.orgs_in(year), key=_ratio_order),
         "pdf": pdfs.get("top"), "home": True},
        nav_current="index",
        story=functools.partial(teller.area, top),
    )


def region_pages(figures: Figures, teller: StoryTeller, pdfs: dict) -> Iterable[PagePlan]:
    """A page for each region with returns, in England's report; a region's report is
    about one region, its home page."""
    if figures.scope != ENGLAND:
        return
    year = figures.report_year
    by_region: dict[str, list[OrgFigures]] = {}
    for org in figures.orgs_in(year):
        by_region.setdefault(org.region, []).append(org)
    for name in REGIONS:
        region = figures.regions[(year, slugify(name))]
        if not region.organisations:
            continue  # no returns from this region: no page rather than an empty one
        yield PagePlan(
            f"regions/{region.slug}.html", "region.html", f"{name}, {year}",
            f"Library and knowledge services staff ratios in {name}, {year}.",
            {
                "organisations": sorted(by_region[name], key=_ratio_order),
                "pdf": pdfs.get(f"region:{region.slug}"),
                "crumbs": [(ENGLAND, "index.html")],
            },
            story=functools.partial(teller.area, region),
        )


def organisation_pages(figures: Figures, teller: StoryTeller, pdfs: dict) -> Iterable[PagePlan]:
    """A page for each organisation with a return in scope, with its PDF and breadcrumbs."""
    for org in figures.latest_for_each_org:
        crumbs = [(figures.scope, "index.html")]
        if figures.scope == ENGLAND:
            crumbs.append((org.region, f"regions/{org.region_slug}.html"))
        yield PagePlan(
            f"organisations/{org.slug}.html", "organisation.html", f"{org.org_name}, {org.year}",
            f"Library and knowledge services at {org.org_name}, {org.year}.",
            {"pdf": pdfs.get(f"org:{org.slug}"), "crumbs": crumbs},
            story=functools.partial(teller.organisation, org),
        )


@dataclass(frozen=True)
class NotReporting:
    """An organisation with a return in an earlier year but not the report year."""

    org: OrgFigures
    became: str            # "merged into NHS X Trust (RX9) in 2025/26", or ""


def index_page(figures: Figures) -> Iterable[PagePlan]:
    """The A to Z: the organisations with a return for the report year, and apart from
    them those whose last return is older, with what they became if they merged."""
    def by_name(org: OrgFigures) -> tuple[str, str]:
        return org.org_name.casefold(), org.org_code

    organisations = sorted(figures.reporting, key=by_name)
    groups: dict[str, list[OrgFigures]] = {}
    for org in organisations:
        first = org.org_name.strip()[:1].upper()
        groups.setdefault(first if first.isalpha() and first.isascii() else "0-9", []).append(org)
    earlier = [NotReporting(org, _became(figures, org)) for org in sorted(figures.not_reporting, key=by_name)]
    yield PagePlan(
        "organisations/index.html", "organisations.html", "Organisations A to Z",
        f"Every organisation that sent a library and knowledge services return for {figures.report_year}, A to Z.",
        {"organisations": organisations, "groups": sorted(groups.items(), key=lambda g: (g[0] == "0-9", g[0])),
         "earlier": earlier},
        nav_current="organisations",
    )


def _became(figures: Figures, org: OrgFigures) -> str:
    successor = figures.successor(org.org_code)
    if not successor or successor[0] > figures.report_year:
        return ""
    year, code = successor
    into = figures.organisations.get((year, code))
    return f"merged into {into.org_name if into else code} ({code}) in {year}"


def content_pages(pages: list[Page]) -> Iterable[PagePlan]:
    """Top-level pages; then each section's index (its landing page, or a made list of its
    pages) and its pages, with the section's navigation and breadcrumbs."""
    for page in pages:
        if not page.section:
            yield PagePlan(page.path, "content.html", page.title, page.description,
                           {"page": page, "section": None}, nav_current=page.slug)
    home = ("England", "index.html")
    for section in sections(pages):
        nav = section_nav(section)
        if section.landing:
            yield PagePlan(section.path, "content.html", section.title, section.landing.description,
                           {"page": section.landing, "section": nav, "crumbs": [home]}, nav_current=section.name)
        else:
            titles = ", ".join(p.title for p in section.pages)
            yield PagePlan(section.path, "section.html", section.title, shorten(f"{section.title}: {titles}."),
                           {"section": nav, "crumbs": [home]}, nav_current=section.name)
        for page in section.pages:
            yield PagePlan(page.path, "content.html", page.title, page.description,
                           {"page": page, "section": nav, "crumbs": [home, (section.title, section.path)],
                            "nav_section": section.name},
                           nav_current=page.key)


def main_navigation(pages: list[Page]) -> list[NavLink]:
    """Top-level pages and one entry for each section, in nav_order, then by title. The
    accessibility statement is linked from every footer instead."""
    items: list[Page | Section] = [p for p in pages if not p.section and p.slug != "accessibility"]
    items.extend(sections(pages))
    return [_nav_link(item) for item in sorted(items, key=nav_position)]


def section_nav(section: Section) -> SectionNav:
    """A section's own navigation, shown on each of its pages."""
    return SectionNav(section.name, section.title, section.path,
                      tuple(_nav_link(p) for p in section.pages))


def _nav_link(item: Page | Section) -> NavLink:
    key = item.key if isinstance(item, Page) else item.name
    return NavLink(key, item.path, item.title, item.nav_title, item.summary)


def data_page(files: dict[str, bytes], figures: Figures) -> PagePlan:
    """The open data page: each download with its size, and what every column means."""
    return PagePlan(
        "data.html", "data.html", "Open data",
        "Download every figure on this site as a spreadsheet, CSV or JSON, under the Open Government Licence.",
        {
            "downloads": downloads.listing(files),
            "column_groups": [
                {"id": f"columns-{name.split('.')[0]}", "file": name, "columns": columns}
                for name, columns in downloads.column_descriptions()
            ],
            "nhs_staff_notes": nhs_staff_notes(figures),
        },
        nav_current="data",
    )


def _ratio_order(org: OrgFigures) -> tuple:
    return (org.status == STATUS_NONE, org.staff_per_qualified or 0, org.org_name)


# --- rendering -----------------------------------------------------------------------


def render_pages(ctx: BuildContext, pages: list[Page], plans: list[PagePlan]) -> RenderedPages:
    """Render every planned page the last build did not already make from the same
    inputs, on every core (``ctx.jobs`` processes), straight into the fresh folder so that
    no more than a few pages are held at once; then the sitemap that lists them."""
    config, env = ctx.config, ctx.env
    shared = {
        **ctx.template_context,
        "home": False,
        "nav_pages": main_navigation(pages),
        "nav_section": "",
        "page_slugs": tuple(sorted(p.key for p in pages)),
        "link_base": "",
        "crumbs": [],
        "nhs_staff_source": area_nhs_staff_source(ctx.figures.top(ctx.figures.report_year)),
    }
    # Everything a page's output depends on: the templates, the code, the shared context
    # and the page's own plan. reprs of frozen dataclasses, tuples and dicts in a fixed
    # order are deterministic, so the same inputs always give the same key.
    template_files = [p for folder in config.template_folders for p in files_in(folder, config.root)]
    fingerprint = inputs_key(template_files, config.root, {"shared": repr(shared)})
    renderer = _PageRenderer(ctx, shared, fingerprint)
    done = map_on_cores(renderer.render, plans, ctx.jobs, ctx.progress, "pages")
    files: dict[str, FileData] = {plan.path: page.file for plan, page in zip(plans, done, strict=True)}
    files["sitemap.xml"] = render(
        env, "sitemap.xml",
        locations=[_absolute(config, p) for p in sorted(files) if p != "404.html"],
        lastmod=config.published.isoformat(),
    ).encode("utf-8")
    return RenderedPages(files, {plan.path: page.key for plan, page in zip(plans, done, strict=True)},
                         {page.file.sha: page.text for page in done if page.text is not None})


@dataclass(frozen=True)
class _Page:
    """What a page worker sends back: small, as the page itself is on disk already."""

    key: str
    file: Unchanged | Written
    text: str | None       # what search indexes of it, for a page written and searched


@dataclass(frozen=True)
class _PageRenderer:
    """Renders one page, in whichever process: tells its story, works out its render key
    and, unless the last build made the page from the same inputs, renders and writes it."""

    ctx: BuildContext
    shared: dict[str, Any]
    fingerprint: str

    def render(self, plan: PagePlan) -> _Page:
        config, cache = self.ctx.config, self.ctx.cache
        context = {**self.shared, "link_base": config.base_path} if plan.path == "404.html" else self.shared
        story = plan.story() if plan.story else None
        key = sha256(f"{self.fingerprint}\0{plan!r}\0{story!r}\0{context['link_base']}".encode())
        previous = cache.rendered(config.paths.output, plan.path, key)
        if previous:
            return _Page(key, Unchanged(previous), None)
        html = _render_plan(self.ctx.env, config, {**context, "story": story}, plan)
        file = self.ctx.fresh.put(plan.path, html, lambda path, sha: cache.reusable(config.paths.output, path, sha))
        return _Page(key, file, searchable_html(html) if is_indexed(plan.path) else None)


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
