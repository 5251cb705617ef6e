"""content/*.md with YAML front matter -> Page objects.

A broken front matter block is an error naming the file and line, never a page
rendered with its metadata missing (the trap MkDocs falls into).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape as html_escape, unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote, urlsplit

import markdown
import nh3
import yaml

from kfh_site.errors import ContentError

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", re.S | re.M)
REQUIRED_KEYS = {"title": str, "summary": str, "nav_order": int}
OPTIONAL_KEYS = {"nav_title": str}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RESERVED_SLUGS = {"index", "404", "data", "sitemap", "regions", "organisations", "pdf", "downloads", "assets"}

# Tags and attributes Python-Markdown produces with our extensions; anything else in
# raw HTML is removed unless the config trusts its authors (allow_raw_html).
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "img", "figure", "figcaption",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"align", "colspan", "rowspan", "style"},
    "th": {"align", "colspan", "rowspan", "scope", "style"},
    "ol": {"start"},
}
TOC_MIN_SECTIONS = 3
MARKDOWN_EXTENSIONS = ["tables", "footnotes", "abbr", "toc", "attr_list", "sane_lists"]


@dataclass(frozen=True)
class Page:
    """A content page, rendered to HTML and ready for a template."""

    slug: str
    title: str
    summary: str
    nav_order: int
    nav_title: str
    html: str
    source: str
    images: tuple[str, ...] = ()
    """Image files the page shows, relative to content/; published beside the page."""
    toc_html: str = ""
    """A list of the page's sections, for pages with three or more."""

    @property
    def path(self) -> str:
        return f"{self.slug}.html"


def load_pages(folder: Path, root: Path, abbreviations: Mapping[str, str],
               allow_raw_html: bool = False) -> list[Page]:
    """Every .md file in ``folder``, in navigation order."""
    if not folder.is_dir():
        return []
    pages = [
        read_page(path, root, abbreviations, allow_raw_html)
        for path in sorted(folder.glob("*.md"))
    ]
    return sorted(pages, key=lambda p: (p.nav_order, p.slug))


def read_page(path: Path, root: Path, abbreviations: Mapping[str, str],
              allow_raw_html: bool = False) -> Page:
    name = _display(path, root)
    slug = path.stem.lower()
    if not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise ContentError(
            f"{name}: the file name makes the page address {slug}.html; use lower-case letters, "
            f"digits and hyphens, and not one of {', '.join(sorted(RESERVED_SLUGS))}"
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    meta, body = split_front_matter(text, name)
    converter = markdown.Markdown(
        extensions=MARKDOWN_EXTENSIONS,
        extension_configs={
            "abbr": {"glossary": dict(abbreviations)},
            "toc": {"permalink": False},
            "footnotes": {"BACKLINK_TITLE": "Back to reference %d"},
        },
        output_format="html",
    )
    html = converter.convert(body)
    if not allow_raw_html:
        html = nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel=None,
        )
    images = local_images(html, path.parent, root, name)
    html = scrollable_tables(with_image_sizes(html, path.parent))
    sections = converter.toc_tokens  # type: ignore[attr-defined]
    toc_html = ""
    if len(sections) >= TOC_MIN_SECTIONS:
        toc_html = converter.toc.replace('<div class="toc">', "").replace("</div>", "").strip()  # type: ignore[attr-defined]
    return Page(
        slug=slug,
        title=meta["title"],
        summary=meta["summary"],
        nav_order=meta["nav_order"],
        nav_title=meta.get("nav_title", meta["title"]),
        html=html,
        source=name,
        images=images,
        toc_html=toc_html,
    )


class _ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.extend(v or "" for k, v in attrs if k == "src")


