"""content/**/*.md, with or without YAML front matter -> Page objects.

A page needs only a title: from its front matter, or from its first ``# heading``.
Pages in a folder of content/ form a section (content/blog/post.md -> blog/post.html).
A broken front matter block is an error naming the file and line, never a page
rendered with its metadata missing (the trap MkDocs falls into).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote, urlsplit

import markdown
import nh3
import yaml

from kfh_site.errors import ContentError
from kfh_site.html.markdown_ext import PageExtension, PageFacts
from kfh_site.project_files import files_in
from kfh_site.returns.contract import display_name

FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?", re.S | re.M)
FRONT_MATTER_START = re.compile(r"\A---[ \t]*\r?\n")
KEYS = {"title": str, "summary": str, "nav_order": int, "nav_title": str}
"""Every front matter key; none is required, but a page needs a title from somewhere."""
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
RESERVED_SLUGS = {"index", "404", "data", "sitemap", "regions", "organisations", "pdf", "downloads", "assets",
                  "search"}
"""Names the site uses at the top level: no page or section may take them."""
LANDING = "index"
"""content/<section>/index.md is the section's landing page."""
DESCRIPTION_LENGTH = 160
PAGE_MOST = 128 * 1024
"""Bytes of Markdown one content page may hold: far more than a report's page needs, and
little enough that no page, however written, keeps Markdown busy for minutes (emphasis
markers by the hundred thousand take it quadratic time)."""

# Tags and attributes Python-Markdown produces with our extensions; anything else in
# raw HTML is removed unless the config trusts its authors (allow_raw_html). No ``style``
# anywhere: one inline style can lay a fake page over the real one or fetch from another
# site (column alignment becomes a class in markdown_ext.py instead).
ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
    "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "span", "strong", "sub", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "img", "figure", "figcaption",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "div": {"aria-labelledby", "aria-label"},
    "a": {"href", "hreflang"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "table": {"aria-labelledby", "aria-label"},
    "ol": {"start"},
}
# The table scroll region (markdown_ext.py): these attributes, with exactly these values.
ALLOWED_ATTRIBUTE_VALUES = {"div": {"role": {"region"}, "tabindex": {"0"}}}
TOC_MIN_SECTIONS = 3
MARKDOWN_EXTENSIONS = ["tables", "footnotes", "abbr", "toc", "attr_list", "sane_lists"]


@dataclass(frozen=True)
class Page:
    """A content page, rendered to HTML and ready for a template."""

    slug: str
    """The file name without .md; ``index`` for a section's landing page."""
    title: str
    summary: str
    """The author's summary, shown as the lead paragraph; empty when there is none."""
    nav_order: int | None
    nav_title: str
    html: str
    source: str
    description: str = ""
    """For search engines: the summary, else the first paragraph shortened, else the title."""
    section: str = ""
    """The folder of content/ the page is in; empty for a top-level page."""
    images: tuple[str, ...] = ()
    """Image files the page shows, relative to content/; published at the same place."""
    toc_html: str = ""
    """A list of the page's sections, for pages with three or more."""

    @property
    def key(self) -> str:
        """The page's address without .html: ``methodology``, ``blog/post``."""
        return f"{self.section}/{self.slug}" if self.section else self.slug

    @property
    def path(self) -> str:
        """Where the page is published."""
        return f"{self.key}.html"


@dataclass(frozen=True)
class Section:
    """A folder of content/ with pages in it: one entry in the main navigation."""

    name: str
    landing: Page | None
    """content/<name>/index.md; without it the site makes an index of the pages."""
    pages: tuple[Page, ...]
    """The section's other pages, in navigation order."""

    @property
    def path(self) -> str:
        """Where the section's index is published."""
        return f"{self.name}/index.html"

    @property
    def title(self) -> str:
        """The landing page's title, else the folder's name made readable."""
        return self.landing.title if self.landing else self.name.replace("-", " ").capitalize()

    @property
    def nav_title(self) -> str:
        """The section's name in navigation."""
        return self.landing.nav_title if self.landing else self.title

    @property
    def summary(self) -> str:
        """What the section's landing page says of it, for the navigation."""
        return self.landing.summary if self.landing else ""

    @property
    def nav_order(self) -> int | None:
        """The section's place in the navigation, from its landing page."""
        return self.landing.nav_order if self.landing else None


def with_own_page(pages: list[Page], slug: str, markdown: str, abbreviations: Mapping[str, str]) -> list[Page]:
    """The project's pages, and kfh-site's own page ``slug`` (written from ``markdown``)
    unless the project has a page of that name: a team's own words always win."""
    if any(page.key == slug for page in pages):
        return pages
    return [*pages, page_from_markdown(markdown, f"kfh-site's own page {slug}.html", slug, abbreviations)]


