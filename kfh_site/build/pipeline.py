"""Returns -> figures -> stories -> files: the stages of a build that has work to do.

Read ``make_site`` first: every stage is named there, in order.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import jinja2

from kfh_site.build.result import BuildResult, read_returns
from kfh_site.config import SiteConfig
from kfh_site.domain import Policy
from kfh_site.downloads import files as downloads
from kfh_site.downloads import tables
from kfh_site.errors import ConfigError, UndrawableError, problem_lines
from kfh_site.figures.compute import compute_figures
from kfh_site.figures.types import Figures
from kfh_site.html.about import with_about_the_data
from kfh_site.html.accessibility import with_accessibility_statement
from kfh_site.html.content import Page, load_pages
from kfh_site.html.images import ResizedImage, web_image
from kfh_site.html.pages import plan_pages, render_pages
from kfh_site.html.render import make_environment
from kfh_site.output.cache import BuildCache
from kfh_site.output.progress import Progress
from kfh_site.pdf.on_request import PlannedPdfs
from kfh_site.output.write import FreshFolder, OutputPlan, Unchanged, output_error, write_site
from kfh_site.project_files import checked_file, files_in
from kfh_site.returns.contract import display_name
from kfh_site.search.index import search_index
from kfh_site.story.palette import Palette
from kfh_site.story.teller import StoryTeller

if TYPE_CHECKING:
    from kfh_site.returns.table import Returns


def make_site(config: SiteConfig, data_files: Sequence[Path], cache: BuildCache, inputs: str,
              progress: Progress | None, with_pdf: bool, jobs: int | None, strict: bool = False,
              pdf_on_request: bool = False) -> BuildResult:
    """Every stage, in order; called by ``site.build`` with the lock held. Each output
    kind (downloads, PDFs, pages) offers a plan that returns ``{path: bytes}``; the one
    writer puts them on disk. With ``pdf_on_request`` (the preview) the PDFs are planned,
    not made: the result says how to make each when it is asked for."""
    output = config.paths.output
    returns = read_returns(config, data_files, strict)
    if with_pdf:
        check_drawable(config, returns)
    figures = compute(config, returns)
    pages = load_pages(config.paths.content, config.root, config.abbreviations, config.allow_raw_html)
    pages = with_about_the_data(pages, config, figures, config.abbreviations)
    pages = with_accessibility_statement(pages, config, with_pdf, config.abbreviations)
    env = make_environment(config.template_folders)
    palette = Palette(accent=config.theme.accent_colour)
    teller = StoryTeller(figures, palette)
    with FreshFolder(output) as fresh:
        plan = OutputPlan()
        plan.add(static_assets(config.template_folders, config.root), lambda path: template_source(config, path))
        plan.add(palette_css(palette), "the palette")
        plan.add(logo_file(config), "the [theme] logo")
        images, resized = content_images(config, pages)
        plan.add(images, lambda path: display_name(config.paths.content / path, config.root))
        plan.add(open_data(figures, config), "the open data downloads")
        pdf_files: dict[str, bytes] = {}
        pdfs: dict[str, dict[str, Any]] = {}
        planned_pdfs = None
        if with_pdf and pdf_on_request:
            pdfs, planned_pdfs = infographics_on_request(env, config, teller, palette)
        elif with_pdf:
            pdf_files, pdfs = infographic_files(env, config, teller, palette, cache, jobs, progress)
        plan.add(pdf_files, "the PDF infographics")
        made = {path: data for path, data in plan.files.items() if isinstance(data, bytes)}
        plans = plan_pages(figures, teller, pages, made, pdfs)
        rendered = render_pages(env, config, figures, pages, plans, cache, fresh, progress, jobs)
        page_sources = {page.path: page.source for page in pages}
        plan.add(rendered.files, lambda path: page_sources.get(path, f"kfh-site's own page {path}"))
        plan.add(search_index(rendered.files, output, cache, rendered.search_text, fresh.path),
                 "the search index")
        report = write_site(output, plan.files, lambda path, sha: cache.reusable(output, path, sha),
                            lambda folder, hashes: cache.save(inputs, folder, hashes, rendered.keys, config.base_url), fresh)
    return BuildResult(
        output=output,
        files=len(plan.files),
        written=len(report.written),
        organisations=len(figures.latest_for_each_org),
        report_year=figures.report_year,
        pdfs=len(pdfs),
        pdfs_written=sum(1 for name in report.written if name.endswith(".pdf")),
        pages_rendered=sum(1 for page in rendered.files.values() if not isinstance(page, Unchanged)),
        notes=returns.notes,
        warnings=tuple(problem_lines(list(returns.warnings))),
        with_pdf=with_pdf,
        images_resized=tuple(resized),
        pdfs_on_request=planned_pdfs,
    )


def compute(config: SiteConfig, returns: Returns) -> Figures:
    problem = config.report_year_problem(returns.years)
    if problem:
        raise ConfigError(problem)
    check_mergers(config, returns)
    policy = Policy(config.recommended_ratio, config.baseline_ratio, config.same_within)
    figures = compute_figures(returns.table, policy, config.report_year, config.scope, config.mergers)
    if not figures.latest_for_each_org:
        raise ConfigError(f"key 'scope' is {config.scope!r}, but no return in the data is from {config.scope}")
    return figures


def check_drawable(config: SiteConfig, returns: Returns) -> None:
    """Every name and setting a PDF prints can be drawn in the PDF fonts."""
    from kfh_site.pdf.fonts import undrawable_problems

    lines = undrawable_problems(config, returns.table)
    if lines:
        raise UndrawableError("a name or setting cannot be printed in the PDF infographics:\n  " + "\n  ".join(lines))


def check_mergers(config: SiteConfig, returns: Returns) -> None:
    """A merger must name codes the returns hold: the new one with a return in the merger's
    year, each predecessor with one before it."""
    years_of: dict[str, set[str]] = {}
    for code, year in zip(returns.table["org_code"], returns.table["year"], strict=True):
        years_of.setdefault(code, set()).add(year)
    problems = []
    for number, merger in enumerate(config.mergers, start=1):
        name = f"[[mergers]] entry {number} ({merger.into}, {merger.year})"
        if merger.year not in years_of.get(merger.into, set()):
            problems.append(f"{name}: {merger.into} has no return for {merger.year}, the year it was formed")
        for code in merger.sources:
            if not any(year < merger.year for year in years_of.get(code, ())):
                problems.append(f"{name}: {code} has no return before {merger.year}")
    if problems:
        raise ConfigError("kfh-site.toml:\n  " + "\n  ".join(problems))


def infographic_files(env: jinja2.Environment, config: SiteConfig, teller: StoryTeller, palette: Palette,
                      cache: BuildCache, jobs: int | None, progress: Progress | None
                      ) -> tuple[dict[str, bytes], dict[str, dict[str, Any]]]:
    """The PDF infographics: their files, and what a page says of its PDF (path, title,
    pages, size) keyed as pages ask for it ('england', 'region:london', 'org:rj1')."""
    from kfh_site.pdf.plan import make_infographics  # WeasyPrint loads only when needed

    try:
        infographics, results = make_infographics(env, config, teller, palette, cache, jobs, progress)
    except OSError as exc:  # the PDF cache beside the output could not be written
        raise output_error(exc, cache.folder) from None
    files = {item.path: results[item.path].data for item in infographics}
    described = {
        item.key: {"path": item.path, "title": item.title, "pages": results[item.path].pages,
                   "size": len(results[item.path].data)}
        for item in infographics
    }
    return files, described


def infographics_on_request(env: jinja2.Environment, config: SiteConfig, teller: StoryTeller, palette: Palette
                            ) -> tuple[dict[str, dict[str, Any]], PlannedPdfs]:
    """The infographics planned but not made, and what a page says of its PDF: its path
    and title (its size and pages are not known until it is made)."""
    from kfh_site.pdf.plan import plan_on_request

    infographics, planned = plan_on_request(env, config, teller, palette)
    described = {item.key: {"path": item.path, "title": item.title, "pages": None, "size": None}
                 for item in infographics}
    return described, planned


def palette_css(palette: Palette) -> dict[str, bytes]:
    """The colours every stylesheet uses, from the one palette the charts use too."""
    return {"assets/palette.css": palette.css().encode("utf-8")}


def logo_file(config: SiteConfig) -> dict[str, bytes]:
    """The team's logo, published beside the stylesheet (``assets/logo.png`` or ``.svg``)."""
    logo = config.theme.logo
    return {config.theme.asset: checked_file(logo, config.root, config.root).read_bytes()} if logo else {}


