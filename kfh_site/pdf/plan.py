"""Stories -> one PDF infographic for England, each region and each organisation.

Plans what each infographic shows (the same story as its HTML page, told once by
story/teller.py) and renders its HTML with the project's templates; render.py turns the HTML
into tagged PDFs.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
from markupsafe import Markup, escape

from kfh_site import __version__
from kfh_site.config import SiteConfig
from kfh_site.domain import ENGLAND, slugify
from kfh_site.errors import ContentError
from kfh_site.figures.types import Figures
from kfh_site.html.render import render
from kfh_site.output.cache import package_version, sha256
from kfh_site.output.context import BuildContext, Made, template_context
from kfh_site.output.write import output_error
from kfh_site.pdf.fonts import embedded_fonts_key
from kfh_site.pdf.jobs import CHART_IMAGE, PdfJob, PdfResult, RenderSettings
from kfh_site.pdf.on_request import PlannedPdfs
from kfh_site.returns.contract import REGIONS
from kfh_site.story.palette import Palette
from kfh_site.story.teller import StoryTeller

SHOWN = 10  # infographics named when many run over a page


@dataclass(frozen=True)
class Infographic:
    """One PDF: its key ('top', 'region:london', 'org:rj1'), path, title, the web
    page that holds its full tables, and how to tell its story."""

    key: str
    path: str
    title: str
    page: str
    kind: str
    story: Callable[[], object] = field(repr=False, compare=False)


def plan_infographics(figures: Figures, teller: StoryTeller) -> list[Infographic]:
    """The report's own area first (England, or the region whose report it is), then each
    region of England's report, then each organisation in scope."""
    year = figures.report_year
    top = figures.top(year)
    plans = [Infographic("top", f"pdf/{top.slug}.pdf", pdf_title(top.name, year), "index.html", "area",
                         functools.partial(teller.area, top))]
    if figures.scope == ENGLAND:
        for name in REGIONS:
            region = figures.regions[(year, slugify(name))]
            if region.organisations:
                plans.append(Infographic(f"region:{region.slug}", f"pdf/regions/{region.slug}.pdf",
                                         pdf_title(name, year), f"regions/{region.slug}.html", "area",
                                         functools.partial(teller.area, region)))
    for org in figures.latest_for_each_org:
        plans.append(Infographic(f"org:{org.slug}", f"pdf/organisations/{org.slug}.pdf",
                                 pdf_title(org.org_name, org.year), f"organisations/{org.slug}.html",
                                 "organisation", functools.partial(teller.organisation, org)))
    return plans


def qr_code(address: str) -> Markup:
    """The web page's address as a QR code: one SVG path (segno draws it, with no image
    library) in an image, a tagged Figure whose text alternative gives the address."""
    import segno

    svg = segno.make(address, error="m").svg_inline(scale=1, border=0, omitsize=True, dark="#000")
    return Markup(f'<img src="{svg_image(svg)}" alt="{escape(f"QR code for {address}")}">')


def svg_image(svg: str) -> str:
    """An SVG drawing as the URI of an image (pdf/jobs.py CHART_IMAGE says why)."""
    svg = str(svg)  # the markup as written: Markup's own replace would escape it
    if "xmlns=" not in svg.split(">", 1)[0]:
        svg = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1)
    return CHART_IMAGE + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def pdf_title(name: str, year: str) -> str:
    """A PDF's title: its metadata and the viewer's window title."""
    return f"{name}: library and knowledge services {year}"


@dataclass(frozen=True)
class InfographicJobs:
    """Every infographic's HTML, ready for WeasyPrint, and the stylesheet they share."""

    plans: list[Infographic]
    jobs: list[PdfJob]
    stylesheet: str

    def settings(self, config: SiteConfig) -> RenderSettings:
        """What WeasyPrint may read: the templates and content folders, nothing else."""
        return RenderSettings(base_folder=config.template_folders[0],
                              allowed_folders=(*config.template_folders, config.paths.content),
                              stylesheet=self.stylesheet)


def infographic_jobs(env: jinja2.Environment, config: SiteConfig, teller: StoryTeller,
                     palette: Palette, shared: Mapping[str, Any] | None = None) -> InfographicJobs:
    """Each infographic's HTML, from its story, with the palette before the stylesheet.
    ``shared`` is the build's template context (made here when there is no build)."""
    plans = plan_infographics(teller.figures, teller)
    shared = shared_context(config, teller.figures, shared)
    jobs = [infographic_job(env, config, shared, plan) for plan in plans]
    return InfographicJobs(plans, jobs, infographic_stylesheet(config, palette))


def shared_context(config: SiteConfig, figures: Figures, shared: Mapping[str, Any] | None = None) -> dict:
    """What every infographic's template is given besides its own story: the build's
    template context (the pages have the same) and the logo inline."""
    return {**(shared or template_context(config, figures)), "logo_uri": config.theme.data_uri()}


def infographic_job(env: jinja2.Environment, config: SiteConfig, shared: dict, plan: Infographic) -> PdfJob:
    """One infographic's HTML, ready for WeasyPrint, with the address and QR code of its web page."""
    address = config.absolute_base or config.base_path
    return PdfJob(plan.path, render(env, "infographic.html", **shared, story=plan.story(), kind=plan.kind,
                                    pdf_title=plan.title, web_page=address + plan.page,
                                    qr_code=qr_code(address + plan.page), svg_image=svg_image))


