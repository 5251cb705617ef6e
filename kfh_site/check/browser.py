"""A built site in a real browser: served on loopback under its base path, checked with
axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) in headless Chromium.

Playwright drives the system's Chromium (Debian's ``chromium``); axe-core comes bundled
in axe-playwright-python. Both are optional: without them ``kfh-site check`` says that
the browser checks were not run.

axe-core is half a megabyte of script. It is given to the browser once, as an init script
of the browsing context, so that every page has it from its first moment instead of being
sent it again after every navigation; one call then runs axe and the sideways-scroll check
together and returns only what the report needs. ``check_pages`` keeps several pages
loading and checking at once (Playwright's async API: its sync API is not thread-safe).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence
from urllib.parse import unquote, urlsplit

from kfh_site.errors import KfhError
from kfh_site.output.workers import available_cores

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations", "incomplete"]}
# The same without colour contrast, for pages whose every kind of element has its colours
# checked on another page (checks.contrast_pages): contrast is three quarters of axe's time.
AXE_WITHOUT_CONTRAST = {**AXE_OPTIONS, "rules": {"color-contrast": {"enabled": False}}}
# Colour contrast alone: for those pages again when it failed somewhere, so that every page
# with a failing colour is named.
AXE_CONTRAST_ONLY = {"runOnly": {"type": "rule", "values": ["color-contrast"]},
                     "resultTypes": ["violations", "incomplete"]}
RULES = {"all": AXE_OPTIONS, "without-contrast": AXE_WITHOUT_CONTRAST, "contrast-only": AXE_CONTRAST_ONLY}
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WIDTHS = (1280, 320)
HEIGHT = 900
# Seconds one page at one width may take, from the start of its loading to axe's answer:
# a page whose own script never ends (or never lets the page finish loading) is reported
# as timed out, by name, and the check goes on. The example's largest page takes a second
# or two on a loaded machine; kfh-site check --deadline allows more.
PAGE_DEADLINE = 30.0
REFLOW_WIDTH = 320  # WCAG 1.4.10: content reflows at 320 CSS pixels without scrolling sideways
# How wide the page is, when wider than the window, and the outermost elements that
# stick out (named for the report). A wide table inside a .table-scroll region that
# scrolls on its own does not widen the page, so it is not counted.
SIDEWAYS_SCROLL = """() => {
  const root = document.documentElement;
  if (root.scrollWidth <= root.clientWidth) return null;
  const limit = root.clientWidth + 1;
  const scrolls = e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.right <= limit) return false;
    const region = e.parentElement && e.parentElement.closest('.table-scroll');
    return !(region && scrolls(region) && region.getBoundingClientRect().right <= limit);
  });
  const outer = wide.filter(e => !wide.some(o => o !== e && o.contains(e)));
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.getAttribute('src') ? '[src=' + e.getAttribute('src') + ']' : '')
    + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  return [root.scrollWidth, outer.map(name)];
}"""
REVIEW = "color-contrast-review"
# Text whose contrast axe leaves "needing review": worked out here where it can be (the
# text's colour over the first solid background behind it, translucent ones blended in;
# the page's white when nothing is painted), a failure below 4.5 : 1 (3 : 1 for large
# text), and named as needing review where it cannot (a background image or gradient).
CONTRAST_REVIEW = """(incomplete) => {
  const rgba = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const over = (top, below) => [0, 1, 2].map(i => top[i] * top[3] + below[i] * (1 - top[3]));
  const failed = [], review = [];
  for (const rule of incomplete.filter(r => r.id === 'color-contrast')) {
    for (const node of rule.nodes) {
      const target = node.target.join(', ');
      const el = document.querySelector(node.target[0]);
      if (!el) { review.push(target); continue; }
      const layers = []; let unknown = false;
      for (let e = el; e; e = e.parentElement) {
        const style = getComputedStyle(e);
        if (style.backgroundImage !== 'none') { unknown = true; break; }
        const bg = rgba(style.backgroundColor);
        if (bg && bg[3] > 0) { layers.push(bg); if (bg[3] >= 1) break; }
      }
      if (unknown) { review.push(target); continue; }
      let colour = [255, 255, 255];
      for (const layer of layers.reverse()) colour = over(layer, colour);
      const style = getComputedStyle(el), fg = rgba(style.color);
      if (!fg) { review.push(target); continue; }
      const text = over(fg, colour);
      const [a, b] = [lum(text), lum(colour)].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
      const least = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
      if (ratio < least) failed.push([target, ratio.toFixed(2), least]);
    }
  }
  return [failed, review];
}"""
# Both checks of one page at one width in one call, answering only what the report needs:
# [[rule, impact, help, [target, ...]], ...], the sideways scroll or null, and the text
# contrast axe left for review: [[failed], [needing review]].
PAGE_CHECK = """async ([options, reflow]) => {
  if (typeof axe === 'undefined') throw new Error('axe-core was not loaded into the page');
  const results = await axe.run(document, options);
  const violations = results.violations.map(v => [v.id, v.impact || '', v.help,
    v.nodes.map(n => n.target.join(', '))]);
  return [violations, reflow ? (%s)() : null, (%s)(results.incomplete || [])];
}""" % (SIDEWAYS_SCROLL, CONTRAST_REVIEW)


def find_chromium() -> str | None:
    """The browser to use: $KFH_CHROMIUM, or Chromium/Chrome on the PATH."""
    configured = os.environ.get("KFH_CHROMIUM")
    if configured:
        return configured if Path(configured).is_file() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def browser_unavailable() -> str | None:
    """Why the browser checks cannot run here, or None when they can."""
    try:
        import axe_playwright_python  # noqa: F401
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright and axe-playwright-python are not installed (pip install -e '.[test]')"
    if find_chromium() is None:
        return "no Chromium found (install Debian's chromium, or set KFH_CHROMIUM)"
    return None


def axe_source() -> str:
    """axe-core's script, as bundled with axe-playwright-python."""
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def checker_key(base_path: str) -> str:
    """Everything besides the page itself that a browser check's result depends on: the
    axe-core script and rules asked for, this module's own checks, the window height, the
    base path served from, and the browser. A change to any means every page is checked
    again."""
    from kfh_site import __version__
    from kfh_site.output.cache import package_version

    parts = {"kfh-site": __version__, "axe": hashlib.sha256(axe_source().encode()).hexdigest(),
             "options": AXE_OPTIONS, "rules": RULES, "check": PAGE_CHECK, "height": HEIGHT, "base_path": base_path,
             "playwright": package_version("playwright"), "browser": _browser_version()}
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _browser_version() -> str:
    executable = find_chromium() or ""
    try:
        answer = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return executable
    return f"{executable} {answer.stdout.strip()}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    base_path = "/"

    def translate_path(self, path: str) -> str:
        # Serve the build only under its base path, as the real host will.
        if not path.startswith(self.base_path):
            return str(Path(self.directory) / "__outside_base_path__")
        return super().translate_path("/" + path[len(self.base_path):])

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(build: Path, base_path: str = "/") -> Iterator[str]:
    """Serve ``build`` on 127.0.0.1 at ``base_path``; yields the site's URL."""
    handler = type("Handler", (_QuietHandler,), {"base_path": base_path})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(build)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{base_path}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """A headless Chromium browser (Playwright, sync API), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True)
class AxeViolation:
    """One axe-core rule a page broke at one window width, as the check report names it."""
    page: str
    width: int
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        where = ", ".join(self.targets[:3]) + (" ..." if len(self.targets) > 3 else "")
        return f"axe {self.rule} ({self.impact}) at {self.width}px: {self.help} [{where}]"


@dataclass(frozen=True)
class SidewaysScroll:
    """A page wider than a narrow window: a reader must scroll sideways to read it."""

    page: str
    width: int
    page_width: int
    targets: tuple[str, ...]
    rule: str = "reflow"

    def __str__(self) -> str:
        where = ", ".join(self.targets[:3]) + (" ..." if len(self.targets) > 3 else "")
        return (f"scrolls sideways at {self.width}px: the page is {self.page_width}px wide "
                f"(WCAG 1.4.10 Reflow) [{where}]")


@dataclass(frozen=True)
class NotChecked:
    """The browser could not load or check a page: reported, so it never passes unseen."""

    page: str
    width: int
    reason: str
    rule: str = "not-checked"

    def __str__(self) -> str:
        return f"could not be checked in the browser at {self.width}px: {self.reason}"


@dataclass(frozen=True)
class TimedOut:
    """A page not checked within its deadline: its own script never ends, or it never
    finishes loading. Reported by name, so it never passes unseen; the check goes on."""

    page: str
    width: int
    seconds: float
    rule: str = "timed-out"

    def __str__(self) -> str:
        return (f"timed out in the browser at {self.width}px: not loaded and checked within "
                f"{self.seconds:g} seconds (does a script on the page never finish?)")


BrowserFinding = AxeViolation | SidewaysScroll | NotChecked | TimedOut


@dataclass(frozen=True)
class PageCheck:
    """One page checked at one width: what was found, and every file of the build the
    page loaded (itself, its stylesheet, scripts, images), so an unchanged result can be
    recognised next time."""

    page: str
    width: int
    findings: tuple[BrowserFinding, ...]
    loaded: tuple[str, ...]


def _findings(page: str, width: int, answer: list) -> list[BrowserFinding]:
    violations, scroll, (worked_out, review) = answer
    found: list[BrowserFinding] = [AxeViolation(page, width, rule, impact, help_, tuple(targets))
                                   for rule, impact, help_, targets in violations]
    found += [AxeViolation(page, width, "color-contrast", "serious",
                           f"text contrast worked out as {ratio} : 1, below {least:g} : 1 (axe left it for review)",
                           (target,)) for target, ratio, least in worked_out]
    if review:
        found.append(AxeViolation(page, width, REVIEW, "needs review",
                                  "text whose contrast could not be worked out (a background image or gradient "
                                  "behind it): look at it", tuple(review)))
    if scroll:
        found.append(SidewaysScroll(page, width, int(scroll[0]), tuple(scroll[1])))
    return found


def run_axe(browser, site_url: str, pages: Sequence[str], widths: Sequence[int] = WIDTHS,
            timeout: float = 600) -> list[BrowserFinding]:
    """axe-core's WCAG A and AA rules on every page at every width, one page after
    another in a browser driven by the sync API, and at 320 pixels (or less) a check
    that the page does not scroll sideways, which axe leaves out. For pages known to
    finish (the tests' own): a page not checked in ``timeout`` seconds is an error."""
    found: list[BrowserFinding] = []
    for width in widths:
        context = browser.new_context(viewport={"width": width, "height": HEIGHT}, java_script_enabled=True)
        context.set_default_timeout(timeout * 1000)
        context.add_init_script(script=axe_source())
        page = context.new_page()
        for path in pages:
            page.goto(site_url + path, wait_until="load")
            found += _findings(path, width, page.evaluate(PAGE_CHECK, [AXE_OPTIONS, width <= REFLOW_WIDTH]))
        context.close()
    return found


def default_tabs() -> int:
    """Pages checked at once: one more than the CPUs, so that a core is never idle while
    a page loads or a result crosses to Python."""
    return available_cores() + 1


def check_pages(site_url: str, jobs: Sequence[tuple[str, tuple[int, ...], str]], workers: int,
                deadline: float = PAGE_DEADLINE) -> list[PageCheck]:
    """Check each (page, its widths, rules: a key of RULES) of ``jobs`` in one headless
    Chromium, ``workers`` pages at a time, each width within ``deadline`` seconds; the
    results (one per page and width) come back sorted by page and width, whatever order
    they finished in."""
    if not jobs:
        return []
    results = asyncio.run(_check_pages(site_url, jobs, max(1, min(workers, len(jobs))), deadline))
    return sorted(results, key=lambda r: (r.page, -r.width))


async def _check_pages(site_url: str, jobs: Sequence[tuple[str, tuple[int, ...], str]], workers: int,
                       deadline: float) -> list[PageCheck]:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    queue = deque(jobs)
    results: list[PageCheck] = []
    async with async_playwright() as p:
        try:
            browser = await p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        except PlaywrightError as exc:
            raise KfhError(f"{find_chromium()} could not be started for the browser checks "
                           f"({(exc.message or str(exc)).splitlines()[0]}). Set KFH_CHROMIUM to a working "
                           "Chromium, or run kfh-site check --no-browser.") from None
        try:
            context = await browser.new_context(viewport={"width": WIDTHS[0], "height": HEIGHT},
                                                java_script_enabled=True)
            context.set_default_timeout(deadline * 1000)
            await context.add_init_script(script=axe_source())
            await asyncio.gather(*(_check_in_turn(context, site_url, queue, results, deadline)
                                   for _ in range(workers)))
        finally:
            await browser.close()
    return results


async def _check_in_turn(context, site_url: str, queue: deque[tuple[str, tuple[int, ...], str]],
                         results: list[PageCheck], deadline: float) -> None:
    """One browser tab taking the next page from the queue until it is empty, and checking
    it at each of its widths: loaded once, then resized (a third of a check's time was
    loading each page again for its second width). A page that passes its deadline is
    reported and its tab closed (its renderer may be stuck in the page's script); the next
    width or page gets a new tab and loads it afresh."""
    from playwright.async_api import Error as PlaywrightError

    requested: set[str] = set()
    tab = None
    while queue:
        path, widths, rules = queue.popleft()
        requested.clear()
        loaded_here = False
        for width in widths:
            if tab is None:
                tab = await context.new_page()
                tab.on("request", lambda request: requested.add(request.url))
            findings: list[BrowserFinding]
            try:
                findings = await asyncio.wait_for(_check_one(tab, site_url, path, width, rules, not loaded_here),
                                                  deadline)
                loaded_here = True
            except asyncio.TimeoutError:
                findings = [TimedOut(path, width, deadline)]
                await _close(tab)
                tab, loaded_here = None, False
            except PlaywrightError as exc:
                findings = [NotChecked(path, width, (exc.message or str(exc)).splitlines()[0])]
                loaded_here = False
            loaded = {path} | {p for url in requested if (p := build_path(site_url, url)) is not None}
            results.append(PageCheck(path, width, tuple(findings), tuple(sorted(loaded))))
    if tab is not None:
        await _close(tab)


NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
"""Waits until the page has been laid out and painted at its new size."""


async def _check_one(tab, site_url: str, path: str, width: int, rules: str = "all",
                     load: bool = True) -> list[BrowserFinding]:
    if tab.viewport_size != {"width": width, "height": HEIGHT}:
        await tab.set_viewport_size({"width": width, "height": HEIGHT})
    if load:
        await tab.goto(site_url + path, wait_until="load")
    else:
        await tab.evaluate(NEXT_FRAME)
    reflow = width <= REFLOW_WIDTH and rules != "contrast-only"
    return _findings(path, width, await tab.evaluate(PAGE_CHECK, [RULES[rules], reflow]))


async def _close(tab) -> None:
    """Close a tab without running the page's unload handlers, which a stuck page would
    never answer; a tab that will not close is left to go with the browser."""
    from playwright.async_api import Error as PlaywrightError

    with contextlib.suppress(PlaywrightError, asyncio.TimeoutError):
        await asyncio.wait_for(tab.close(run_before_unload=False), 10)


def build_path(site_url: str, url: str) -> str | None:
    """The file of the build that ``url`` asks the local server for, or None for
    anything else (another host, a data: URL, outside the base path)."""
    site, asked = urlsplit(site_url), urlsplit(url)
    if (asked.scheme, asked.netloc) != (site.scheme, site.netloc) or not asked.path.startswith(site.path):
        return None
    relative = unquote(asked.path[len(site.path):])
    return relative + "index.html" if relative == "" or relative.endswith("/") else relative