def static_assets(template_folders: Sequence[Path], root: Path) -> dict[str, bytes]:
    """Every file of the templates' ``assets/``, copied as it is: the starter's, with the
    project's own in place of any it replaces."""
    assets: dict[str, bytes] = {}
    for folder in reversed(template_folders):
        assets.update({
            f"assets/{p.relative_to(folder / 'assets').as_posix()}": p.read_bytes()
            for p in files_in(folder / "assets", root)
        })
    return dict(sorted(assets.items()))


def template_source(config: SiteConfig, path: str) -> str:
    """The template file an asset came from, as the user would name it."""
    folder = next((f for f in config.template_folders if (f / path).is_file()), config.template_folders[-1])
    return display_name(folder / path, config.root)


def content_images(config: SiteConfig, pages: list[Page]) -> tuple[dict[str, bytes], list[ResizedImage]]:
    """Images that content pages show, published at the same place relative to the page;
    a photo too wide or too heavy for the web is made smaller (see images.py)."""
    files: dict[str, bytes] = {}
    resized: list[ResizedImage] = []
    for image in sorted({image for page in pages for image in page.images}):
        path = config.paths.content / image
        files[image], smaller = web_image(path, display_name(path, config.root))
        if smaller:
            resized.append(smaller)
    return files, resized


def open_data(figures: Figures, config: SiteConfig) -> dict[str, bytes]:
    about = tables.About(config.title, config.publisher, config.published, config.illustrative_data,
                            config.data_credit, scope=config.scope)
    return downloads.open_data_files(figures, about)


