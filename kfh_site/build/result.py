"""What a build hands back to the command line, and which return files it reads: shared
by the build's entry (site.py) and its stages (pipeline.py), so neither imports the other's
result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from kfh_site.config import SiteConfig
from kfh_site.html.images import ResizedImage
from kfh_site.output.progress import Progress
from kfh_site.returns.contract import find_return_files


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
    notes: tuple[str, ...] = ()
    """What the returns stage noted (header rows found, columns ignored), for the CLI to show."""
    warnings: tuple[str, ...] = ()
    """Unlikely figures in the returns, one line each, for the CLI to show."""
    with_pdf: bool = True
    images_resized: tuple[ResizedImage, ...] = ()


@dataclass(frozen=True)
class BuildOptions:
    """How to build, as the command line asked: with PDFs or not, on how many processes,
    showing progress to whom."""

    with_pdf: bool = True
    jobs: int | None = None
    progress: Progress | None = None
    strict: bool = False
    """Unlikely figures in the returns are errors, not warnings."""


def return_files(config: SiteConfig, data_files: Sequence[Path] | None) -> list[Path]:
    """The files given on the command line, or every return under data/."""
    return list(data_files) if data_files else find_return_files(config.paths.data, config.root)
