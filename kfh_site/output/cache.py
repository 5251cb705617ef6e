"""What the last build made, so the next one redoes only what changed.

Three levels, each keyed on content, never on timestamps:
- the whole build: a hash of every input (data files, content/, templates/, the config
  and command-line options, the kfh-site and WeasyPrint versions). Same hash and an
  untouched output folder: nothing to do.
- each PDF: a hash of exactly what WeasyPrint is given (HTML, stylesheet, versions).
- each HTML page: a hash of its template files and everything its template is given.
  Same hash and the page is untouched on disk: it is linked, not rendered again.
- each output file: its SHA-256. A file whose bytes are unchanged is hard-linked from
  the previous build instead of written again.
- the search index: a hash of the bytes of every page it indexes, and one of the text
  it gives Pagefind (see search.py). Either the same and its files untouched on disk: the
  previous build's index is linked as it is. The text given for each page is kept too
  (``search-text.json``, by the page's SHA-256), so that an unchanged page is never read
  or trimmed again.
The cache lives beside the output folder (``.build.kfh-cache/``) and may be deleted at
any time; ``kfh-site build --clean`` ignores it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from kfh_site import __version__

MANIFEST = "manifest.json"
SEARCH_TEXT = "search-text.json"


def sha256(data: bytes) -> str:
    """The hex SHA-256 every cache key and file hash uses."""
    return hashlib.sha256(data).hexdigest()


def package_version(package: str) -> str:
    """An installed package's version, without importing it (WeasyPrint takes 0.4 s)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return ""


