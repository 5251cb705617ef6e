"""Checks of a finished build, as it will be served: links, titles, headings, text
alternatives, table headers, PDF tags and, in a browser, axe-core. Used by ``kfh-site
check`` and by the test suite.

Every page is read and parsed once, in a pool of worker processes (as are the PDFs) while
the browser checks run; the report is sorted by page, whatever order the work finished in.
What passed last time and has not changed is not checked again (see check_cache.py).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import signal
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urljoin, urlsplit

from kfh_site.check.browser import PAGE_DEADLINE
from kfh_site.check.passed import CheckCache, page_key
from kfh_site.output.workers import started, worker_pool

HOST = "http://kfh-check.invalid"
LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("img", "src"), ("script", "src"),
                   ("source", "src"), ("iframe", "src"), ("use", "href"), ("image", "href")}
PAGES_PER_TASK = 8  # pages parsed by one worker task: small enough that no core idles at the end
PDFS_PER_TASK = 2
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr", "param"})
# A page larger than this is reported as too large to check, and neither parsed nor loaded
# in the browser: axe on tens of megabytes of markup takes many minutes. The example's
# largest page is 90 kB; the list of 10,000 organisations is under 4 MB.
MAX_PAGE_BYTES = 10 * 1024 * 1024


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
    kinds: frozenset[str] = frozenset()  # its kinds of element where they stand: see _FactParser._shape


class _FactParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self._in_title = False
        self._svg_depth = 0  # an SVG's <title> is its text alternative, not the page title
        self._table_stack: list[bool] = []
        self._open: list[tuple[str, str]] = []   # (tag, its path from the root) of each open element
        self._shapes: set[str] = set()
        self._in_style = False
        self._self_closed = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Count what the checks need of each element, and note its ids and links."""
        a = {k: (v or "") for k, v in attrs}
        self._shape(tag, a, void=tag in VOID or self._self_closed)
        self._count(tag, a)
        if "id" in a:
            self.facts.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.facts.ids.add(a["name"])
        for attr in ("href", "src", "xlink:href"):
            if (tag, attr.split(":")[-1]) in LINK_ATTRIBUTES and a.get(attr):
                self.facts.links.append((tag, a[attr]))

    def _count(self, tag: str, a: dict[str, str]) -> None:
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

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A self-closed element (``<rect/>`` in an SVG) opens nothing."""
        self._self_closed = True
        self.handle_starttag(tag, attrs)
        self._self_closed = False
        self._close(tag)

    def _shape(self, tag: str, a: dict[str, str], void: bool) -> None:
        """Note the element's kind where it stands: its tag and classes (and style, and a
        stylesheet's address) under those of each element around it. Two pages with the
        same kinds of element in the same places, whatever their text and numbers, have
        the same colours on the same backgrounds."""
        kind = tag + "".join(f".{c}" for c in sorted(a.get("class", "").split()))
        if a.get("style"):
            kind += "{" + a["style"] + "}"
        if tag == "link" and a.get("rel") == "stylesheet":
            kind += "[" + a.get("href", "") + "]"
        path = (self._open[-1][1] + "/" if self._open else "") + kind
        self._shapes.add(path)
        if not void:
            self._open.append((tag, path))
        self._in_style = tag == "style"  # its text is what its pages look like

    def handle_endtag(self, tag: str) -> None:
        """Close what the end tag closes (and any element left open inside it)."""
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth][0] == tag:
                del self._open[depth:]
                break
        self._in_style = False
        self._close(tag)

    def _close(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "svg":
            self._svg_depth = max(0, self._svg_depth - 1)
        elif tag == "table" and self._table_stack:
            if not self._table_stack.pop():
                self.facts.tables_without_headers += 1

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._shapes.add("<style>" + data)
        if self._in_title:
            self.facts.title += data

    def kinds(self) -> frozenset[str]:
        """The page's kinds of element where they stand (see ``_shape``), each as a short hash."""
        return frozenset(hashlib.blake2b(shape.encode(), digest_size=8).hexdigest() for shape in self._shapes)


