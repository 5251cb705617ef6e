"""Site search: the Pagefind index the build makes, and search.html driven in Chromium
under a sub-path, by keyboard, at 320 pixels, without JavaScript and in forced colours."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import ROWS_2024, run_cli, tree_bytes, write_csv
from test_accessibility import PAGE_KINDS

from kfh_site.build.site import build
from kfh_site.check import browser as web
from kfh_site.config import load_config
from kfh_site.output.write import Unchanged
from kfh_site.search import index as search


def fragments(site: Path) -> dict[str, dict]:
    """What the index holds for each page: Pagefind's fragments, by page URL."""
    found = {}
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        fragment = json.loads(data[len(b"pagefind_dcd"):])
        found[fragment["url"]] = fragment
    return found


def rename_alpha(project: Path, name: str) -> None:
    rows = [list(r) for r in ROWS_2024]
    rows[0][1] = name
    write_csv(project / "data" / "returns" / "2024-25.csv", rows)


# --- the index ---------------------------------------------------------------------------


def test_the_index_holds_every_content_page_by_its_main_content_only(small_site):
    index = fragments(small_site)
    pages = {p.relative_to(small_site).as_posix() for p in small_site.rglob("*.html")}
    assert set(index) == pages - {"404.html", "search.html"}
    alpha = index["organisations/aaa1.html"]
    assert alpha["meta"]["title"] == "Alpha Acute NHS Trust"
    assert alpha["content"] == ("Alpha Acute NHS Trust. AAA1 · Acute · London region · 12,500 whole-time "
                                "equivalent (WTE) NHS staff.")
    # Not the header, navigation, notice or footer of the page...
    for frame_text in ("Skip to main content", "Published by Test LKS team", "Search this site",
                       "Organisations A to Z Staff ratio policy", "synthetic examples, not real returns",
                       "Report year 2024/25. Published by"):
        assert all(frame_text not in f["content"] for f in index.values()), frame_text
    # ...nor figures and boilerplate every organisation's page has.
    assert "Staffing" not in alpha["content"] and "1,250" not in alpha["content"]
    assert "Literature searches" not in index["regions/london.html"]["content"]
    assert "Topol" in index["topol-review.html"]["content"]
    assert index["regions/london.html"]["meta"]["title"].startswith("London")


def test_organisation_names_weigh_most_and_nothing_but_the_index_is_added(small_site):
    html = (small_site / "organisations" / "aaa1.html").read_text()
    assert '<h1 data-pagefind-weight="10">Alpha Acute NHS Trust</h1>' in html
    assert '<main id="main-content" tabindex="-1" data-pagefind-body>' in html
    bundle = {p.relative_to(small_site / "pagefind").as_posix() for p in (small_site / "pagefind").rglob("*")
              if p.is_file()}
    assert {"pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.en-gb.pagefind"} <= bundle
    assert not [name for name in bundle if "-ui" in name or "highlight" in name or "playground" in name]


def test_pagefind_makes_the_same_index_from_the_trimmed_pages_as_from_whole_ones(small_site):
    pages = {p.relative_to(small_site).as_posix(): p.read_bytes() for p in small_site.rglob("*.html")}
    indexed = {p: pages[p] for p in search.indexed_pages(pages)}
    trimmed = search.index_files(indexed)
    whole = search.pagefind_files({p: html.decode() for p, html in indexed.items()})
    assert trimmed == whole
    alpha = indexed["organisations/aaa1.html"]
    assert len(search.searchable_html(alpha)) < len(alpha) / 10  # what makes it worth doing


def test_trimming_drops_ignored_elements_with_their_nested_ones():
    page = (b'<!DOCTYPE html><html lang="en-GB"><head><title>T</title></head><body><nav>Menu</nav>'
            b'<main data-pagefind-body><h1>Name</h1><div data-pagefind-ignore="all"><div><p>figures</p></div>'
            b'<div>more</div></div><p>kept</p><ul data-pagefind-ignore="all"><li>x</li></ul>'
            b'<div data-pagefind-ignore="all">never closed</main><footer>Foot</footer></body></html>')
    assert search.searchable_html(page) == (
        '<!DOCTYPE html><html lang="en-GB"><body><main data-pagefind-body><h1>Name</h1><p>kept</p>'
        '<div data-pagefind-ignore="all">never closed</main></body></html>')
    assert search.searchable_html(b"<p>no main</p>") == "<p>no main</p>"


