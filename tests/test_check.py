"""``kfh-site check`` run twice: what passed and has not changed is not checked again, a
change is, ``--all`` checks everything, and the report reads the same however the
parallel work finished. Each check runs as a user runs it, in its own process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli, tree_bytes
from pypdf import PdfWriter

from kfh_site.check import browser as web

FAINT = '<p style="color: #bbbbbb">Faint text that fails the contrast check.</p></main>'
ALL_UNCHANGED = ("Unchanged since they last passed, so not checked again: 20 of 20 pages in the browser "
                 "and 9 of 9 PDFs (kfh-site check --all checks everything).")


def check(project: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "kfh-site"
    return subprocess.run([str(script), "check", *args], cwd=project, capture_output=True, text=True,
                          timeout=900, env=env)


@pytest.fixture
def counted_browser(tmp_path: Path) -> tuple[dict, Path]:
    """The environment for a check whose Chromium notes each time it is started (not when
    asked its version), so a test can tell whether the browser ran at all."""
    missing = web.browser_unavailable()
    if missing:
        pytest.fail(f"browser tests need Chromium and Playwright: {missing}")
    log = tmp_path / "browser-starts.log"
    wrapper = tmp_path / "chromium-counted"
    wrapper.write_text(f'#!/bin/sh\n[ "$1" = "--version" ] || echo started >> "{log}"\n'
                       f'exec "{web.find_chromium()}" "$@"\n')
    wrapper.chmod(0o755)
    return {**os.environ, "KFH_CHROMIUM": str(wrapper)}, log


def starts(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.is_file() else 0


def plant(page: Path, old: str, new: str) -> None:
    html = page.read_text(encoding="utf-8")
    assert old in html, (page, old)
    page.write_text(html.replace(old, new, 1), encoding="utf-8")


def report_blocks(out: str) -> list[list[str]]:
    """The report's problems, one block a page: [page, "  - problem", ...]."""
    return [block.splitlines() for block in out.split("\n\n")[1:-1]]


@pytest.mark.browser
def test_what_changed_is_checked_again_and_all_checks_everything(project, counted_browser):
    """One build checked in turn, so the browser checks every page only three times:
    nothing is checked again when nothing changed, a changed page is (and a failing one
    every time), --all checks everything, and a changed stylesheet has every page that
    loads it checked again."""
    env, log = counted_browser
    assert run_cli(project, "build") == 0
    built = tree_bytes(project / "build")
    first = check(project, env=env)
    assert first.returncode == 0, first.stdout
    assert "Unchanged since" not in first.stdout and starts(log) == 1
    # Nothing changed: nothing is checked again, and the browser is not even started.
    second = check(project, env=env)
    assert second.returncode == 0, second.stdout
    assert ALL_UNCHANGED in second.stdout and starts(log) == 1
    assert "\n\nAll checks passed.\n" in second.stdout  # the report's last line (a warning may follow)
    # What passed is kept beside the build, never in it.
    assert tree_bytes(project / "build") == built
    assert (project / ".build.kfh-check" / "passed.json").is_file()
    # --all checks everything; then nothing has changed, so the browser is not started.
    again = check(project, "--all", env=env)
    assert again.returncode == 0, again.stdout
    assert "Unchanged since" not in again.stdout
    assert "at 1280px and 320px: run (colour contrast on the " in again.stdout and starts(log) == 2
    assert ALL_UNCHANGED in check(project, env=env).stdout and starts(log) == 2
    # A changed page is checked again, at both widths; the others are left alone.
    plant(project / "build" / "methodology.html", "</main>", FAINT)
    second = check(project, env=env)
    out = second.stdout
    assert second.returncode == 1, out
    assert ("Unchanged since they last passed, so not checked again: 19 of 20 pages in the browser "
            "and 9 of 9 PDFs (kfh-site check --all checks everything).") in out
    blocks = report_blocks(out)
    assert [block[0] for block in blocks] == ["methodology.html"]
    assert any(line.startswith("  - axe color-contrast (serious) at 1280px") for line in blocks[0])
    assert any(line.startswith("  - axe color-contrast (serious) at 320px") for line in blocks[0])
    assert starts(log) == 3
    # A page with a problem is not kept as passing: it is checked, and reported, every time.
    third = check(project, env=env)
    assert third.returncode == 1 and report_blocks(third.stdout) == blocks and starts(log) == 4
    # Every page loads the stylesheet: change it and every page is checked again.
    css = project / "build" / "assets" / "style.css"
    css.write_text(css.read_text(encoding="utf-8") + "\nmain p { color: #bbbbbb; }\n", encoding="utf-8")
    restyled = check(project, env=env)
    assert restyled.returncode == 1
    # No page is left alone (only the PDFs, which do not load it).
    assert "Unchanged since they last passed, so not checked again: 9 of 9 PDFs (" in restyled.stdout
    assert "axe color-contrast (serious) at 1280px" in restyled.stdout
    assert len(report_blocks(restyled.stdout)) > 1


