"""Checks of a finished build, as it will be served: links, titles, headings, text
alternatives, table headers. Used by ``kfh-site check`` and by the test suite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

HOST = "http://kfh-check.invalid"
LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"),
                   ("source", "src"), ("iframe", "src"), ("use", "href"), ("image", "href")}


@dataclass
class PageFacts:
    """What one HTML page holds that the checks look at."""

    lang: str | None = None
    title: str = ""
    h1: int = 0
    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, str]] = field(default_factory=list)  # (tag, url)
    images_without_alt: int = 0
    svgs_without_name: int = 0
    tables_without_headers: int = 0


class _FactParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self._in_title = False
        self._svg_depth = 0  # an SVG's <title> is its text alternative, not the page title
        self._table_stack: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "html":
            self.facts.lang = a.get("lang")
        elif tag == "title" and not self._svg_depth:
            self._in_title = True
        elif tag == "h1":
            self.facts.h1 += 1
        elif tag == "img" and "alt" not in a:
            self.facts.images_without_alt += 1
        elif tag == "svg":
            if a.get("aria-hidden") != "true" and not (a.get("aria-label") or a.get("aria-labelledby")):
                self.facts.svgs_without_name += 1
            self._svg_depth += 1
        elif tag == "table":
            self._table_stack.append(False)
        elif tag == "th" and self._table_stack:
            self._table_stack[-1] = True
        if "id" in a:
            self.facts.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.facts.ids.add(a["name"])
        for attr in ("href", "src", "xlink:href"):
            if (tag, attr.split(":")[-1]) in LINK_ATTRIBUTES and a.get(attr):
                self.facts.links.append((tag, a[attr]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "svg":
            self._svg_depth = max(0, self._svg_depth - 1)
        elif tag == "table" and self._table_stack:
            if not self._table_stack.pop():
                self.facts.tables_without_headers += 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.facts.title += data


def page_facts(html: str) -> PageFacts:
    parser = _FactParser()
    parser.feed(html)
    parser.close()
    parser.facts.title = " ".join(parser.facts.title.split())
    return parser.facts


def html_pages(build: Path) -> list[Path]:
    return sorted(p for p in build.rglob("*.html") if p.is_file())


def served_url(build: Path, page: Path, base_path: str) -> str:
    return HOST + base_path + page.relative_to(build).as_posix()


def resolve(build: Path, base_path: str, page_url: str, link: str) -> tuple[Path | None, str, str]:
    """Where ``link`` on the page served at ``page_url`` lands in ``build``.

    Returns (file or None, fragment, reason). External links return (None, "", "").
    """
    target = urljoin(page_url, link)
    parts = urlsplit(target)
    if f"{parts.scheme}://{parts.netloc}" != HOST:
        return None, "", ""
    path = unquote(parts.path)
    if not path.startswith(base_path):
        return None, parts.fragment, f"leaves the site's base path {base_path} (it resolves to {path})"
    relative = path[len(base_path):]
    file = build / relative
    if relative == "" or relative.endswith("/"):
        file = file / "index.html"
    if not file.resolve().is_relative_to(build.resolve()):
        return None, parts.fragment, "points outside the build folder"
    if not file.is_file():
        return None, parts.fragment, f"does not exist ({relative or 'index.html'})"
    return file, parts.fragment, ""


@dataclass(frozen=True)
class Finding:
    page: str
    message: str


def check_site(build: Path, base_path: str = "/") -> list[Finding]:
    """Structural checks on every HTML page of a build served under ``base_path``."""
    findings: list[Finding] = []
    facts = {page: page_facts(page.read_text(encoding="utf-8")) for page in html_pages(build)}
    for page, f in facts.items():
        name = page.relative_to(build).as_posix()
        if not f.lang:
            findings.append(Finding(name, "the html element has no lang attribute"))
        if not f.title:
            findings.append(Finding(name, "the page has no title"))
        if f.h1 != 1:
            findings.append(Finding(name, f"expected one h1, found {f.h1}"))
        if f.images_without_alt:
            findings.append(Finding(name, f"{f.images_without_alt} image(s) without an alt attribute"))
        if f.svgs_without_name:
            findings.append(Finding(name, f"{f.svgs_without_name} chart(s) without a text alternative"))
        if f.tables_without_headers:
            findings.append(Finding(name, f"{f.tables_without_headers} table(s) without header cells"))
        page_url = served_url(build, page, base_path)
        for _tag, link in f.links:
            file, fragment, reason = resolve(build, base_path, page_url, link)
            if reason:
                findings.append(Finding(name, f"broken link {link!r}: {reason}"))
            elif file is not None and fragment and file.suffix == ".html":
                target = facts.get(file) or page_facts(file.read_text(encoding="utf-8"))
                if unquote(fragment) not in target.ids:
                    findings.append(Finding(name, f"broken link {link!r}: no id {fragment!r} on that page"))
    return findings


def check_pdfs(build: Path) -> list[Finding]:
    """Every PDF is tagged, names its language and shows its title."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError
    from pypdf.generic import DictionaryObject

    findings = []
    for path in sorted(build.rglob("*.pdf")):
        name = path.relative_to(build).as_posix()
        try:
            reader = PdfReader(path)
            root = reader.trailer["/Root"]
        except (PdfReadError, OSError, KeyError, ValueError) as exc:
            findings.append(Finding(name, f"not a readable PDF ({exc})"))
            continue
        if not isinstance(root, DictionaryObject):
            findings.append(Finding(name, "not a readable PDF (its /Root is not a dictionary)"))
            continue
        mark_info = root.get("/MarkInfo")
        if "/StructTreeRoot" not in root or not (mark_info and mark_info.get_object().get("/Marked")):
            findings.append(Finding(name, "the PDF is not tagged (no structure tree or MarkInfo /Marked)"))
        if not str(root.get("/Lang", "")).strip():
            findings.append(Finding(name, "the PDF does not name its language (/Lang)"))
        metadata = reader.metadata
        title = metadata.get("/Title") if metadata is not None else None
        if not title or not str(title).strip():
            findings.append(Finding(name, "the PDF has no title"))
        preferences = root.get("/ViewerPreferences")
        if not (preferences and preferences.get_object().get("/DisplayDocTitle")):
            findings.append(Finding(name, "the PDF does not ask viewers to show its title (DisplayDocTitle)"))
    return findings