def test_two_clean_builds_give_a_byte_identical_index(project, tmp_path):
    assert run_cli(project, "build", "--no-pdf", "--clean", "--out", str(tmp_path / "one")) == 0
    assert run_cli(project, "build", "--no-pdf", "--clean", "--out", str(tmp_path / "two")) == 0
    one, two = tree_bytes(tmp_path / "one" / "pagefind"), tree_bytes(tmp_path / "two" / "pagefind")
    assert len(one) > 20 and one == two


def test_the_index_is_made_again_only_when_what_it_indexes_changes(project, monkeypatch):
    made: list[int] = []
    real = search.pagefind_files
    monkeypatch.setattr(search, "pagefind_files", lambda documents: made.append(len(documents)) or real(documents))
    read_again: list[Path] = []  # pages of an earlier build read back from the disk
    real_read = search._page_bytes
    monkeypatch.setattr(search, "_page_bytes", lambda page, output, fresh, path: (
        read_again.append(output / path) if isinstance(page, Unchanged) else None) or real_read(page, output, fresh, path))
    config = load_config(project / "kfh-site.toml")
    output = project / "build"
    build(config, with_pdf=False)
    assert len(made) == 1
    first = tree_bytes(output / "pagefind")

    # A template no page uses: every page is the same, so is the index.
    css = project / "templates" / "infographic.css"
    css.write_text(css.read_text() + "\n/* touched */\n")
    build(config, with_pdf=False)
    # The page frame: every page's bytes change, but not the text search indexes.
    base = project / "templates" / "base.html"
    base.write_text(base.read_text().replace("All content is available", "All the content is available"))
    build(config, with_pdf=False)
    assert "All the content is available" in (output / "index.html").read_text()
    assert len(made) == 1 and tree_bytes(output / "pagefind") == first

    # A figure only: the pages showing it change, but search indexes no figures.
    rows = [list(r) for r in ROWS_2024]
    rows[2][10] = "251"  # Gamma's literature searches
    write_csv(project / "data" / "returns" / "2024-25.csv", rows)
    build(config, with_pdf=False)
    assert "251" in (output / "organisations" / "ccc.html").read_text()
    assert len(made) == 1 and tree_bytes(output / "pagefind") == first

    rename_alpha(project, "Aleph Acute NHS Trust")
    build(config, with_pdf=False)
    assert len(made) == 2
    assert read_again == []  # the text of a page the last build had is kept, never read again
    assert fragments(output)["organisations/aaa1.html"]["meta"]["title"] == "Aleph Acute NHS Trust"


def test_a_hand_deleted_index_file_is_made_again(project):
    assert run_cli(project, "build", "--no-pdf") == 0
    entry = project / "build" / "pagefind" / "pagefind-entry.json"
    before = entry.read_bytes()
    entry.unlink()
    assert run_cli(project, "build", "--no-pdf") == 0
    assert entry.read_bytes() == before


def test_a_corrupt_or_foreign_kept_text_only_means_pages_are_read_again(project, tmp_path):
    assert run_cli(project, "build", "--no-pdf") == 0
    kept = project / ".build.kfh-cache" / "search-text.json"
    assert "Alpha Acute NHS Trust" in kept.read_text()
    kept.write_text("{not json")
    rename_alpha(project, "Aleph Acute NHS Trust")
    assert run_cli(project, "build", "--no-pdf") == 0
    document = json.loads(kept.read_text())
    document["tag"] = "made by another version"
    kept.write_text(json.dumps(document))
    rename_alpha(project, "Alef Acute NHS Trust")
    assert run_cli(project, "build", "--no-pdf") == 0
    assert run_cli(project, "build", "--no-pdf", "--clean", "--out", str(tmp_path / "clean")) == 0
    assert tree_bytes(project / "build") == tree_bytes(tmp_path / "clean")


