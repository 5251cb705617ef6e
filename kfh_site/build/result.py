"""What a build hands back to the command line, and which return files it reads: shared
by the build's entry (site.py) and its stages (pipeline.py), so neither imports the other's
result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from kfh_site.config import SiteConfig
from kfh_site.html.images import ResizedImage
from kfh_site.output.progress import Progress
from kfh_site.pdf.on_request import PlannedPdfs
from kfh_site.returns.contract import find_return_files

if TYPE_CHECKING:
    from kfh_site.returns.table import Returns


@dataclass(frozen=True)
class BuildResult:
    """What a build did, for the command line to report: files, what was written again, notes and warnings."""
    output: Path
    files: int
    written: int = 0
    organisations: int = 0
    report_year: str = ""
    pdfs: int = 0
    pdfs_written: int = 0
    pages_rendered: int = 0
    up_to_date: bool = False
    notes: tuple[str, ...] = ()
    """What the returns stage noted (header rows found, columns ignored), for the CLI to show."""
    warnings: tuple[str, ...] = ()
    """Unlikely figures in the returns, one line each, for the CLI to show."""
    with_pdf: bool = True
    images_resized: tuple[ResizedImage, ...] = ()
    pdfs_on_request: PlannedPdfs | None = None
    """The preview's PDFs, planned and not made: serve renders each when it is asked for."""


@dataclass(frozen=True)
class BuildOptions:
    """How to build, as the command line asked: with PDFs or not, on how many processes,
    showing progress to whom."""

    with_pdf: bool = True
    jobs: int | None = None
    progress: Progress | None = None
    strict: bool = False
    """Unlikely figures in the returns are errors, not warnings."""
    pdf_on_request: bool = False
    """The PDFs are planned, not made: serve's preview makes each when it is asked for."""


def return_files(config: SiteConfig, data_files: Sequence[Path] | None) -> list[Path]:
    """The files given on the command line, or every return under data/ (but for the
    workforce files, should ``[workforce] file`` name files there)."""
    if data_files:
        return list(data_files)
    workforce = {p.resolve() for p in workforce_files(config)}
    return [p for p in find_return_files(config.paths.data, config.root) if p.resolve() not in workforce]


def workforce_files(config: SiteConfig) -> list[Path]:
    """The ``[workforce] file`` setting: one file, or every .csv and .xlsx in a folder."""
    path = config.workforce.file
    if path is None:
        return []
    if path.is_dir():
        inside = path.resolve().is_relative_to(config.root.resolve())
        return find_return_files(path, config.root if inside else path)
    return [path]


def read_returns(config: SiteConfig, data_files: Sequence[Path] | None = None, strict: bool = False) -> Returns:
    """The validated returns the report is made from, with their NHS staff: joined from the
    workforce files when ``[workforce]`` is set; a region's report names the rows for other
    regions and what happens to them (returns.table.in_scope). Used by build and validate."""
    from kfh_site.returns import workforce  # pandas loads only when there is something to read

    settings = config.workforce
    source = (workforce.WorkforceSource(tuple(workforce_files(config)), settings.month, settings.columns,
                                        settings.sheet)
              if settings.file is not None else None)
    return workforce.read_returns(return_files(config, data_files), config.root, config.xlsx_sheet,
                                  config.columns, source, config.mergers, strict, config.scope)