@pytest.mark.browser
def test_the_report_reads_the_same_whatever_order_the_pages_finished_in(project, counted_browser):
    env, _log = counted_browser
    assert run_cli(project, "build", "--no-pdf") == 0
    build = project / "build"
    for page in ("methodology.html", "organisations/ddd.html", "regions/london.html", "accessibility.html"):
        plant(build / page, "</main>", FAINT)
    plant(build / "regions" / "london.html", 'href="../organisations/bbb.html"', 'href="../organisations/bbx.html"')
    plant(build / "data.html", "<h1", "<h1>A second heading</h1><h1")
    first = check(project, "--all", env=env)
    assert first.returncode == 1
    pages = [block[0] for block in report_blocks(first.stdout)]
    assert pages == sorted(pages) == ["accessibility.html", "data.html", "methodology.html",
                                      "organisations/ddd.html", "regions/london.html"]
    # Checked again without --all: the pages that passed are left alone, so the pages
    # checked, and the order they finish in, differ; the report's problems are the same,
    # in the same order.
    third = check(project, env=env)
    assert "16 of 20 pages in the browser" in third.stdout  # data.html passes axe
    assert report_blocks(third.stdout) == report_blocks(first.stdout)


def test_a_pdf_changed_after_a_passing_check_is_checked_again(project):
    assert run_cli(project, "build") == 0
    assert check(project, "--no-browser").returncode == 0
    second = check(project, "--no-browser")
    assert second.returncode == 0
    assert ("Unchanged since they last passed, so not checked again: 9 of 9 PDFs "
            "(kfh-site check --all checks everything).") in second.stdout
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with (project / "build" / "pdf" / "organisations" / "ccc.pdf").open("wb") as handle:
        writer.write(handle)
    third = check(project, "--no-browser")
    assert third.returncode == 1
    assert "8 of 9 PDFs" in third.stdout
    assert "\npdf/organisations/ccc.pdf\n  - the PDF" in third.stdout
    assert "  - the PDF is not tagged (no structure tree or MarkInfo /Marked)" in third.stdout


@pytest.mark.browser
def test_a_browser_that_will_not_start_is_a_clear_message(project, tmp_path):
    if web.browser_unavailable():
        pytest.fail("browser tests need Playwright")
    broken = tmp_path / "not-chromium"
    broken.write_text("#!/bin/sh\nexit 1\n")
    broken.chmod(0o755)
    assert run_cli(project, "build", "--no-pdf") == 0
    result = check(project, env={**os.environ, "KFH_CHROMIUM": str(broken)})
    assert result.returncode == 1
    assert f"kfh-site: {broken} could not be started for the browser checks" in result.stderr
    assert "Set KFH_CHROMIUM to a working Chromium, or run kfh-site check --no-browser." in result.stderr
    assert "Traceback" not in result.stderr


HUNG = '<script>while (true) {}</script></main>'  # the page never finishes loading
HUNG_LATER = "<script>addEventListener('load', () => setTimeout(() => { while (true) {} }, 0));</script></main>"