def inputs_key(files: Iterable[Path], root: Path, options: Mapping[str, object]) -> str:
    """One hash over every input file (its path and bytes) and the build options."""
    digest = hashlib.sha256()
    digest.update(json.dumps({"kfh-site": __version__, **{k: str(v) for k, v in options.items()}},
                             sort_keys=True).encode())
    for path in sorted(set(files)):
        try:
            name = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            name = str(path.resolve())
        digest.update(name.encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass
class BuildCache:
    """The manifest of the last build and the PDFs it rendered, kept beside the output."""

    folder: Path
    enabled: bool = True
    previous_inputs: str = ""
    previous_files: dict[str, list] = field(default_factory=dict)   # path -> [sha, size, mtime_ns, render key]
    previous_pdfs: dict[str, int] = field(default_factory=dict)     # pdf key -> pages
    used_pdfs: dict[str, int] = field(default_factory=dict)
    previous_search: dict = field(default_factory=dict)             # {"keys": [...], "files": {path: sha}}
    search: dict = field(default_factory=dict)
    previous_search_text: dict[str, str] | None = None              # page sha -> text given to Pagefind
    search_text: dict = field(default_factory=dict)                 # {"tag": ..., "pages": {sha: text}}

    @classmethod
    def beside(cls, output: Path, enabled: bool = True) -> "BuildCache":
        """The cache kept beside the output folder (never inside it, so it is not published)."""
        cache = cls(output.parent / f".{output.name}.kfh-cache", enabled)
        if enabled:
            try:
                manifest = json.loads((cache.folder / MANIFEST).read_text(encoding="utf-8"))
                cache.previous_inputs = manifest["inputs"]
                cache.previous_files = manifest["files"]
                cache.previous_pdfs = manifest["pdfs"]
                cache.previous_search = manifest.get("search") or {}
            except (OSError, ValueError, KeyError, TypeError):
                pass  # no cache, or one from another version: build everything
        return cache

    def up_to_date(self, inputs: str, output: Path) -> bool:
        """True when the inputs are the last build's and its output is untouched."""
        if not self.enabled or inputs != self.previous_inputs or not self.previous_files:
            return False
        present = {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()} if output.is_dir() else set()
        return present == set(self.previous_files) and all(
            self.unchanged_on_disk(output, path) for path in self.previous_files)

    def unchanged_on_disk(self, output: Path, path: str) -> bool:
        """The previous build's file is still as it wrote it (size and mtime)."""
        sha, size, mtime = self.previous_files[path][:3]
        try:
            stat = (output / path).stat()
        except OSError:
            return False
        return stat.st_size == size and stat.st_mtime_ns == mtime

    def reusable(self, output: Path, path: str, sha: str) -> bool:
        """The previous build wrote exactly these bytes at ``path`` and they are still there."""
        return (self.enabled and path in self.previous_files and self.previous_files[path][0] == sha
                and self.unchanged_on_disk(output, path))

    def rendered(self, output: Path, path: str, key: str) -> str | None:
        """The SHA-256 of ``path`` if the last build rendered it from the same inputs (``key``)
        and it is untouched on disk; None when it must be rendered."""
        entry = self.previous_files.get(path)
        if not self.enabled or not entry or len(entry) < 4 or entry[3] != key:
            return None
        return entry[0] if self.unchanged_on_disk(output, path) else None

    def pdf(self, key: str) -> tuple[bytes, int] | None:
        """A PDF made before from the same inputs, with its page count, or None."""
        if not self.enabled or key not in self.previous_pdfs:
            return None
        try:
            data = (self.folder / "pdf" / f"{key}.pdf").read_bytes()
        except OSError:
            return None
        self.used_pdfs[key] = self.previous_pdfs[key]
        return data, self.previous_pdfs[key]

    def store_pdf(self, key: str, data: bytes, pages: int) -> None:
        """Keep a new PDF for the next build with the same inputs."""
        folder = self.folder / "pdf"
        folder.mkdir(parents=True, exist_ok=True)
        _write_whole(folder / f"{key}.pdf", data)
        self.used_pdfs[key] = pages

    def tidy(self) -> None:
        """Remove what a build killed while writing the cache left (``manifest.json.PID``,
        ``KEY.pdf.PID``): only whole files ever carry the cache's own names."""
        for folder in (self.folder, self.folder / "pdf"):
            if folder.is_dir() and not folder.is_symlink():
                for path in folder.iterdir():
                    if _PARTIAL.search(path.name) and path.is_file():
                        path.unlink(missing_ok=True)

    def search_index(self, key: str, output: Path) -> dict | None:
        """The last build's search index, ``{"keys": [...], "files": {path: sha}}``, if it
        was made under ``key`` and every file of it is untouched on disk; else None."""
        record = self.previous_search
        if not self.enabled or not key or key not in record.get("keys", ()):
            return None
        files = record.get("files")
        if not isinstance(files, dict) or not files:
            return None
        if not all(self.reusable(output, path, sha) for path, sha in files.items()):
            return None
        return {"keys": list(record["keys"]), "files": dict(files)}

    def searched_text(self, tag: str) -> dict[str, str]:
        """What the last build gave Pagefind for each page, by the page's SHA-256; empty
        when there is none, or it was made another way (``tag``)."""
        if not self.enabled:
            return {}
        if self.previous_search_text is None:
            self.previous_search_text = {}
            try:
                kept = json.loads((self.folder / SEARCH_TEXT).read_text(encoding="utf-8"))
                if kept["tag"] == tag and isinstance(kept["pages"], dict):
                    self.previous_search_text = kept["pages"]
            except (OSError, ValueError, KeyError, TypeError):
                pass
        return self.previous_search_text

    def remember_search(self, keys: Iterable[str], files: Mapping[str, str],
                        text: Mapping[str, str], tag: str) -> None:
        """This build's search index (``files``: {path: sha}) under its ``keys``, and the
        text given to Pagefind for each page ({page sha: text})."""
        self.search = {"keys": list(keys), "files": dict(sorted(files.items()))}
        self.search_text = {"tag": tag, "pages": dict(sorted(text.items()))}

    def save(self, inputs: str, output: Path, hashes: Mapping[str, str],
             render_keys: Mapping[str, str], base_url: str = "") -> None:
        """Record this build; PDFs it did not use are dropped so the cache cannot grow.
        ``base_url`` is the one the build was made for: check reads the build as it was built."""
        files = {}
        for path, sha in hashes.items():
            stat = (output / path).stat()
            files[path] = [sha, stat.st_size, stat.st_mtime_ns, render_keys.get(path, "")]
        self.folder.mkdir(parents=True, exist_ok=True)
        pdf_folder = self.folder / "pdf"
        if pdf_folder.is_dir():
            for cached in pdf_folder.iterdir():
                if cached.stem not in self.used_pdfs:
                    cached.unlink(missing_ok=True)
        manifest = {"inputs": inputs, "files": files, "pdfs": dict(sorted(self.used_pdfs.items())),
                    "search": self.search, "base_url": base_url}
        if self.search_text:
            self._replace(SEARCH_TEXT, json.dumps(self.search_text))
        self._replace(MANIFEST, json.dumps(manifest, sort_keys=True))

    def _replace(self, name: str, text: str) -> None:
        _write_whole(self.folder / name, text.encode("utf-8"))


def built_base_url(output: Path) -> str | None:
    """The base URL the build in ``output`` was made for, as its manifest recorded it; None
    when no build of kfh-site's left one (or it was deleted)."""
    try:
        manifest = json.loads((output.parent / f".{output.name}.kfh-cache" / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    base = manifest.get("base_url") if isinstance(manifest, dict) else None
    return base if isinstance(base, str) and base else None


_PARTIAL = re.compile(r"\.\d+$")
"""A file being written: its final name and the writing process's id."""


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all: a full disk or a kill leaves at most a
    ``NAME.PID`` file, which ``tidy`` removes, never a short file under the real name."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