def local_images(html: str, folder: Path, root: Path, name: str) -> tuple[str, ...]:
    """Every image a page shows must be a file inside content/: the site works offline
    and the build fetches nothing. Returns their paths relative to ``folder``."""
    parser = _ImageSources()
    parser.feed(html)
    found = []
    for source in parser.sources:
        parts = urlsplit(source)
        if parts.scheme or parts.netloc:
            raise ContentError(
                f"{name}: the image {source} is not part of the project. kfh-site fetches nothing "
                "from the network; save the image in content/ and link to it there"
            )
        target = (folder / unquote(parts.path)).resolve()
        if not target.is_relative_to(folder.resolve()):
            raise ContentError(f"{name}: the image {source} is outside the content folder; images must be inside content/")
        if not target.is_file():
            raise ContentError(f"{name}: the image {source} does not exist in the content folder")
        found.append(target.relative_to(folder.resolve()).as_posix())
    return tuple(sorted(set(found)))


IMG_TAG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.I)
SRC_ATTRIBUTE = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
SIZE_ATTRIBUTE = re.compile(r"\s(?:width|height)\s*=", re.I)


def with_image_sizes(html: str, folder: Path) -> str:
    """Give each local image its width and height as published (images.py may make it
    smaller), so the browser keeps its space before it loads and the page does not jump.
    Sizes the author wrote are kept."""
    from kfh_site.images import shown_size

    def sized(match: re.Match[str]) -> str:
        tag = match.group(0)
        source = SRC_ATTRIBUTE.search(tag)
        if not source or SIZE_ATTRIBUTE.search(tag):
            return tag
        value = html_unescape(next(g for g in source.groups() if g is not None))
        size = shown_size(folder / unquote(urlsplit(value).path))
        if size is None:
            return tag
        end = len(tag) - (2 if tag.endswith("/>") else 1)
        return f'{tag[:end].rstrip()} width="{size[0]}" height="{size[1]}"{tag[end:]}'

    return IMG_TAG.sub(sized, html)


TABLE = re.compile(r"""(<div\b[^>]*\bclass="[^"]*\btable-scroll\b[^"]*"[^>]*>\s*)?<table\b.*?</table>""", re.S | re.I)
HEADER_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")


def scrollable_tables(html: str) -> str:
    """Put each table in a labelled region that scrolls on its own, as the site's own
    tables are, so a wide table never makes the page scroll sideways at 320 pixels
    (WCAG 1.4.10). The label names the table by its column headings. A table already in
    such a region is left as it is."""

    def wrapped(match: re.Match[str]) -> str:
        if match.group(1):
            return match.group(0)
        table = match.group(0)
        head = table.split("</thead>", 1)[0] if "</thead>" in table else ""
        columns = [" ".join(html_unescape(TAG.sub("", cell)).split()) for cell in HEADER_CELL.findall(head)]
        label = "Table: " + ", ".join(c for c in columns if c) if any(columns) else "Table"
        return (f'<div class="table-scroll" role="region" aria-label="{html_escape(label)}" tabindex="0">\n'
                f"{table}\n</div>")

    return TABLE.sub(wrapped, html)


def split_front_matter(text: str, name: str) -> tuple[dict, str]:
    """Parse and check the ``---`` block; return (metadata, body)."""
    match = FRONT_MATTER.match(text)
    if not match:
        raise ContentError(
            f"{name}, line 1: expected front matter between two '---' lines at the top, "
            "with title, summary and nav_order"
        )
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 2}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"{name}{line}: front matter is not valid YAML ({problem})") from None
    if not isinstance(meta, dict):
        raise ContentError(f"{name}, line 2: front matter must be key: value lines")
    problems = []
    for key, wanted in REQUIRED_KEYS.items():
        if key not in meta:
            problems.append(f"missing {key!r}")
        elif not isinstance(meta[key], wanted) or isinstance(meta[key], bool) or meta[key] == "":
            problems.append(f"{key!r} must be {'a whole number' if wanted is int else 'text'}, got {meta[key]!r}")
    for key in meta:
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            problems.append(f"unknown key {key!r} (known: {', '.join([*REQUIRED_KEYS, *OPTIONAL_KEYS])})")
        elif key in OPTIONAL_KEYS and not isinstance(meta[key], OPTIONAL_KEYS[key]):
            problems.append(f"{key!r} must be text, got {meta[key]!r}")
    if problems:
        raise ContentError(f"{name}, front matter: " + "; ".join(problems))
    return meta, text[match.end():]


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