def big_page(build: Path) -> Path:
    """A page of 11 MB, past the size a page may be to be checked."""
    page = build / "big.html"
    line = "<p>A paragraph of a very long page.</p>\n"
    body = line * (11 * 2**20 // len(line))
    page.write_text(f'<!doctype html><html lang="en"><head><title>Big</title></head><body><main><h1>Big</h1>'
                    f'<p id="here">Here.</p>{body}</main></body></html>', encoding="utf-8")
    return page


@pytest.mark.browser
def test_a_page_that_never_finishes_is_reported_by_name_and_the_check_goes_on(project, counted_browser):
    """Issue 17.6: a page whose script never returns hung the check (killed at 240 s), a
    54 MB page held it past 300 s. Each page now has a deadline (30 s by default) and a
    page over the size limit is reported without being loaded."""
    env, _log = counted_browser
    assert run_cli(project, "build", "--no-pdf") == 0
    build = project / "build"
    plant(build / "methodology.html", "</main>", HUNG)
    plant(build / "accessibility.html", "</main>", HUNG_LATER)
    plant(build / "data.html", "</main>", FAINT)
    big_page(build)
    plant(build / "index.html", "</main>", '<a href="big.html#here">the long page</a></main>')
    result = check(project, env=env)
    assert result.returncode == 1, result.stdout
    blocks = {block[0]: block[1:] for block in report_blocks(result.stdout)}
    assert sorted(blocks) == ["accessibility.html", "big.html", "data.html", "methodology.html"]
    for hung in ("methodology.html", "accessibility.html"):
        assert blocks[hung] == [f"  - timed out in the browser at {width}px: not loaded and checked within 30 seconds "
                                "(does a script on the page never finish?)" for width in (1280, 320)], blocks[hung]
    # The check went on: the other pages were checked, and the faint text found.
    assert any(line.startswith("  - axe color-contrast (serious) at 1280px") for line in blocks["data.html"])
    # The large page is reported, and neither parsed (its id is not looked for) nor loaded.
    assert blocks["big.html"] == ["  - not checked: the page is 11.0 MB, larger than the 10 MB a page may be "
                                  "to be checked"]


def test_a_pdf_not_read_within_its_deadline_is_reported_and_the_check_goes_on(project):
    assert run_cli(project, "build") == 0
    big_page(project / "build")
    # No PDF is read and checked in a microsecond on any machine: every one passes its deadline.
    result = check(project, "--no-browser", "--deadline", "0.000001")
    assert result.returncode == 1, result.stdout
    blocks = {block[0]: block[1:] for block in report_blocks(result.stdout)}
    pdfs = sorted(p.relative_to(project / "build").as_posix() for p in (project / "build").rglob("*.pdf"))
    assert len(pdfs) == 9 and sorted(blocks) == sorted(["big.html", *pdfs])
    for pdf in pdfs:
        assert blocks[pdf] == ["  - timed out: not read and checked within 1e-06 seconds"]
    # Timed out is not passed: with time enough, every PDF is checked again, and passes.
    second = check(project, "--no-browser")
    assert "PDFs (kfh-site check --all" not in second.stdout
    assert [block[0] for block in report_blocks(second.stdout)] == ["big.html"]


def test_a_deadline_must_be_a_positive_number_of_seconds(project):
    result = check(project, "--deadline", "soon")
    assert result.returncode == 2
    assert "--deadline: expected a number of seconds greater than 0, got 'soon'" in result.stderr


def test_colour_contrast_runs_on_the_fewest_pages_that_hold_every_kind_of_element():
    """Issue 20: axe's colour-contrast rule is three quarters of a check's time. Pages that
    differ only in their text and numbers hold the same kinds of element (tag, classes,
    style, under the same elements), so their colours are checked once."""
    from kfh_site.check.checks import contrast_pages, page_facts

    page = ('<!doctype html><html lang="en"><head><link rel="stylesheet" href="style.css">'
            '<link rel="canonical" href="https://example.org/{name}.html"><title>{name}</title></head>'
            '<body><main><h1>{name}</h1><p class="lead">{text}</p><table>{rows}</table>{extra}</main></body></html>')
    row = "<tr><td>{0}</td><td class='num'>{0}</td></tr>"
    alpha = page_facts(page.format(name="alpha", text="One", rows=row.format(1), extra=""))
    beta = page_facts(page.format(name="beta", text="Another text", rows=row.format(2) * 5, extra=""))
    gamma = page_facts(page.format(name="gamma", text="Three", rows="", extra='<p class="faint">x</p>'))
    styled = page_facts(page.format(name="delta", text="Four", rows=row.format(4), extra='<p style="color:#bbb">x</p>'))
    restyled = page_facts(page.format(name="alpha", text="One", rows=row.format(1), extra="").replace(
        "style.css", "other.css"))
    assert alpha.kinds == beta.kinds  # text, numbers, rows and the canonical address aside
    assert len({alpha.kinds, gamma.kinds, styled.kinds, restyled.kinds}) == 4
    chosen = contrast_pages({"alpha": alpha, "beta": beta, "gamma": gamma, "delta": styled, "big": None})
    assert chosen == {"gamma", "delta"}  # between them, every kind of element of all four
    assert contrast_pages({"alpha": alpha, "beta": beta}) == {"alpha"}


NARROW_ONLY = ('<style>@media (min-width: 600px) { .narrow-only { display: none; } }'
               '@media (max-width: 599px) { .wide-only { display: none; } }</style>'
               '<p class="narrow-only"><a href="#"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></a></p>'
               '<p class="wide-only" style="color: #bbbbbb">Faint text shown on wide screens only.</p></main>')


@pytest.mark.browser
def test_each_width_is_checked_as_it_is_seen_though_the_page_is_loaded_once(project):
    """A page is loaded once and checked at 1280 px, then resized to 320 px and checked
    again (issue 20: loading it twice was a third of a check's time). What only one width
    shows is still found at that width, and only there."""
    assert run_cli(project, "build", "--no-pdf") == 0
    plant(project / "build" / "methodology.html", "</main>", NARROW_ONLY)
    result = check(project)
    assert result.returncode == 1, result.stdout
    lines = {block[0]: block[1:] for block in report_blocks(result.stdout)}["methodology.html"]
    assert any(line.startswith("  - axe image-alt (critical) at 320px") for line in lines), lines
    assert not any(line.startswith("  - axe image-alt (critical) at 1280px") for line in lines), lines
    assert any(line.startswith("  - axe color-contrast (serious) at 1280px") for line in lines), lines
    assert not any(line.startswith("  - axe color-contrast (serious) at 320px") for line in lines), lines
