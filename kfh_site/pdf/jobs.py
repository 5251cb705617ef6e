"""What the PDF stage is given and gives back: plain data, no WeasyPrint import, so
planning and the cache can use them without loading WeasyPrint."""

from __future__ import annotations

import ctypes.util
from dataclasses import dataclass
from pathlib import Path


CHART_IMAGE = "data:image/svg+xml;charset=utf-8;base64,"
"""How a PDF's charts and QR code start: SVG images inline in the HTML, not SVG elements
in it, so WeasyPrint parses them with ElementTree rather than its HTML parser, and
cascades no HTML stylesheet over their hundreds of marks. Only they start so (a logo's
URI does not), so a worker's image cache can let them go after each PDF."""


def harfbuzz_subset_available() -> bool:
    """WeasyPrint subsets fonts about 4x faster with libharfbuzz-subset than with
    fontTools. Looked up without importing WeasyPrint, which takes most of a second."""
    return ctypes.util.find_library("harfbuzz-subset") is not None


@dataclass(frozen=True)
class PdfJob:
    """One infographic: where it goes and the HTML to render."""

    path: str
    html: str


@dataclass(frozen=True)
class PdfResult:
    """One PDF made: its bytes and page count (the data page says both)."""
    path: str
    data: bytes
    pages: int


@dataclass(frozen=True)
class RenderSettings:
    """What every worker needs to set WeasyPrint up the same way."""

    base_folder: Path             # relative URLs in the HTML resolve here (templates/)
    allowed_folders: tuple[Path, ...]
    stylesheet: str               # CSS text, parsed once per worker
