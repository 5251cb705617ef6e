"""Returns -> figures -> stories -> files: the stages of a build that has work to do.

Read ``make_site`` first: every stage is named there, in order.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from kfh_site.build.result import BuildOptions, BuildResult, read_returns
from kfh_site.config import SiteConfig
from kfh_site.domain import Policy
from kfh_site.downloads import files as downloads
from kfh_site.errors import ConfigError, UndrawableError, problem_lines
from kfh_site.figures.compute import compute_figures
from kfh_site.figures.types import Figures
from kfh_site.html import assets, pages
from kfh_site.html.about import with_about_the_data
from kfh_site.html.accessibility import with_accessibility_statement
from kfh_site.html.content import load_pages
from kfh_site.html.render import make_environment
from kfh_site.output.cache import BuildCache
from kfh_site.output.context import BuildContext, RenderedPages
from kfh_site.output.write import FreshFolder, Unchanged, WriteReport, write_site
from kfh_site.search import index as search
from kfh_site.story.palette import Palette
from kfh_site.story.teller import StoryTeller

if TYPE_CHECKING:
    from kfh_site.returns.table import Returns


def make_site(config: SiteConfig, data_files: Sequence[Path], options: BuildOptions, cache: BuildCache,
              inputs: str) -> BuildResult:
    """Every stage, in order; called by ``site.build`` with the lock held. Everything is
    read and checked before anything is made; then each output kind plans its files from
    the one build context, and the one writer puts them on disk. With ``pdf_on_request``
    (the preview) the PDFs are planned, not made: the result says how to make each."""
    returns = read_returns(config, data_files, options.strict)
    if options.with_pdf:
        check_drawable(config, returns)
    figures = compute(config, returns)
    content = load_pages(config.paths.content, config.root, config.abbreviations, config.allow_raw_html)
    content = with_about_the_data(content, config, figures, config.abbreviations)
    content = with_accessibility_statement(content, config, options.with_pdf, config.abbreviations)
    env = make_environment(config.template_folders)
    palette = Palette(accent=config.theme.accent_colour)
    with long_lived(), FreshFolder(config.paths.output) as fresh:
        ctx = BuildContext(config, figures, StoryTeller(figures, palette), env, palette, cache, fresh,
                           options.progress, options.jobs, content)
        ctx.add("assets", assets.plan(ctx))
        ctx.add("downloads", downloads.plan(ctx))
        planned_pdfs = None
        if options.with_pdf:
            from kfh_site.pdf import plan as pdf  # WeasyPrint loads only when PDFs are made

            if options.pdf_on_request:  # serve's preview: planned here, made when asked for
                made, planned_pdfs = pdf.plan_on_request(ctx)
                ctx.add("pdf", made)
            else:
                ctx.add("pdf", pdf.plan(ctx))
        ctx.add("pages", pages.plan(ctx))
        ctx.add("search", search.plan(ctx))
        report = write(ctx, inputs)
    return replace(result(ctx, returns, report, options), pdfs_on_request=planned_pdfs)


@contextlib.contextmanager
def long_lived() -> Iterator[None]:
    """Everything made so far (the returns, the figures, the content pages) lives until
    the build ends: the cyclic garbage collector leaves it alone meanwhile. Otherwise each
    full collection walks all of it (at 10,000 organisations, 8% of the build's time) and
    a forked worker's collections copy every memory page they walk."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def write(ctx: BuildContext, inputs: str) -> WriteReport:
    """The one writer: every planned file into the fresh folder, the cache saved, then the
    folder swapped in for the output."""
    output, cache = ctx.config.paths.output, ctx.cache
    rendered: RenderedPages = ctx.about["pages"]
    return write_site(output, ctx.plan.files, lambda path, sha: cache.reusable(output, path, sha),
                      lambda folder, hashes: cache.save(inputs, folder, hashes, rendered.keys,
                                                           ctx.config.base_url), ctx.fresh)


def result(ctx: BuildContext, returns: Returns, report: WriteReport, options: BuildOptions) -> BuildResult:
    """What the command line reports of a build that made the site."""
    rendered: RenderedPages = ctx.about["pages"]
    return BuildResult(
        output=ctx.config.paths.output,
        files=len(ctx.plan.files),
        written=len(report.written),
        organisations=len(ctx.figures.latest_for_each_org),
        report_year=ctx.figures.report_year,
        pdfs=len(ctx.about.get("pdf") or {}),
        pdfs_written=sum(1 for name in report.written if name.endswith(".pdf")),
        pages_rendered=sum(1 for page in rendered.files.values() if not isinstance(page, Unchanged)),
        notes=(*returns.notes, *pdf_address_notes(ctx.config, options.with_pdf)),
        warnings=tuple(problem_lines(list(returns.warnings))),
        with_pdf=options.with_pdf,
        images_resized=ctx.about["assets"],
    )


def pdf_address_notes(config: SiteConfig, with_pdf: bool) -> tuple[str, ...]:
    """A PDF on paper needs the web page's full address (its footer prints it and its QR
    code holds it): without an absolute base_url it can only show a relative one."""
    if not with_pdf or config.absolute_base:
        return ()
    return (f"kfh-site.toml: base_url is {config.base_url!r}, not a full https address, so the PDFs show "
            "relative addresses (and QR codes) for their web pages; set base_url to where the site will be "
            "served, e.g. \"https://example.github.io/kfh-report/\".",)


def compute(config: SiteConfig, returns: Returns) -> Figures:
    """The figures for every organisation and area, after the settings that name years and codes are checked against
    the returns."""
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