def load_pages(folder: Path, root: Path, abbreviations: Mapping[str, str],
               allow_raw_html: bool = False) -> list[Page]:
    """Every .md file under ``folder``: the top-level pages in navigation order, then
    each section's landing page and pages.

    Pages may be one folder deep (content/<section>/<page>.md). A page deeper than that
    is an error, not skipped: a page that silently never appears is worse than a message.
    """
    if not folder.is_dir():
        return []
    files = [p for p in files_in(folder, root) if p.suffix.lower() == ".md"]
    section_names = set()
    for path in files:
        parts = path.relative_to(folder).parts
        if len(parts) > 2:
            name = display_name(path, root)
            raise ContentError(
                f"{name}: pages can be at most one folder deep in the content folder, as in "
                f"{folder.name}/{parts[0]}/{path.name}; move the file up into {folder.name}/{parts[0]}/"
            )
        if len(parts) == 2:
            section_names.add(parts[0])
            check_section_name(path.parent, root)
    for path in files:
        if path.parent == folder and path.stem.lower() in section_names:
            raise ContentError(
                f"{display_name(path, root)}: the page and the folder {path.stem.lower()}/ would both be "
                f"{path.stem.lower()}; rename one, or move the page to {path.stem.lower()}/index.md to make it "
                "the folder's landing page"
            )
    pages = [
        read_page(path, root, abbreviations, allow_raw_html, content=folder,
                  section="" if path.parent == folder else path.parent.name)
        for path in files
    ]
    return sorted(pages, key=lambda p: (p.section, p.slug != LANDING, *nav_position(p)))


def nav_position(item: Page | Section) -> tuple:
    """Ordered pages first, by nav_order; then the others, by title."""
    order = item.nav_order
    return (order is None, order or 0, item.title.casefold(), item.path)


def sections(pages: list[Page]) -> list[Section]:
    """The sections the pages form, by name; each one's pages in navigation order."""
    found = []
    for name in sorted({p.section for p in pages if p.section}):
        members = [p for p in pages if p.section == name]
        landing = next((p for p in members if p.slug == LANDING), None)
        found.append(Section(name, landing, tuple(sorted((p for p in members if p is not landing),
                                                         key=nav_position))))
    return found


def check_section_name(folder: Path, root: Path) -> None:
    """A folder's name becomes an address: refuse one that is not a plain slug or that a built page already uses."""
    name = folder.name
    if not SLUG.match(name) or name in RESERVED_SLUGS:
        raise ContentError(
            f"{display_name(folder, root)}/: the folder name makes the section address {name}/; use lower-case "
            f"letters, digits and hyphens, and not one of {', '.join(sorted(RESERVED_SLUGS))}"
        )


def read_page(path: Path, root: Path, abbreviations: Mapping[str, str],
              allow_raw_html: bool = False, content: Path | None = None, section: str = "") -> Page:
    """One Markdown file as a Page. ``content`` is the content folder (images must be
    inside it; by default the file's own folder) and ``section`` the folder it is in."""
    name = display_name(path, root)
    slug = path.stem.lower()
    reserved = set() if section else RESERVED_SLUGS
    if not SLUG.match(slug) or slug in reserved:
        where = f"{section}/{slug}" if section else slug
        raise ContentError(
            f"{name}: the file name makes the page address {where}.html; use lower-case letters, "
            "digits and hyphens" + (f", and not one of {', '.join(sorted(reserved))}" if reserved else "")
        )
    size = path.stat().st_size
    if size > PAGE_MOST:
        raise ContentError(f"{name}: is {size / 1024:,.0f} KB, more than the {PAGE_MOST // 1024} KB of Markdown a "
                           "content page may hold (about 20,000 words): split it into several pages")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return page_from_markdown(text, name, slug, abbreviations, allow_raw_html, path.parent,
                              content or path.parent, section)


def page_from_markdown(text: str, name: str, slug: str, abbreviations: Mapping[str, str],
                       allow_raw_html: bool = False, folder: Path | None = None, content: Path | None = None,
                       section: str = "") -> Page:
    """Markdown text (front matter and body) as a Page: a file's, or one kfh-site writes
    itself (the About the data page a project without its own gets). ``folder`` is where
    the page's images are looked for; kfh-site's own pages have none."""
    folder = folder or Path(".")
    meta, body = split_front_matter(text, name)
    facts = PageFacts(title_wanted="title" not in meta, front_title=meta.get("title", ""))
    converter = markdown.Markdown(
        extensions=[*MARKDOWN_EXTENSIONS, PageExtension(facts)],
        extension_configs={
            "abbr": {"glossary": dict(abbreviations)},
            "toc": {"permalink": False},
            "footnotes": {"BACKLINK_TITLE": "Back to reference %d"},
        },
        output_format="html",
    )
    html = converter.convert(body)
    if facts.problems:
        raise ContentError(f"{name}: " + "; ".join(facts.problems))
    title = meta.get("title") or facts.title
    if not title:
        raise ContentError(
            f"{name}, front matter: missing 'title': start the page with a '# Title' line, or add "
            "front matter with 'title: ...' between two '---' lines at the top"
        )
    # Before the sanitiser, which would drop a file: or data: src and publish an empty image.
    images = local_images(html, folder, content or folder, name)
    if not allow_raw_html:
        html = nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
            url_schemes={"http", "https", "mailto"},
            link_rel=None,
        )
    html = with_image_sizes(html, folder)
    headings = converter.toc_tokens  # type: ignore[attr-defined]
    toc_html = ""
    if len(headings) >= TOC_MIN_SECTIONS:
        toc_html = converter.toc.replace('<div class="toc">', "").replace("</div>", "").strip()  # type: ignore[attr-defined]
    summary = meta.get("summary", "")
    return Page(
        slug=slug,
        title=title,
        summary=summary,
        nav_order=meta.get("nav_order"),
        nav_title=meta.get("nav_title", title),
        html=html,
        source=name,
        description=summary or shorten(facts.first_paragraph) or title,
        section=section,
        images=images,
        toc_html=toc_html,
    )


