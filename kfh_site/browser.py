"""A built site in a real browser: served on loopback under its base path, checked with
axe-core (WCAG 2.0, 2.1 and 2.2, levels A and AA) in headless Chromium.

Playwright drives the system's Chromium (Debian's ``chromium``); axe-core comes bundled
in axe-playwright-python. Both are optional: without them ``kfh-site check`` says that
the browser checks were not run.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
WIDTHS = (1280, 320)
# Pages come from this machine, so one that does not load is hung, not slow: wait long,
# as a busy machine may need (Playwright's own default of 30 seconds is not enough).
PAGE_TIMEOUT_MS = 600_000
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
    """A headless Chromium browser (Playwright), closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True)
class AxeViolation:
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


def run_axe(browser, site_url: str, pages: Sequence[str], widths: Sequence[int] = WIDTHS
            ) -> list[AxeViolation | SidewaysScroll]:
    """axe-core's WCAG A and AA rules on every page at every width, and at 320 pixels
    (or less) a check that the page does not scroll sideways, which axe leaves out."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    found: list[AxeViolation | SidewaysScroll] = []
    for width in widths:
        context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=True)
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        page = context.new_page()
        for path in pages:
            page.goto(site_url + path, wait_until="load")
            results = axe.run(page, options=options)
            for violation in results.response["violations"]:
                found.append(AxeViolation(
                    path, width, violation["id"], violation.get("impact") or "",
                    violation["help"], tuple(", ".join(n["target"]) for n in violation["nodes"]),
                ))
            if width <= REFLOW_WIDTH:
                scroll = page.evaluate(SIDEWAYS_SCROLL)
                if scroll:
                    found.append(SidewaysScroll(path, width, int(scroll[0]), tuple(scroll[1])))
        context.close()
    return found