@dataclass(frozen=True)
class CheckReport:
    build: Path
    base_path: str
    pages: int
    pdfs: int
    findings: tuple[Finding, ...]
    browser_note: str

    @property
    def passed(self) -> bool:
        return not self.findings

    def text(self) -> str:
        lines = [f"Checked {self.pages} pages and {self.pdfs} PDFs in {self.build} as served from {self.base_path}",
                 self.browser_note]
        by_page: dict[str, list[str]] = {}
        for finding in self.findings:
            by_page.setdefault(finding.page, []).append(finding.message)
        for page in sorted(by_page):
            lines += ["", page, *(f"  - {message}" for message in by_page[page])]
        count = len(self.findings)
        lines += ["", "All checks passed." if not count else
                  f"{count} {'problem' if count == 1 else 'problems'} on {len(by_page)} "
                  f"{'page' if len(by_page) == 1 else 'pages'}: fix them before publishing."]
        return "\n".join(lines)


def check_build(build: Path, base_path: str = "/", browser: bool = True) -> CheckReport:
    """Every check of a finished build: structure, links, PDFs and, where a browser is
    available, axe-core at a desktop width and at 320 CSS pixels, where the page must
    not scroll sideways either."""
    from kfh_site.errors import KfhError

    if not (build / "index.html").is_file():
        raise KfhError(f"{build}: no built site here (no index.html); run kfh-site build first")
    pages = html_pages(build)
    findings = check_site(build, base_path) + check_pdfs(build)
    note = "Browser checks (axe-core in Chromium): not run, as asked (--no-browser)."
    if browser:
        from kfh_site import browser as web

        missing = web.browser_unavailable()
        if missing:
            note = f"Browser checks (axe-core in Chromium): NOT RUN: {missing}."
        else:
            relative = [p.relative_to(build).as_posix() for p in pages]
            with web.serve(build, base_path) as url, web.chromium() as chromium:
                violations = web.run_axe(chromium, url, relative)
            findings += [Finding(v.page, str(v)) for v in violations]
            note = (f"Browser checks: axe-core {', '.join(web.WCAG_TAGS)} at "
                    f"{' and '.join(f'{w}px' for w in web.WIDTHS)}: run. "
                    f"Sideways scrolling at {web.REFLOW_WIDTH}px: checked.")
    return CheckReport(build, base_path, len(pages), len(list(build.rglob("*.pdf"))),
                       tuple(sorted(findings, key=lambda f: (f.page, f.message))), note)