def shorten(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """At most ``limit`` characters, cut at a word, as search results show a description."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:.-\u2013\u2014 ")
    return f"{cut}\u2026"


class _ImageSources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.extend(v or "" for k, v in attrs if k == "src")


def local_images(html: str, folder: Path, content: Path, name: str) -> tuple[str, ...]:
    """Every image a page shows must be a file inside content/: the site works offline
    and the build fetches nothing. ``src`` is relative to the page's ``folder``, as in
    any Markdown editor; returns the paths relative to ``content``, where the image is
    published, so the page's link stays right."""
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
        if not target.is_relative_to(content.resolve()):
            raise ContentError(f"{name}: the image {source} is outside the content folder; images must be inside content/")
        if not target.is_file():
            raise ContentError(f"{name}: the image {source} does not exist in the content folder")
        found.append(target.relative_to(content.resolve()).as_posix())
    return tuple(sorted(set(found)))


IMG_TAG = re.compile(r"""<img\b(?:[^>"']|"[^"]*"|'[^']*')*>""", re.I)
SRC_ATTRIBUTE = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
SIZE_ATTRIBUTE = re.compile(r"\s(?:width|height)\s*=", re.I)


def with_image_sizes(html: str, folder: Path) -> str:
    """Give each local image its width and height as published (images.py may make it
    smaller), so the browser keeps its space before it loads and the page does not jump.
    Sizes the author wrote are kept."""
    from kfh_site.html.images import shown_size

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


FRONT_MATTER_MOST = 16 * 1024
"""Characters a front matter block may hold: four keys of a line each need a few hundred."""


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: front matter needs neither, and an alias of
    an alias of an alias (a "billion laughs") expands a few lines into gigabytes."""

    def fetch_anchor(self) -> None:
        raise yaml.scanner.ScannerError(None, None, "anchors (&name) are not allowed in front matter",
                                        self.get_mark())

    def fetch_alias(self) -> None:
        raise yaml.scanner.ScannerError(None, None, "aliases (*name) are not allowed in front matter",
                                        self.get_mark())


def split_front_matter(text: str, name: str) -> tuple[dict, str]:
    """Parse and check the ``---`` block, if there is one; return (metadata, body)."""
    if not FRONT_MATTER_START.match(text):
        return {}, text
    match = FRONT_MATTER.match(text[:FRONT_MATTER_MOST + 16])
    if not match:
        if FRONT_MATTER.match(text):
            raise ContentError(f"{name}, line 1: the front matter that starts here is longer than "
                               f"{FRONT_MATTER_MOST // 1024} KB; it holds a title, a summary and two short keys")
        raise ContentError(
            f"{name}, line 1: the front matter that starts here has no closing '---' line; "
            "end it with a line of three hyphens"
        )
    meta = _parse_front_matter(match.group(1), name)
    if not isinstance(meta, dict):
        raise ContentError(f"{name}, line 2: front matter must be key: value lines")
    _check_front_matter(meta, name)
    return meta, text[match.end():]


def _parse_front_matter(block: str, name: str) -> object:
    """The YAML of a front matter block; a mistake names its line in the page."""
    try:
        return yaml.load(block, Loader=_FrontMatterLoader) or {}  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f", line {mark.line + 2}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(f"{name}{line}: front matter is not valid YAML ({_brief(problem)})") from None
    except RecursionError:
        raise ContentError(f"{name}: front matter is nested too deeply to read") from None


def _check_front_matter(meta: Mapping, name: str) -> None:
    """Every key known and of its type; the first five problems named."""
    problems = []
    for key, value in meta.items():
        wanted = KEYS.get(key)
        if wanted is None:
            problems.append(f"unknown key {_brief(repr(key))} (known: {', '.join(KEYS)})")
        elif not isinstance(value, wanted) or isinstance(value, bool) or value == "":
            problems.append(f"{key!r} must be {'a whole number' if wanted is int else 'text'}, "
                            f"got {_brief(repr(value))}")
    if problems:
        raise ContentError(f"{name}, front matter: " + "; ".join(problems[:5])
                           + (f"; and {len(problems) - 5} more" if len(problems) > 5 else ""))


def _brief(text: str, limit: int = 80) -> str:
    """A value quoted in a message: a line, not the whole of what someone pasted."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
