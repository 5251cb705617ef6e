"""The search stage: finished pages in, a Pagefind index out, so the site can be searched
with no server.

Pagefind (installed from PyPI with its binary, ``pagefind[bin]``) is given each page's
``<main>`` (``data-pagefind-body``) and returns the index as files under ``pagefind/``,
which the one writer puts in the build like any other output. The browser side is
``templates/assets/search.js``, on Pagefind's JS API.

Pagefind is given only what it indexes of each page (see ``searchable_html``), and the
index depends only on that (and the Pagefind version): when it did not change, the
previous build's index files are reused without starting Pagefind at all.
"""

from __future__ import annotations

import asyncio
import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Mapping

from kfh_site import __version__
from kfh_site.output.cache import BuildCache, package_version, sha256
from kfh_site.output.context import BuildContext, Made, RenderedPages
from kfh_site.output.write import Unchanged, Written

FOLDER = "pagefind"
NOT_INDEXED = frozenset({"404.html", "search.html"})  # served anywhere / the search itself
# Pagefind's own ready-made interfaces: the site uses its JS API through search.js instead.
UNUSED_FILES = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.js")
STAGE_VERSION = "1"  # bump when what is fed to Pagefind changes
TEXT_TAG = f"kfh-site {__version__}, search stage {STAGE_VERSION}"  # who trimmed the kept text


def is_indexed(path: str) -> bool:
    """Search finds every page but the 404 page (served anywhere) and the search page itself."""
    return path.endswith(".html") and path not in NOT_INDEXED


def indexed_pages(pages: Mapping[str, Any]) -> list[str]:
    """The pages search finds, in a fixed order (the index is then byte-identical)."""
    return sorted(p for p in pages if is_indexed(p))


def plan(ctx: BuildContext) -> Made:
    """The index of the pages just planned (the ``pages`` kind's :class:`RenderedPages`)."""
    rendered: RenderedPages = ctx.about["pages"]
    return Made.of(search_index(rendered.files, ctx.config.paths.output, ctx.cache, rendered.search_text,
                                ctx.fresh.path), "the search index")


def search_index(pages: Mapping[str, bytes | Unchanged | Written], output: Path, cache: BuildCache,
                 known_text: Mapping[str, str] | None = None, fresh: Path | None = None
                 ) -> dict[str, bytes | Unchanged]:
    """The index files for the finished ``pages`` (``Unchanged`` ones are in ``output``,
    ``Written`` ones in ``fresh``); ``known_text`` holds what is indexed of pages already
    trimmed (see ``searchable_html``), by their SHA-256.

    The previous build's index is reused when the indexed pages' bytes are the same or,
    failing that, when the text Pagefind would be given is: an edit to the page frame, or
    to figures search does not index, costs no new index. The text of a page the last
    build also had comes from the cache, so only pages rendered again are read.
    """
    paths = indexed_pages(pages)
    hashes = {p: _sha(pages[p]) for p in paths}
    known = {**cache.searched_text(TEXT_TAG), **(known_text or {})}
    text = {sha: known[sha] for sha in hashes.values() if sha in known}
    by_bytes = index_key("pages", hashes)
    previous = cache.search_index(by_bytes, output)
    if previous is None:
        for path, sha in hashes.items():
            if sha not in text:
                text[sha] = searchable_html(_page_bytes(pages[path], output, fresh, path))
        documents = {path: text[sha] for path, sha in hashes.items()}
        by_text = index_key("text", {p: sha256(html.encode()) for p, html in documents.items()})
        previous = cache.search_index(by_text, output)
        if previous is None:
            files = pagefind_files(documents)
            cache.remember_search((by_bytes, by_text), {path: sha256(data) for path, data in files.items()},
                                  text, TEXT_TAG)
            return dict(files)
        previous["keys"] = [by_bytes, by_text]
    cache.remember_search(previous["keys"], previous["files"], text, TEXT_TAG)
    return {path: Unchanged(sha) for path, sha in previous["files"].items()}


def index_key(kind: str, hashes: Mapping[str, str]) -> str:
    """One hash over what the index is made from (each page's bytes, or the text given
    to Pagefind), the Pagefind version and this stage's own version."""
    versions = [package_version(name) for name in ("pagefind", "pagefind_bin")]
    return sha256(json.dumps({"kind": kind, "pagefind": versions, "stage": STAGE_VERSION,
                              "pages": dict(sorted(hashes.items()))}).encode())


