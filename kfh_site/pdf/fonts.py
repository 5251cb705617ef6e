"""Which font files the PDFs can be made from, by path and SHA-256: part of every PDF's
cache key and of the up-to-date check, so a machine whose Liberation Sans differs (another
version, another path) makes its PDFs again rather than reuse ones made with other fonts.

The files are those fontconfig (the library WeasyPrint finds fonts with) holds for each
family the infographic stylesheet names, or, for a generic family or one it does not
hold, the file it falls back to; and any font file in the project's templates. Looked up
with fontconfig itself, through ctypes, so that WeasyPrint need not be loaded to know
whether a PDF is up to date.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

FONT_FILES = (".ttf", ".otf", ".ttc", ".woff", ".woff2")
_FAMILIES = re.compile(r"font-family\s*:\s*([^;}]+)", re.IGNORECASE)


def font_families(stylesheet: str) -> list[str]:
    """The family names a stylesheet asks for, in order, each once."""
    names: list[str] = []
    for declaration in _FAMILIES.findall(stylesheet):
        for name in declaration.replace("!important", "").split(","):
            name = name.strip().strip("'\"").strip()
            if name and not name.startswith("var(") and name not in names:
                names.append(name)
    return names


def infographic_fonts_key(template_folders: Sequence[Path]) -> str:
    """``fonts_key`` of the infographic stylesheet the templates hold (the first found)."""
    stylesheet = next((f / "infographic.css" for f in template_folders if (f / "infographic.css").is_file()), None)
    return fonts_key(stylesheet.read_text(encoding="utf-8") if stylesheet else "", template_folders)


def fonts_key(stylesheet: str, template_folders: Sequence[Path] = ()) -> str:
    """The font files a stylesheet's PDFs can be made from, as ``[[path, sha256], ...]``
    (JSON): the same text on two machines means the same fonts. The default sans-serif is
    always among them: it is where a character no named font has is looked for."""
    files = set(fontconfig_files([*font_families(stylesheet), "sans-serif"]))
    files.update(str(p) for folder in template_folders for p in sorted(folder.rglob("*"))
                 if p.suffix.lower() in FONT_FILES and p.is_file() and not p.is_symlink())
    return json.dumps([[path, _sha(path)] for path in sorted(files)])


def _sha(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return ""


class _FontSet(ctypes.Structure):
    _fields_ = [("nfont", ctypes.c_int), ("sfont", ctypes.c_int), ("fonts", ctypes.POINTER(ctypes.c_void_p))]


def fontconfig_files(families: Iterable[str]) -> list[str]:
    """Every file fontconfig holds for each family; for a family it holds no file of (a
    generic family such as sans-serif, or a font not installed), the file it falls back to.
    Empty where there is no fontconfig."""
    name = ctypes.util.find_library("fontconfig")
    if name is None:
        return []
    fc = ctypes.CDLL(name)
    fc.FcInit.restype = ctypes.c_int
    fc.FcNameParse.restype = ctypes.c_void_p
    fc.FcNameParse.argtypes = [ctypes.c_char_p]
    fc.FcObjectSetBuild.restype = ctypes.c_void_p
    fc.FcFontList.restype = ctypes.POINTER(_FontSet)
    fc.FcFontList.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    fc.FcPatternGetString.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_char_p)]
    fc.FcConfigSubstitute.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    fc.FcDefaultSubstitute.argtypes = [ctypes.c_void_p]
    fc.FcFontMatch.restype = ctypes.c_void_p
    fc.FcFontMatch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    fc.FcPatternDestroy.argtypes = [ctypes.c_void_p]
    fc.FcObjectSetDestroy.argtypes = [ctypes.c_void_p]
    fc.FcFontSetDestroy.argtypes = [ctypes.POINTER(_FontSet)]
    if not fc.FcInit():
        return []

    def file_of(pattern: int) -> str | None:
        value = ctypes.c_char_p()
        if fc.FcPatternGetString(pattern, b"file", 0, ctypes.byref(value)) == 0 and value.value:
            return value.value.decode("utf-8", "replace")
        return None

    files: list[str] = []
    objects = fc.FcObjectSetBuild(b"file", None)
    try:
        for family in families:
            pattern = fc.FcNameParse(family.replace("-", "\\-").replace(":", "\\:").encode())
            if not pattern:
                continue
            try:
                found = fc.FcFontList(None, pattern, objects)
                listed = [f for i in range(found.contents.nfont) if (f := file_of(found.contents.fonts[i]))]
                fc.FcFontSetDestroy(found)
                if not listed:
                    fc.FcConfigSubstitute(None, pattern, 0)  # 0: FcMatchPattern
                    fc.FcDefaultSubstitute(pattern)
                    result = ctypes.c_int()
                    match = fc.FcFontMatch(None, pattern, ctypes.byref(result))
                    if match:
                        listed = [f for f in [file_of(match)] if f]
                        fc.FcPatternDestroy(match)
                files += sorted(listed)
            finally:
                fc.FcPatternDestroy(pattern)
    finally:
        fc.FcObjectSetDestroy(objects)
    return files