def page_facts(html: str) -> PageFacts:
    """What the static checks need of one page, read in one pass of the HTML."""
    parser = _FactParser()
    parser.feed(html)
    parser.close()
    parser.facts.title = " ".join(parser.facts.title.split())
    parser.facts.kinds = parser.kinds()
    return parser.facts


def html_pages(build: Path) -> list[Path]:
    """Every page of a build, in a fixed order so the report reads the same each time."""
    return sorted(p for p in build.rglob("*.html") if p.is_file())


def served_url(build: Path, page: Path, base_path: str) -> str:
    """The address a page will have once served from ``base_path``, so links resolve as a browser's would."""
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
    """One problem on one page (or PDF), as the report lists it."""
    page: str
    message: str


def check_site(build: Path, base_path: str = "/", workers: int | None = None) -> list[Finding]:
    """Structural checks on every HTML page of a build served under ``base_path``."""
    pages = html_pages(build)
    with worker_pool(workers, len(pages) // PAGES_PER_TASK) as pool:
        facts = started(pool, read_facts, pages, PAGES_PER_TASK)()
    return site_findings(build, base_path, dict(zip(pages, facts, strict=True)))


def too_large(page: Path) -> bool:
    """A page too large to parse is reported rather than read."""
    return page.stat().st_size > MAX_PAGE_BYTES


def read_facts(pages: Sequence[Path]) -> list[PageFacts | None]:
    """The facts of each page, None for a page too large to check (a worker's task)."""
    return [None if too_large(page) else page_facts(page.read_text(encoding="utf-8")) for page in pages]


def site_findings(build: Path, base_path: str, facts: dict[Path, PageFacts | None]) -> list[Finding]:
    """The problems on each page, from its facts; a link is followed once for each folder
    it appears from, however many pages hold it."""
    findings: list[Finding] = []
    followed: dict[tuple[str, str], tuple[Path | None, str, str]] = {}
    for page, f in facts.items():
        name = page.relative_to(build).as_posix()
        if f is None:
            findings.append(Finding(name, f"not checked: the page is {page.stat().st_size / 2**20:.1f} MB, larger "
                                          f"than the {MAX_PAGE_BYTES // 2**20} MB a page may be to be checked"))
            continue
        findings.extend(Finding(name, problem) for problem in page_problems(f))
        findings.extend(Finding(name, problem) for problem in link_problems(build, base_path, page, facts, followed))
    return findings


def page_problems(f: PageFacts) -> list[str]:
    """What is missing from one page: its language, title, one h1, text alternatives, headers."""
    problems = []
    if not f.lang:
        problems.append("the html element has no lang attribute")
    if not f.title:
        problems.append("the page has no title")
    if f.h1 != 1:
        problems.append(f"expected one h1, found {f.h1}")
    if f.images_without_alt:
        problems.append(f"{f.images_without_alt} image(s) without an alt attribute")
    if f.svgs_without_name:
        problems.append(f"{f.svgs_without_name} chart(s) without a text alternative")
    if f.tables_without_headers:
        problems.append(f"{f.tables_without_headers} table(s) without header cells")
    return problems


def link_problems(build: Path, base_path: str, page: Path, facts: dict[Path, PageFacts | None],
                  followed: dict[tuple[str, str], tuple[Path | None, str, str]]) -> list[str]:
    """The broken links on one page (``followed`` keeps where each link led, for every page)."""
    f = facts[page]
    assert f is not None
    problems = []
    page_url = served_url(build, page, base_path)
    folder_url = page_url.rsplit("/", 1)[0] + "/"
    for _tag, link in f.links:
        # A link to the page itself ("#id", "?q") depends on the page, any other on its folder.
        start = page_url if not link or link[0] in "#?" else folder_url
        if (start, link) not in followed:
            followed[start, link] = resolve(build, base_path, start, link)
        file, fragment, reason = followed[start, link]
        if reason:
            problems.append(f"broken link {link!r}: {reason}")
        elif file is not None and fragment and file.suffix == ".html":
            target = facts[file] if file in facts else (
                None if too_large(file) else page_facts(file.read_text(encoding="utf-8")))
            if target is not None and unquote(fragment) not in target.ids:
                problems.append(f"broken link {link!r}: no id {fragment!r} on that page")
    return problems


def built_pdfs(build: Path) -> list[Path]:
    """Every PDF of a build, in a fixed order."""
    return sorted(p for p in build.rglob("*.pdf") if p.is_file())


class PastDeadline(Exception):
    """Raised in the middle of work that took longer than it may."""


@contextlib.contextmanager
def deadline_of(seconds: float):
    """Interrupt the work inside after ``seconds`` with PastDeadline. Only a process's main
    thread can be interrupted (by SIGALRM), which is where the check's workers, and the
    check itself when it has no workers, run; elsewhere the work runs to its end."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(_signal: int, _frame: object) -> None:
        raise PastDeadline

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def pdf_findings(pdfs: Sequence[Path], build: Path, deadline: float = PAGE_DEADLINE) -> list[Finding]:
    """The problems of each PDF, each read within ``deadline`` seconds (a worker's task)."""
    findings = []
    for path in pdfs:
        name = path.relative_to(build).as_posix()
        try:
            with deadline_of(deadline):
                problems = pdf_problems(path)
        except PastDeadline:
            problems = [f"timed out: not read and checked within {deadline:g} seconds"]
        findings += [Finding(name, problem) for problem in problems]
    return findings


def pdf_problems(path: Path) -> list[str]:
    """What a PDF lacks for PDF/UA: tags, a language, its title shown; an unreadable file says so.
    pikepdf (qpdf) reads only the objects asked for: pypdf parsed the whole object stream
    holding the catalogue, 50 ms a PDF, most of a first check's time outside the browser."""
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            root = pdf.Root

            def flag(name: str, key: str) -> bool:
                value = root.get(name)
                return isinstance(value, pikepdf.Dictionary) and bool(value.get(key))

            held = ((("/StructTreeRoot" in root and flag("/MarkInfo", "/Marked")),
                     "the PDF is not tagged (no structure tree or MarkInfo /Marked)"),
                    (str(root.get("/Lang", "")).strip(), "the PDF does not name its language (/Lang)"),
                    (str(pdf.docinfo.get("/Title", "")).strip(), "the PDF has no title"),
                    (flag("/ViewerPreferences", "/DisplayDocTitle"),
                     "the PDF does not ask viewers to show its title (DisplayDocTitle)"))
    except (pikepdf.PdfError, OSError, ValueError) as exc:
        return [f"not a readable PDF ({exc})"]
    return [message for present, message in held if not present]


@dataclass(frozen=True)
class CheckReport:
    """Everything one check found, and what it left alone because it passed before."""
    build: Path
    base_path: str
    pages: int
    pdfs: int
    findings: tuple[Finding, ...]
    browser_note: str
    unchanged_pages: int = 0   # not checked in the browser again: unchanged since they passed
    unchanged_pdfs: int = 0
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """True when nothing was found: the build may be published."""
        return not self.findings

    def text(self) -> str:
        """The report as the command line prints it."""
        lines = [f"Checked {self.pages} pages and {self.pdfs} PDFs in {self.build} as served from {self.base_path}",
                 self.browser_note]
        unchanged = ([f"{self.unchanged_pages} of {self.pages} pages in the browser"] if self.unchanged_pages else []) + (
            [f"{self.unchanged_pdfs} of {self.pdfs} PDFs"] if self.unchanged_pdfs else [])
        if unchanged:
            lines.append(f"Unchanged since they last passed, so not checked again: {' and '.join(unchanged)} "
                         "(kfh-site check --all checks everything).")
        lines += self.notes
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


@dataclass(frozen=True)
class BrowserChecks:
    """What the browser checks found, which page passed at which width (with the files
    it loaded), and how many pages were left alone as unchanged."""

    note: str
    findings: tuple[Finding, ...] = ()
    passed: dict[str, tuple[str, ...]] | None = None   # page @width -> files; None: not run
    key: str = ""
    unchanged_pages: int = 0
    reviews: tuple[str, ...] = ()     # text whose contrast needs a person's eyes: listed, not failed


def check_build(build: Path, base_path: str = "/", browser: bool = True, check_all: bool = False,
                workers: int | None = None, deadline: float = PAGE_DEADLINE) -> CheckReport:
    """Every check of a finished build: structure, links, PDFs and, where a browser is
    available, axe-core at a desktop width and at 320 CSS pixels, where the page must
    not scroll sideways either. Pages and PDFs that passed last time and are unchanged
    are not checked again, unless ``check_all``. A page (at each width) or PDF not
    checked within ``deadline`` seconds is reported as timed out; a page larger than
    MAX_PAGE_BYTES is reported and not loaded."""
    from kfh_site.errors import KfhError

    if not (build / "index.html").is_file():
        raise KfhError(f"{build}: no built site here (no index.html); run kfh-site build first")
    pages = html_pages(build)
    pdfs = built_pdfs(build)
    cache = CheckCache.beside(build, use=not check_all)
    pdfs_to_check = [p for p in pdfs if not cache.pdf_passed(p.relative_to(build).as_posix())]
    tasks = len(pages) // PAGES_PER_TASK + len(pdfs_to_check) // PDFS_PER_TASK
    with worker_pool(workers, tasks) as pool:
        facts = started(pool, read_facts, pages, PAGES_PER_TASK)
        pdf_problems = started(pool, functools.partial(pdf_findings, build=build, deadline=deadline),
                               pdfs_to_check, PDFS_PER_TASK)
        # The pages are read first (the PDFs meanwhile): the browser checks need to know
        # which kinds of element each page holds.
        read = dict(zip(pages, facts(), strict=True))
        in_browser = (browser_checks(build, base_path, pages, cache, workers, deadline, read) if browser else
                      BrowserChecks("Browser checks (axe-core in Chromium): not run, as asked (--no-browser)."))
        findings = site_findings(build, base_path, read) + pdf_problems()
    findings += in_browser.findings
    failed_pdfs = {f.page for f in findings}
    passed_pdfs = [name for p in pdfs if (name := p.relative_to(build).as_posix()) not in failed_pdfs]
    notes: tuple[str, ...] = ()
    if in_browser.reviews:
        notes += ("Needs review (not failed, never passed silently): text whose colour contrast the browser "
                  "could not work out:", *(f"  - {line}" for line in in_browser.reviews))
    try:
        cache.save(in_browser.key, in_browser.passed, passed_pdfs)
    except OSError as exc:
        notes += (f"The results could not be kept in {cache.folder} ({exc.strerror or exc}): "
                  "the next check will check everything again.",)
    return CheckReport(build, base_path, len(pages), len(pdfs),
                       tuple(sorted(findings, key=lambda f: (f.page, f.message))), in_browser.note,
                       in_browser.unchanged_pages, len(pdfs) - len(pdfs_to_check), notes)


def browser_checks(build: Path, base_path: str, pages: Sequence[Path], cache: CheckCache,
                   workers: int | None = None, deadline: float = PAGE_DEADLINE,
                   facts: dict[Path, PageFacts | None] | None = None) -> BrowserChecks:
    """axe-core and the sideways-scroll check on every page at every width, in Chromium,
    except where the page and every file it loaded are unchanged since it last passed,
    and pages too large to check (the static checks report those). axe's colour-contrast
    rule, three quarters of axe's time, runs on the fewest pages that between them hold
    every kind of element of the pages checked (``contrast_pages``); every other rule on
    every page."""
    from kfh_site.check import browser as web

    missing = web.browser_unavailable()
    if missing:
        return BrowserChecks(f"Browser checks (axe-core in Chromium): NOT RUN: {missing}.")
    key = web.checker_key(base_path)
    passed: dict[str, tuple[str, ...]] = {}
    jobs: list[tuple[str, int]] = []
    unchanged = 0
    for page in pages:
        name = page.relative_to(build).as_posix()
        if too_large(page):
            continue
        unchanged += 1
        for width in web.WIDTHS:
            kept = cache.page_passed(name, width, key)
            if kept is None:
                jobs.append((name, width))
            else:
                passed[page_key(name, width)] = tuple(kept)
    checked = {name for name, _width in jobs}
    contrast = contrast_pages({name: facts[build / name] for name in checked}) if facts is not None else checked
    # The largest pages first, so that no tab is left with a long one at the end.
    jobs.sort(key=lambda job: -(build / job[0]).stat().st_size)
    results = _in_browser(build, base_path, jobs, contrast, workers or web.default_tabs(), deadline)
    findings: list[Finding] = []
    reviews: list[str] = []
    failed: set[str] = set()
    for result in results:
        findings += [Finding(result.page, str(problem)) for problem in result.findings if problem.rule != web.REVIEW]
        reviews += [f"{result.page}: {problem}" for problem in result.findings if problem.rule == web.REVIEW]
        if result.findings:      # one needing review is not kept as passed: it is listed every time
            failed.add(page_key(result.page, result.width))
    for result in results:
        if page_key(result.page, result.width) not in failed:
            passed[page_key(result.page, result.width)] = result.loaded
    note = (f"Browser checks: axe-core {', '.join(web.WCAG_TAGS)} at "
            f"{' and '.join(f'{w}px' for w in web.WIDTHS)}: run (colour contrast on the {len(contrast)} of "
            f"{len(checked)} pages that between them hold every kind of element; on all when one failed). "
            f"Sideways scrolling at {web.REFLOW_WIDTH}px: checked.")
    return BrowserChecks(note, tuple(findings), passed, key, unchanged - len(checked), tuple(sorted(set(reviews))))


def _in_browser(build: Path, base_path: str, jobs: list[tuple[str, int]], contrast: set[str], tabs: int,
                deadline: float) -> list:
    """Every job checked, colour contrast only on the ``contrast`` pages; on every page when
    a colour failed, so that each page with a failing colour is named."""
    from kfh_site.check import browser as web

    with web.serve(build, base_path) as url:
        results = web.check_pages(url, [(name, widths, "all" if name in contrast else "without-contrast")
                                        for name, widths in by_page(jobs)], tabs, deadline)
        if any(problem.rule == "color-contrast" for result in results for problem in result.findings):
            unchecked = {(r.page, r.width) for r in results if any(p.rule in ("timed-out", "not-checked")
                                                                   for p in r.findings)}
            again = [(name, width) for name, width in jobs if name not in contrast and (name, width) not in unchecked]
            results += web.check_pages(url, [(name, widths, "contrast-only") for name, widths in by_page(again)],
                                       tabs, deadline)
    return results


def by_page(jobs: Sequence[tuple[str, int]]) -> list[tuple[str, tuple[int, ...]]]:
    """(page, width) jobs as each page with its widths, in the order the pages first come:
    a page is loaded once and checked at each width in turn."""
    widths: dict[str, list[int]] = {}
    for name, width in jobs:
        widths.setdefault(name, []).append(width)
    return [(name, tuple(each)) for name, each in widths.items()]


def contrast_pages(facts: dict[str, PageFacts | None]) -> set[str]:
    """The fewest pages (found greedily, the smaller first where it makes no difference)
    that between them hold every kind of element the pages hold: a kind's colours and
    background come from its tag, classes and style and those of the elements around it,
    the same on every page, so checking colour contrast there checks it everywhere."""
    kinds = {name: f.kinds for name, f in facts.items() if f is not None}
    left = set().union(*kinds.values()) if kinds else set()
    chosen: set[str] = set()
    while left:
        best = max(sorted(kinds), key=lambda name: (len(kinds[name] & left), -len(kinds[name])))
        if not kinds[best] & left:
            break
        chosen.add(best)
        left -= kinds[best]
    return chosen