def index_files(pages: Mapping[str, bytes]) -> dict[str, bytes]:
    """Pagefind's index of ``pages`` ({path: finished HTML}), as {output path: bytes}."""
    return pagefind_files({path: searchable_html(html) for path, html in pages.items()})


def pagefind_files(documents: Mapping[str, str]) -> dict[str, bytes]:
    """Pagefind's index of ``documents`` ({path: HTML to index}), as {output path: bytes}.

    Each page's URL is its path, relative: the search script gives Pagefind the site's
    base at run time, so results work wherever the site is served.
    """
    # Pagefind's client is asyncio. A build may itself run inside an event loop (a test
    # driving Playwright, a notebook), so the client gets a thread and a loop of its own.
    from kfh_site.search.pagefind_client import run_pagefind  # Pagefind's client loads only when an index is made

    with ThreadPoolExecutor(1, thread_name_prefix="pagefind") as thread:
        produced = thread.submit(asyncio.run, run_pagefind(sorted(documents.items()))).result()
    return {
        f"{FOLDER}/{name}": data
        for name, data in sorted(produced.items())
        if not name.startswith(UNUSED_FILES)
    }


# --- what Pagefind reads ---------------------------------------------------------------

_HTML_TAG = re.compile(rb"<html\b[^>]*>", re.IGNORECASE)
_IGNORE_ALL = b'data-pagefind-ignore="all"'
_TAG_NAME = re.compile(rb"<([a-zA-Z][a-zA-Z0-9-]*)")


def searchable_html(page: bytes) -> str:
    """Only what Pagefind would index of ``page``: its ``<html>`` tag (for the language)
    and its ``<main>``, less the elements marked ``data-pagefind-ignore="all"``.

    Pagefind then reads a tenth of the HTML (charts and tables are most of a page) and
    makes exactly the index it would make from the whole page; a test holds it to that.
    A page with no ``<main>`` is given whole.
    """
    start, end = page.find(b"<main"), page.rfind(b"</main>")
    if start < 0 or end < start:
        return page.decode("utf-8")
    html_tag = _HTML_TAG.search(page, 0, start)
    main = _without_ignored(page[start:end + len(b"</main>")])
    opening = html_tag.group(0) if html_tag else b"<html>"
    return (b"<!DOCTYPE html>" + opening + b"<body>" + main + b"</body></html>").decode("utf-8")


def _without_ignored(html: bytes) -> bytes:
    """``html`` less every element marked ``data-pagefind-ignore="all"`` (as the templates
    write it). An element whose end cannot be found is left in: Pagefind skips it itself."""
    kept: list[bytes] = []
    position = 0
    while (marker := html.find(_IGNORE_ALL, position)) >= 0:
        start = html.rfind(b"<", position, marker)
        name = _TAG_NAME.match(html, start) if start >= 0 else None
        end = _element_end(html, name.group(1), html.find(b">", marker) + 1) if name else None
        if end is None:
            kept.append(html[position:marker + len(_IGNORE_ALL)])
            position = marker + len(_IGNORE_ALL)
            continue
        kept.append(html[position:start])
        position = end
    kept.append(html[position:])
    return b"".join(kept)


def _element_end(html: bytes, tag: bytes, after: int) -> int | None:
    """Where the element whose start tag ends at ``after`` closes, counting nested
    elements of the same name."""
    depth = 1
    for match in re.compile(rb"<(/?)" + re.escape(tag) + rb"[\s>/]", re.IGNORECASE).finditer(html, after):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            close = html.find(b">", match.start())
            return close + 1 if close >= 0 else None
    return None


def _page_bytes(page: bytes | Unchanged | Written, output: Path, fresh: Path | None, path: str) -> bytes:
    if isinstance(page, Unchanged):
        return (output / path).read_bytes()
    if isinstance(page, Written):
        assert fresh is not None, "a page written into the fresh folder, without the folder"
        return (fresh / path).read_bytes()
    return page


def _sha(page: bytes | Unchanged | Written) -> str:
    return page.sha if isinstance(page, (Unchanged, Written)) else sha256(page)
