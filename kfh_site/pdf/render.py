"""Infographic HTML -> tagged PDF/UA-1 files, rendered by WeasyPrint on every core.

Each worker process sets up WeasyPrint once (font configuration, the parsed stylesheet, an
image cache, charts' labels drawn whole: svg_text.py) and reuses it for every document:
that is most of the speed. The fetcher
lets WeasyPrint read the project's own templates and content folders and nothing else;
any refusal or WeasyPrint warning fails the build rather than let a PDF silently lose
content.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import URLFetcher

from kfh_site.errors import ContentError, FetchError
from kfh_site.output.progress import Progress
from kfh_site.output.workers import map_on_cores
from kfh_site.pdf.jobs import CHART_IMAGE, PdfJob, PdfResult, RenderSettings

TIGHT = ("<body>", '<body class="tight">')
"""How a page that ran over is marked to be laid out again, tighter (infographic.css)."""

FONTTOOLS_FALLBACK = "Using fontTools instead of HarfBuzz-Subset"
SHOWN = 5  # PDFs named when a template mistake affects them all


def render_pdfs(jobs: Sequence[PdfJob], settings: RenderSettings, workers: int | None = None,
                progress: Progress | None = None) -> dict[str, PdfResult]:
    """Render every job, on every core; raise FetchError or ContentError listing what went wrong."""
    # Small chunks (a PDF takes a fifth of a second): no core idles while another finishes.
    return collect(map_on_cores(_Rendering(settings), jobs, workers, progress, "pdfs", chunk=2))


class _Rendering:
    """Renders one job with this process's Renderer, set up on its first job."""

    def __init__(self, settings: RenderSettings):
        self.settings = settings
        self.renderer: Renderer | None = None

    def __call__(self, job: PdfJob) -> _Outcome:
        if self.renderer is None:
            self.renderer = Renderer(self.settings)
        return self.renderer.render(job)


@dataclass(frozen=True)
class _Outcome:
    """What a worker sends back: plain data (it crosses the process pool)."""

    result: PdfResult | None
    refused: tuple[str, ...]
    warnings: tuple[str, ...]
    untagged: tuple[str, ...] = ()   # figures left without a text alternative


def collect(outcomes: list[_Outcome]) -> dict[str, PdfResult]:
    """The PDFs rendered, or an error naming every problem the renders met."""
    untagged = sorted({problem for o in outcomes for problem in o.untagged})
    if untagged:
        more = [f"and {len(untagged) - SHOWN} more PDFs"] if len(untagged) > SHOWN else []
        raise ContentError(
            "templates/infographic.html: every chart or image in the PDF infographics needs a text "
            "alternative (aria-label on the svg, alt on an img), for screen readers; these have none:\n  "
            + "\n  ".join(untagged[:SHOWN] + more)
        )
    refused = sorted({url for o in outcomes for url in o.refused})
    if refused:
        raise FetchError(
            "the PDF infographics asked for files kfh-site does not fetch (only files inside the "
            "project's templates/ and content/ folders are used; nothing is fetched from the network):\n  "
            + "\n  ".join(refused)
        )
    warnings = sorted({w for o in outcomes for w in o.warnings})
    if warnings:
        raise ContentError(
            "templates/infographic.html and infographic.css: WeasyPrint could not render the PDFs "
            "exactly as written:\n  "
            + "\n  ".join(warnings)
        )
    return {o.result.path: o.result for o in outcomes if o.result}


class Renderer:
    """WeasyPrint set up once and reused: font configuration, stylesheet, image cache."""

    def __init__(self, settings: RenderSettings):
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        from kfh_site.pdf import svg_text

        svg_text.install()
        self.settings = settings
        self.fetcher = ProjectFetcher(settings.allowed_folders)
        self.font_config = FontConfiguration()
        self.cache: dict = {}
        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        with _collecting() as collector:
            self.stylesheet = CSS(string=settings.stylesheet, font_config=self.font_config,
                                  url_fetcher=self.fetcher, base_url=settings.base_folder.as_uri() + "/")
        # Problems in the stylesheet are reported with every document it styles.
        self.setup_warnings = tuple(f"infographic.css: {m}" for m in collector.messages)
        self.setup_refused = tuple(self.fetcher.refused)

    def render(self, job: PdfJob) -> _Outcome:
        """One PDF from its HTML, tagged and checked; a failure is kept to report with the others."""
        from kfh_site.errors import TaggingError
        from kfh_site.pdf.tags import complete_tags

        self.fetcher.refused.clear()
        try:
            with _collecting() as collector:
                document = self._laid_out(job.html)
                if len(document.pages) > 1 and TIGHT[0] in job.html:
                    # Laid out again, tighter (infographic.css, body.tight), before it is
                    # called too long: a long name, a notice and every activity can fill a page.
                    document = self._laid_out(job.html.replace(*TIGHT, 1))
                try:
                    data = document.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=True, finisher=complete_tags)
                except TaggingError as error:
                    return _Outcome(None, (), (), (f"{job.path}: {error}",))
        finally:
            # A chart is drawn in one PDF only: kept, it would grow the worker by every chart it drew.
            for url in [url for url in self.cache if isinstance(url, str) and url.startswith(CHART_IMAGE)]:
                del self.cache[url]
        refused = self.setup_refused + tuple(self.fetcher.refused)
        # A refused URL is reported as such; WeasyPrint's own "failed to load" says less.
        warnings = self.setup_warnings + tuple(
            m for m in collector.messages if not refused or "Failed to load" not in m
        )
        return _Outcome(PdfResult(job.path, data, len(document.pages)), refused, warnings)

    def _laid_out(self, html: str) -> Any:
        """WeasyPrint's document for ``html``, with the infographic stylesheet."""
        from weasyprint import HTML

        return HTML(
            string=html, base_url=self.settings.base_folder.as_uri() + "/", url_fetcher=self.fetcher,
        ).render(stylesheets=[self.stylesheet], font_config=self.font_config, cache=self.cache,
                 pdf_variant="pdf/ua-1")


@contextlib.contextmanager
def _collecting() -> Iterator["_WarningCollector"]:
    collector = _WarningCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)


class _WarningCollector(logging.Handler):
    """Collects WeasyPrint's warnings for the current thread's render only."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread and record.name == "weasyprint":
            message = record.getMessage()
            if not message.startswith(FONTTOOLS_FALLBACK):  # slower, not wrong: the CLI says so
                self.messages.append(message)


class ProjectFetcher(URLFetcher):
    """Reads ``data:`` URLs and files inside the allowed folders; refuses everything else.

    Nothing is fetched from the network, whatever a template or page asks for.
    """

    def __init__(self, allowed: Sequence[Path]):
        super().__init__()
        self.allowed = tuple(p.resolve() for p in allowed)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None):  # noqa: D102 - WeasyPrint's API
        from weasyprint.urls import URLFetcherResponse

        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file":
            path = Path(url2pathname(parts.path)).resolve()
            if any(path.is_relative_to(folder) for folder in self.allowed) and path.is_file():
                return URLFetcherResponse(url, body=path.read_bytes())
        self.refused.append(url)
        raise PermissionError(f"kfh-site does not fetch {url}")
