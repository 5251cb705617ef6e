"""What the PDF stage is given and gives back: plain data, no WeasyPrint import, so
planning and the cache can use them without loading WeasyPrint."""

from __future__ import annotations

import ctypes.util
from dataclasses import dataclass
from pathlib import Path


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