@pytest.mark.parametrize("binary, message", [
    ("/nonexistent/pagefind", "the search index needs the Pagefind program, which could not be started"),
    ("/bin/false", "Pagefind stopped before the search index was made"),
])
def test_a_missing_or_broken_pagefind_is_a_clear_error_and_nothing_is_built(project, monkeypatch, capsys,
                                                                            binary, message):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", binary)
    assert run_cli(project, "build", "--no-pdf", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (project / "build").exists()


def test_the_check_command_passes_on_a_site_with_search(small_site):
    from kfh_site.check.checks import check_site

    assert check_site(small_site, "/kfh-report/") == []


# --- in the browser ------------------------------------------------------------------------


def search_from_header(page, site_url: str, start: str, term: str) -> None:
    """Open ``start``, type ``term`` in the header's search box and submit it, by keyboard."""
    page.goto(site_url + start)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the site title
    page.keyboard.press("Tab")  # the search box
    assert page.evaluate("document.activeElement.id") == "site-search-input"
    page.keyboard.type(term)
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('search-status')?.textContent.includes(' for ')")


@pytest.mark.browser
@pytest.mark.parametrize("width", web.WIDTHS)
def test_a_name_typed_in_the_header_box_finds_the_organisation_page_under_a_sub_path(chromium, served, width):
    page = chromium.new_page(viewport={"width": width, "height": 900})
    search_from_header(page, served, "regions/north-west.html", "Gamma Community")
    assert page.url == served + "search.html?q=Gamma+Community"
    assert page.inner_text("#search-status") == "1 result for \u2018Gamma Community\u2019"
    results = page.locator("#search-results > li")
    assert results.count() == 1
    assert results.locator("a").inner_text() == "Gamma Community NHS Trust"
    assert "Gamma" in results.locator(".search-excerpt mark").all_inner_texts()  # matched words marked
    page.keyboard.press("Tab")  # the skip link, which leads to the main content
    page.keyboard.press("Enter")
    for _ in range(3):  # the search box, its button, the first result
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Gamma Community NHS Trust"
    page.keyboard.press("Enter")
    page.wait_for_url(served + "organisations/ccc.html")
    assert page.inner_text("h1") == "Gamma Community NHS Trust"
    page.close()


@pytest.mark.browser
def test_results_are_announced_listed_as_links_and_follow_typing(chromium, served):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.goto(served + "search.html?q=london")
    status = page.locator("#search-status")
    assert status.get_attribute("role") == "status" and status.get_attribute("aria-live") == "polite"
    page.wait_for_function("document.getElementById('search-status').textContent !== ''")
    assert page.input_value("#search-input") == "london"
    links = page.eval_on_selector_all("#search-results > li > a", "as => as.map(a => a.getAttribute('href'))")
    assert "/kfh-report/regions/london.html" in links
    assert "/kfh-report/organisations/aaa1.html" in links and "/kfh-report/organisations/bbb.html" in links
    assert status.inner_text() == f"{len(links)} results for \u2018london\u2019"
    page.fill("#search-input", "")
    page.keyboard.type("Epsilon")  # search as you type: no Enter
    page.wait_for_function("document.getElementById('search-status').textContent.includes('Epsilon')")
    assert page.locator("#search-results > li > a").all_inner_texts() == ["NHS Epsilon ICB"]
    assert page.url.endswith("search.html?q=Epsilon")
    # A word no page holds, nor any word it begins like: Pagefind matches on prefixes, so
    # "xylophone" would find the "[x]" of the open data page.
    page.fill("#search-input", "qjzvw")
    page.press("#search-input", "Enter")
    page.wait_for_function("document.getElementById('search-status').textContent.startsWith('No results')")
    assert page.locator("#search-results > li").count() == 0
    assert page.get_by_role("link", name="find an organisation A to Z").is_visible()
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("width", web.WIDTHS)
def test_axe_finds_nothing_with_results_showing_and_nothing_scrolls_sideways(chromium, served, width):
    from axe_playwright_python.sync_playwright import Axe

    page = chromium.new_page(viewport={"width": width, "height": 900})
    page.goto(served + "search.html?q=trust")
    page.wait_for_selector("#search-results > li")
    options = {"runOnly": {"type": "tag", "values": web.WCAG_TAGS}, "resultTypes": ["violations"]}
    violations = Axe().run(page, options=options).response["violations"]
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


@pytest.mark.browser
def test_focus_shows_on_the_search_controls_also_in_forced_colours(chromium, served):
    page = chromium.new_page(viewport={"width": 320, "height": 700})
    page.emulate_media(forced_colors="active")
    page.goto(served + "search.html?q=trust")
    page.wait_for_selector("#search-results > li")
    for selector in ("#search-input", "#search-form button"):
        page.focus(selector)
        outline = page.eval_on_selector(selector, """e => { const s = getComputedStyle(e);
            return [s.outlineStyle, parseFloat(s.outlineWidth), s.borderTopStyle, parseFloat(s.borderTopWidth)]; }""")
        assert outline[0] != "none" and outline[1] >= 2 and outline[2] != "none" and outline[3] >= 1, selector
    page.close()


@pytest.mark.browser
def test_search_fetches_nothing_from_elsewhere_and_runs_only_its_own_script(chromium, served):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(served + "search.html?q=gamma")
    page.wait_for_selector("#search-results > li")
    assert requested and all(url.startswith(served) for url in requested), requested
    scripts = page.eval_on_selector_all("script", "ss => ss.map(s => s.getAttribute('src'))")
    assert scripts == ["assets/search.js"]
    page.goto(served + "organisations/aaa1.html")
    assert page.eval_on_selector_all("script", "ss => ss.length") == 0
    page.close()


@pytest.mark.browser
def test_without_javascript_every_page_works_and_offers_the_a_to_z_in_the_search_box_place(chromium, served):
    context = chromium.new_context(java_script_enabled=False, viewport={"width": 320, "height": 700})
    page = context.new_page()
    for path in [*PAGE_KINDS.values(), "search.html?q=gamma"]:
        assert page.goto(served + path).ok, path
        assert page.locator("main h1").is_visible(), path
        assert page.evaluate("document.documentElement.scrollWidth") <= 320, path
        if path.startswith("search.html"):
            assert "Search needs JavaScript" in page.inner_text("main")
            assert not page.locator("#search-form").is_visible()
            alternative = page.locator("main").get_by_role("link", name="find an organisation A to Z")
        else:
            assert not page.locator(".site-search").is_visible(), path
            alternative = page.locator("header").get_by_role("link", name="Find an organisation A to Z")
        assert alternative.is_visible(), path
    alternative.click()
    assert page.url == served + "organisations/index.html"
    assert page.inner_text("h1") == "Organisations A to Z"
    context.close()


@pytest.mark.browser
def test_a_renamed_organisation_is_found_by_its_new_name_after_an_incremental_build(chromium, project):
    assert run_cli(project, "build", "--no-pdf") == 0
    rename_alpha(project, "Aleph Acute NHS Trust")
    assert run_cli(project, "build", "--no-pdf") == 0  # no --clean
    with web.serve(project / "build", "/kfh-report/") as url:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        search_from_header(page, url, "index.html", "aleph")
        assert page.locator("#search-results > li > a").all_inner_texts() == ["Aleph Acute NHS Trust"]
        page.click("#search-results a")
        page.wait_for_url(url + "organisations/aaa1.html")
        page.goto(url + "search.html?q=alpha")
        page.wait_for_function("document.getElementById('search-status').textContent !== ''")
        links = page.eval_on_selector_all("#search-results a", "as => as.map(a => a.getAttribute('href'))")
        assert "/kfh-report/organisations/aaa1.html" not in links  # the old name is gone
        page.close()


@pytest.mark.browser
def test_result_titles_and_excerpts_are_text_never_markup(chromium, project):
    write_csv(project / "data" / "returns" / "2024-25.csv",
              ROWS_2024 + [["XSS1", "<img src=x onerror=alert(1)> Zed & Co", "London", "", "2024/25", "100", "1",
                            "", "", "", "", "", "", "", "", "", "", "", ""]])
    assert run_cli(project, "build", "--no-pdf") == 0
    with web.serve(project / "build", "/kfh-report/") as url:
        page = chromium.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(url + "search.html?q=zed")
        page.wait_for_selector("#search-results > li")
        assert page.inner_text("#search-results a") == "<img src=x onerror=alert(1)> Zed & Co"
        assert page.locator("#search-results img").count() == 0 and dialogs == []
        page.close()


def test_serve_keeps_the_index_current(project):
    from test_serve import Preview

    preview = Preview(project, project.parent / "preview-temp")
    try:
        first = preview.state()["build"]
        rename_alpha(project, "Aleph Acute NHS Trust")
        preview.wait_state(lambda s: s["build"] > first)
        assert "Aleph Acute NHS Trust" in json.dumps(fragments(preview.site()))  # the preview's own folder
        status, _ = preview.get("pagefind/pagefind.js")
        assert status == 200
    finally:
        preview.stop()
