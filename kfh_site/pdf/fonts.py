"""The fonts the PDF infographics are set in, found where fontconfig finds them.

Liberation Sans for the text (its widths are the charts' measure, story/charts/widths.py)
and DejaVu Sans for the symbols it lacks (arrows, stars, Greek, Cyrillic...): both named
in templates/infographic.css, both from Debian packages (fonts-liberation2,
fonts-dejavu-core). Light on purpose (no WeasyPrint): the up-to-date check keys on the
font files, and the build checks, before any PDF is rendered, that every name and setting
a PDF shows can be drawn in them, so a character neither font has is a message naming
where it is written rather than a blank box.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from kfh_site.errors import Problem, problem_lines

if TYPE_CHECKING:
    import pandas as pd

    from kfh_site.config import SiteConfig

PDF_FONTS = ("Liberation Sans", "DejaVu Sans")


@functools.lru_cache(maxsize=1)
def font_files() -> tuple[Path, ...]:
    """Every file of the PDF fonts' families that fontconfig knows, sorted; empty when
    fontconfig is not installed (then WeasyPrint cannot find them either)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return ()
    try:
        listed = subprocess.run([fc_list, "--format", "%{family}\t%{file}\n"], capture_output=True, text=True,
                                timeout=60, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    files = set()
    for line in listed.splitlines():
        families, _, file = line.partition("\t")
        if file.lower().endswith((".ttf", ".otf")) and any(f.strip() in PDF_FONTS for f in families.split(",")):
            files.add(Path(file))
    return tuple(sorted(files))


def fonts_key() -> str:
    """What the up-to-date check knows of the fonts: each file's path, size and time, so an
    upgraded or replaced font makes the PDFs again (reading them whole would cost a no-op
    build more than everything else it does)."""
    parts = []
    for path in font_files():
        try:
            stat = path.stat()
        except OSError:
            continue
        parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return ";".join(parts)


@functools.lru_cache(maxsize=1)
def drawable() -> frozenset[int]:
    """Every character (code point) one of the PDF fonts has a glyph for."""
    from fontTools.ttLib import TTFont  # WeasyPrint's own dependency; loaded only here

    points: set[int] = set()
    for path in font_files():
        try:
            with TTFont(path, lazy=True) as font:
                points.update(font.getBestCmap() or {})
        except Exception:  # noqa: BLE001 - a font fontTools cannot read draws nothing
            continue
    return frozenset(points)


def undrawable(text: str) -> list[str]:
    """The characters of ``text`` no PDF font can draw (spaces and line breaks aside)."""
    if not font_files():
        return []
    have = drawable()
    return sorted({c for c in text if ord(c) not in have and not c.isspace()})


PDF_SETTINGS = ("title", "publisher", "data_credit")
"""The settings a PDF prints (with ``[theme] logo_alt``, read for screen readers)."""
PDF_COLUMNS = ("org_name", "org_type")
"""The return columns a PDF prints as written (codes, regions and years are checked)."""
SHOWN = 10


def undrawable_problems(config: SiteConfig, table: pd.DataFrame) -> list[str]:
    """Every setting and return cell a PDF shows that holds a character neither PDF font
    has, named by key or by file, row and column: checked before any PDF is made, since
    WeasyPrint would print a blank box and can say only which template it was drawing."""
    if not font_files():
        return []
    lines = []
    for key in PDF_SETTINGS:
        if missing := undrawable(str(getattr(config, key) or "")):
            lines.append(f"kfh-site.toml, key {key!r}: {_described(missing)}")
    if missing := undrawable(config.theme.logo_alt):
        lines.append(f"kfh-site.toml, key 'theme.logo_alt': {_described(missing)}")
    problems = []
    for column in PDF_COLUMNS:
        if column not in table:
            continue
        bad = {text: undrawable(text) for text in table[column].dropna().unique()}
        bad = {text: missing for text, missing in bad.items() if missing}
        for text, file, row in zip(table[column], table["source_file"], table["source_row"], strict=True):
            if text in bad:
                problems.append(Problem(str(file), int(row), column, _described(bad[text])))
    lines.extend(problem_lines(problems))
    return lines[:SHOWN] + ([f"and {len(lines) - SHOWN} more"] if len(lines) > SHOWN else [])


def _described(missing: list[str]) -> str:
    shown = ", ".join(f"{c} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed character')})" for c in missing[:3])
    more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
    return (f"{shown}{more} cannot be drawn in the PDFs: neither {' nor '.join(PDF_FONTS)} has "
            f"{'it' if len(missing) == 1 else 'them'}. Remove or replace {'it' if len(missing) == 1 else 'them'}, "
            "or build without PDFs (--no-pdf)")


def embedded_fonts_key() -> str:
    """The font files a PDF is made from, each path and SHA-256: part of every PDF's cache
    key, since the same HTML makes other bytes with another Liberation Sans, so a machine
    whose fonts differ (another version, another path) makes its PDFs again rather than
    reuse ones made with other fonts. Read once per build that makes PDFs (about 10 ms)."""
    files = []
    for path in font_files():
        try:
            files.append([str(path), hashlib.sha256(path.read_bytes()).hexdigest()])
        except OSError:
            files.append([str(path), ""])
    return json.dumps(files)