def infographic_stylesheet(config: SiteConfig, palette: Palette) -> str:
    """The palette's colours, then the project's infographic stylesheet."""
    stylesheet_path = next((f / "infographic.css" for f in config.template_folders
                            if (f / "infographic.css").is_file()), None)
    return palette.css() + (stylesheet_path.read_text(encoding="utf-8") if stylesheet_path else "")


def plan(ctx: BuildContext) -> Made:
    """The PDF infographics: their files, and (``about``) what a page says of its PDF
    (path, title, pages, size) keyed as pages ask for it ('top', 'region:london', 'org:rj1')."""
    try:
        infographics, results = make_infographics(ctx)
    except OSError as exc:  # the PDF cache beside the output could not be written
        raise output_error(exc, ctx.cache.folder) from None
    files = {item.path: results[item.path].data for item in infographics}
    described = {
        item.key: {"path": item.path, "title": item.title, "pages": results[item.path].pages,
                   "size": len(results[item.path].data)}
        for item in infographics
    }
    return Made.of(files, "the PDF infographics", about=described)


def plan_on_request(ctx: BuildContext) -> tuple[Made, PlannedPdfs]:
    """The preview's infographics, planned and not made, and what a page says of its PDF:
    its path and title (its size and pages are not known until it is made)."""
    infographics, planned = planned_on_request(ctx.env, ctx.config, ctx.teller, ctx.palette, ctx.template_context)
    described = {item.key: {"path": item.path, "title": item.title, "pages": None, "size": None}
                 for item in infographics}
    return Made.of({}, "the PDF infographics", about=described), planned


def make_infographics(ctx: BuildContext) -> tuple[list[Infographic], dict[str, PdfResult]]:
    """Render every infographic's HTML, then the PDFs the cache does not already hold."""
    config, cache = ctx.config, ctx.cache
    planned = infographic_jobs(ctx.env, config, ctx.teller, ctx.palette, ctx.template_context)
    results: dict[str, PdfResult] = {}
    missing: list[tuple[str, PdfJob]] = []
    for key, job in keyed(planned, embedded_fonts_key()):
        cached = cache.pdf(key)
        if cached:
            results[job.path] = PdfResult(job.path, cached[0], cached[1])
        else:
            missing.append((key, job))
    if missing:
        from kfh_site.pdf.render import render_pdfs  # loads WeasyPrint, only when needed

        rendered = render_pdfs([job for _, job in missing], planned.settings(config), ctx.jobs, ctx.progress)
        for key, job in missing:
            results[job.path] = rendered[job.path]
            cache.store_pdf(key, rendered[job.path].data, rendered[job.path].pages)
    check_one_page(planned.plans, results)
    return planned.plans, results


def check_one_page(plans: list[Infographic], results: dict[str, PdfResult]) -> None:
    """Each infographic is one A4 page: one that runs onto a second is an error naming it
    (a long name, a notice or a table too many), never a silently split sheet."""
    over = [f"{_shortened(plan.title.split(': library and knowledge services')[0])} ({plan.path}): "
            f"{results[plan.path].pages} pages" for plan in plans
            if plan.path in results and results[plan.path].pages > 1]
    if over:
        shown = over[:SHOWN] + ([f"and {len(over) - SHOWN} more"] if len(over) > SHOWN else [])
        raise ContentError("templates/infographic.html and infographic.css: each PDF infographic must fit one A4 "
                           "page; these run over (shorten what they show, or tighten the stylesheet):\n  "
                           + "\n  ".join(shown))


def _shortened(name: str, most: int = 80) -> str:
    return name if len(name) <= most else name[: most - 1] + "\u2026"


def keyed(planned: InfographicJobs, fonts: str) -> list[tuple[str, PdfJob]]:
    """Each job with its cache key."""
    return [(pdf_key(planned.stylesheet, fonts, job), job) for job in planned.jobs]


def pdf_key(stylesheet: str, fonts: str, job: PdfJob) -> str:
    """A hash of everything a PDF is made from: kfh-site, WeasyPrint, the stylesheet, the
    font files (fonts.py: the same HTML makes other bytes with another Liberation Sans)
    and the HTML."""
    return sha256("\0".join((__version__, package_version("weasyprint"), stylesheet, fonts, job.html)).encode())


def planned_on_request(env: jinja2.Environment, config: SiteConfig, teller: StoryTeller, palette: Palette,
                       shared: Mapping[str, Any] | None = None) -> tuple[list[Infographic], PlannedPdfs]:
    """Every infographic planned and none made, its HTML not even rendered: the preview
    renders the HTML, then the PDF, of each one when it is asked for (on_request.py)."""
    plans = plan_infographics(teller.figures, teller)
    by_path = {plan.path: plan for plan in plans}
    shared = shared_context(config, teller.figures, shared)
    stylesheet = infographic_stylesheet(config, palette)
    fonts = embedded_fonts_key()

    def job(path: str) -> tuple[str, PdfJob]:
        made = infographic_job(env, config, shared, by_path[path])
        return pdf_key(stylesheet, fonts, made), made

    settings = InfographicJobs(plans, [], stylesheet).settings(config)
    return plans, PlannedPdfs(settings, frozenset(by_path), job)
