"""What the last ``kfh-site check`` found passing, so the next one checks only what changed.

Kept beside the build (``.build.kfh-check/passed.json``), never inside it, and keyed on
content, never on time:

- a page passed the browser checks at one width: the SHA-256 of every file of the build it
  loaded (itself, its stylesheets, scripts, images), under one key for everything else the
  result depends on (axe-core's script and rules, the checks' own code, the browser, the
  base path; see ``browser.checker_key``);
- a PDF passed its checks: its SHA-256, under kfh-site's version.

Only passes are kept: a page or PDF with a problem is checked again every time until it
is fixed. ``kfh-site check --all`` ignores what was kept, checks everything and keeps the
new results. The folder may be deleted at any time.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from kfh_site import __version__

PASSED = "passed.json"
FORMAT = 1


def page_key(page: str, width: int) -> str:
    """What passed is remembered per page and width: a page can pass at one and fail at another."""
    return f"{page} @{width}"


@dataclass
class CheckCache:
    """The passes kept from the last check, and the SHA-256 of build files read so far."""

    folder: Path
    build: Path
    browser_key: str = ""
    pages: dict[str, dict[str, str | None]] = field(default_factory=dict)  # page @width -> {file: sha}
    pdfs: dict[str, str] = field(default_factory=dict)                     # PDF -> sha
    _hashes: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def beside(cls, build: Path, use: bool = True) -> "CheckCache":
        """The cache of ``build``; empty when ``use`` is false or nothing usable is kept."""
        build = build.resolve()
        cache = cls(build.parent / f".{build.name}.kfh-check", build)
        if use:
            try:
                kept = json.loads((cache.folder / PASSED).read_text(encoding="utf-8"))
                if kept["format"] == FORMAT and kept["kfh-site"] == __version__:
                    cache.browser_key, cache.pages, cache.pdfs = kept["browser"], kept["pages"], kept["pdfs"]
            except (OSError, ValueError, KeyError, TypeError):
                pass  # nothing kept, or kept another way: check everything
        return cache

    def sha(self, path: str) -> str | None:
        """The SHA-256 of a file of the build as it is now; None when it does not exist."""
        if path not in self._hashes:
            try:
                self._hashes[path] = hashlib.sha256((self.build / path).read_bytes()).hexdigest()
            except OSError:
                self._hashes[path] = None
        return self._hashes[path]

    def page_passed(self, page: str, width: int, browser_key: str) -> dict[str, str | None] | None:
        """What the page loaded when it last passed at ``width``, if that and the checks
        are all unchanged; None when it must be checked."""
        files = self.pages.get(page_key(page, width))
        if browser_key != self.browser_key or not isinstance(files, dict) or page not in files:
            return None
        return files if all(self.sha(path) == sha for path, sha in files.items()) else None

    def pdf_passed(self, name: str) -> bool:
        """The PDF passed before and its bytes have not changed since."""
        return self.pdfs.get(name) is not None and self.pdfs[name] == self.sha(name)

    def save(self, browser_key: str, pages: Mapping[str, Iterable[str]] | None, pdfs: Iterable[str]) -> None:
        """Keep these passes: ``pages`` maps ``page @width`` to the files the page loaded
        (None: the browser checks did not run, keep the last ones); ``pdfs`` names PDFs."""
        if pages is None:
            browser_key, passed = self.browser_key, self.pages
        else:
            passed = {key: {path: self.sha(path) for path in sorted(files)} for key, files in sorted(pages.items())}
        record = {"format": FORMAT, "kfh-site": __version__, "browser": browser_key, "pages": passed,
                  "pdfs": {name: self.sha(name) for name in sorted(pdfs)}}
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f"{PASSED}.{os.getpid()}"
        temporary.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        os.replace(temporary, self.folder / PASSED)
