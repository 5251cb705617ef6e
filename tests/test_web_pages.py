"""Issue 19, the web page: one short caption per chart (its name read once), every
scrolling table's caption outside its scroll region, numbers that never wrap away from
their units, the bullet chart's "now" in or beside its bar, and chart text of 12 px or
more on a phone and 14 px or more on a desktop, on a small project built into tmp."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from kfh_site.check import browser as web
from tests.conftest import make_project, run_cli

NBSP = "\u00a0"
CHART_PAGES = ["organisations/aaa1.html", "organisations/ddd.html", "regions/london.html", "index.html"]
LONG_NAMES = {"organisations/aaa1.html": "Alpha Acute NHS Trust",
              "organisations/ddd.html": "Delta Ambulance Service NHS Trust",
              "regions/london.html": "London", "index.html": "England"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("web") / "project")
    (root / "content" / "tables.md").write_text(
        "---\ntitle: Tables\n---\n\nSome tables, at 1 : 1,250 or\n1 : 1,730, not `1 : 2`.\n\n## Ratios\n\n"
        "Table 1: Staff ratios by region in 2018, a caption long enough to wrap on a phone\n\n"
        "| Region | Ratio |\n|---|---:|\n| London | 1 : 1,180 |\n\n"
        "| Region | Ratio |\n|---|---:|\n| North | 1 : 2,255 |\n", encoding="utf-8")
    assert run_cli(root, "build", "--no-pdf") == 0
    return root / "build"


def parse(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def text(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def heading_before(element: lxml.html.HtmlElement) -> str:
    return text(element.xpath("preceding::h2[1]")[0])


# --- one short caption per chart --------------------------------------------------------

@pytest.mark.parametrize("page", CHART_PAGES)
def test_each_chart_has_one_short_caption_that_repeats_neither_its_heading_nor_the_name(site, page):
    root = parse(site / page)
    charts = root.xpath("//div[@class='chart']")
    assert len(charts) >= 2
    for chart in charts:
        heading = heading_before(chart)
        (caption,) = chart.xpath("p[@class='chart-caption']")
        name = text(caption)
        # Short, and neither the section's heading again nor the page's long name.
        assert len(name) <= 80, name
        assert heading.casefold() not in name.casefold() and name.casefold() not in heading.casefold(), name
        # (England may be named as a mark, "England's as a line", never as the chart's subject.)
        assert not name.startswith(LONG_NAMES[page]), name
        assert page == "index.html" or LONG_NAMES[page] not in name, name
        # The chart's name is read once: from the image (the caption itself is hidden from
        # a screen reader), and its description once, from the details element.
        assert caption.get("aria-hidden") == "true"
        for svg in chart.xpath("svg"):
            assert svg.get("role") == "img" and svg.get("aria-labelledby") == caption.get("id")
            described = root.get_element_by_id(svg.get("aria-describedby"))
            assert described.xpath("ancestor::details")
        # The table of the chart's numbers is named on its own terms, not a third copy.
        block = chart.getparent()
        for table_caption in block.xpath("p[@class='table-caption']"):
            words = text(table_caption)
            assert words.casefold() not in (name.casefold(), heading.casefold()), words
            assert heading.casefold() not in words.casefold() and LONG_NAMES[page] not in words, words
            assert name.split(",")[0].casefold() not in words.casefold(), (name, words)


def test_chart_names_and_table_names_are_unique_on_a_page(site):
    for page in CHART_PAGES:
        root = parse(site / page)
        names = [text(p) for p in root.xpath("//p[@class='chart-caption' or contains(@class, 'table-caption')]")]
        assert len(names) == len(set(names)), (page, names)


# --- table captions outside the scroll regions --------------------------------------------

def test_no_scrolling_table_has_its_caption_inside_its_scroll_region(site):
    regions = 0
    for path in sorted(site.rglob("*.html")):
        root = parse(path)
        for region in root.xpath("//div[contains(@class, 'table-scroll')]"):
            regions += 1
            where = f"{path.relative_to(site)}: {text(region)[:60]}"
            assert not region.xpath(".//caption"), where
            label = root.get_element_by_id(region.get("aria-labelledby"))
            assert not label.xpath("ancestor-or-self::div[contains(@class, 'table-scroll')]"), where
            assert text(label), where
            # The table is named by the same words (a screen reader's table list).
            (table,) = region.xpath(".//table")
            assert table.get("aria-labelledby") == region.get("aria-labelledby"), where
    assert regions > 40


def test_a_markdown_tables_caption_comes_before_its_scroll_region(site):
    root = parse(site / "tables.html")
    first, second = root.xpath("//div[contains(@class, 'table-scroll')]")
    caption = first.getprevious()
    assert caption.tag == "p" and "table-caption" in caption.get("class")
    assert text(caption) == "Table 1: Staff ratios by region in 2018, a caption long enough to wrap on a phone"
    assert first.get("aria-labelledby") == caption.get("id") == first.xpath("table")[0].get("aria-labelledby")
    # A table with no caption is named by its section's heading, outside the region.
    assert second.get("aria-labelledby") == "ratios" and root.get_element_by_id("ratios").tag == "h2"


def test_the_a_to_z_and_data_tables_are_named_outside_their_regions(site):
    letters = parse(site / "organisations" / "index.html")
    region = letters.xpath("//div[contains(@class, 'table-scroll')]")[0]
    assert text(letters.get_element_by_id(region.get("aria-labelledby"))) == "Organisations starting with A"
    data = parse(site / "data.html")
    region = data.xpath("//div[contains(@class, 'table-scroll')]")[0]
    assert text(data.get_element_by_id(region.get("aria-labelledby"))).startswith("Columns in ")


# --- numbers never wrap away from their units -------------------------------------------

def test_numbers_keep_their_units_with_no_break_spaces(site):
    html = (site / "organisations" / "aaa1.html").read_text(encoding="utf-8")
    # The lead block, the tiles and the tables: "10.0 WTE", "1st of 4", "0.6 WTE".
    assert f"10.0{NBSP}WTE recommended" in html
    assert f"1st{NBSP}of{NBSP}1" in html and f"1st{NBSP}of{NBSP}4" in html
    assert f"0.6{NBSP}WTE needed a year ago" in html
    assert not re.search(r"\d WTE\b", re.sub(r"<svg.*?</svg>", "", html, flags=re.S))
    assert not re.search(r"\d(st|nd|rd|th) of \d", html)


def test_a_ratio_written_in_a_content_page_keeps_its_parts_together(site):
    import html as entities

    html = entities.unescape((site / "tables.html").read_text(encoding="utf-8"))
    assert f"at 1{NBSP}:{NBSP}1,250 or\n1{NBSP}:{NBSP}1,730" in html
    assert f"<td class=\"align-right\">1{NBSP}:{NBSP}1,180</td>" in html
    assert "<code>1 : 2</code>" in html           # code as written
    assert "Table 1: Staff ratios" in html         # a caption's "1:" is no ratio


def test_a_tied_rank_keeps_its_words_together():
    from kfh_site.figures.types import ALL, Rank
    from kfh_site.story import formatting as fmt

    rank = Rank(ALL, "", 53, True, 133, 0, 1700.0)
    assert fmt.rank(rank) == f"=53rd{NBSP}of{NBSP}133"


# --- the bullet chart's "now" in or beside its bar ---------------------------------------

def _bullet(frame_name: str, qualified: float, recommended: float, needed: float, nhs: float):
    from kfh_site.domain import Policy
    from kfh_site.story.charts.bullet import bullet_layouts
    from kfh_site.story.palette import Palette

    wide, narrow = bullet_layouts(qualified, recommended, needed, nhs, Policy(1250, 1730), Palette())
    return wide if frame_name == "wide" else narrow


def _now_label(layout):
    body = str(layout.body)
    bar = re.search(r'class="r-bar-this" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', body)
    x, y, width, height = map(float, bar.groups())
    (now,) = [m for m in re.finditer(r'<text class="([^"]+)" x="([\d.]+)" y="([\d.]+)"[^>]*>([^<]*)</text>', body)
              if m.group(4).endswith(" now")]
    return now.group(1), float(now.group(2)), float(now.group(3)), now.group(4), (x, y, width, height)


@pytest.mark.parametrize("frame", ["wide", "narrow"])
def test_the_bullet_charts_now_is_in_its_bar_where_the_words_fit_there(frame):
    # Guy's and St Thomas': 13.3 WTE now, 16.9 recommended (21,098 NHS staff), 12.2 at 2019's
    # average, whose line crosses the bar near its end: "13.3 WTE now" (about 90 of the
    # narrow frame's 300 units) fits in the 121-unit bar, so it is written there.
    role, x, y, words, (bx, by, width, height) = _now_label(_bullet(frame, 13.3, 16.9, 3.6, 21098))
    assert words == f"13.3{NBSP}WTE now" and role == "r-label-inverse"
    assert bx < x < bx + width and by < y < by + height


@pytest.mark.parametrize("frame", ["wide", "narrow"])
@pytest.mark.parametrize("qualified, recommended, needed, nhs", [
    (13.3, 16.9, 3.6, 21098), (10, 10, 0, 12500), (20, 10, 0, 12500), (2.0, 14.4, 12.4, 18000), (0, 3.2, 3.2, 4000)])
def test_the_bullet_charts_now_is_in_or_just_under_its_bar(frame, qualified, recommended, needed, nhs):
    role, x, y, words, (bx, by, width, height) = _now_label(_bullet(frame, qualified, recommended, needed, nhs))
    # In the bar, or on the first line under it: never a lane further down.
    assert by < y <= by + height + 20, (words, y, by, height)
    if role != "r-label-inverse":
        assert x <= bx + width, (words, x, bx, width)     # under the bar, not past its end


# --- chart text size in a browser --------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("width, least", [(320, 12), (390, 12), (768, 14), (1280, 14)])
def test_rendered_chart_text_is_12px_on_a_phone_and_14px_on_a_desktop(chromium, site, width, least):
    with web.serve(site) as url:
        page = chromium.new_page(viewport={"width": width, "height": 900})
        for path in CHART_PAGES:
            page.goto(url + path)
            sizes = page.evaluate("""() => [...document.querySelectorAll('svg.chart-svg')]
                .filter(s => s.getBoundingClientRect().width > 0)
                .flatMap(s => {
                    const scale = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
                    return [...s.querySelectorAll('text')].map(t => [
                        parseFloat(getComputedStyle(t).fontSize) * scale, t.textContent]);
                })""")
            assert sizes, path
            smallest = min(sizes)
            assert smallest[0] >= least - 0.01, (path, width, smallest)
        page.close()


@pytest.mark.browser
def test_at_320_px_every_table_caption_is_on_screen_and_no_column_name_runs_off_it(chromium, site):
    pages = [*CHART_PAGES, "organisations/index.html", "data.html", "tables.html"]
    with web.serve(site) as url:
        page = chromium.new_page(viewport={"width": 320, "height": 900})
        for path in pages:
            page.goto(url + path)
            cut = page.evaluate("""() => [...document.querySelectorAll('.table-scroll')].flatMap(r => {
                const label = document.getElementById(r.getAttribute('aria-labelledby'));
                if (label.classList.contains('visually-hidden')) return [];
                const box = label.getBoundingClientRect();
                return box.right > document.documentElement.clientWidth || label.scrollWidth > label.clientWidth
                    || r.contains(label) ? [label.textContent] : [];
            })""")
            assert cut == [], (path, cut)
        # On data.html a long column name (current_awareness_subscribers_type_median_per_1000_staff)
        # breaks rather than widening its column past the screen.
        page.goto(url + "data.html")
        widest = page.evaluate("""() => Math.max(...[...document.querySelectorAll('.column-list th code')]
            .map(c => c.getBoundingClientRect().right))""")
        assert widest <= 320
        page.close()


def test_the_phone_strip_plot_labels_3000_and_the_open_end(site):
    root = parse(site / "organisations" / "aaa1.html")
    (svg,) = root.xpath("//svg[contains(@class, 'chart-narrow') and @aria-labelledby='strip-aaa1-caption']")
    texts = [t.text for t in svg.iter("text")]
    assert {"500", "1,000", "1,500", "2,000", "2,500", "3,000", "3,500+"} <= set(texts)


@pytest.mark.browser
def test_a_table_cut_off_at_320_px_shows_a_shadow_where_more_columns_are(chromium, site):
    shadows = """() => [...document.querySelectorAll('.table-scroll')].map(r => [
        document.getElementById(r.getAttribute('aria-labelledby')).textContent.trim(),
        r.scrollWidth > r.clientWidth + 1, getComputedStyle(r).boxShadow])"""
    with web.serve(site) as url:
        page = chromium.new_page(viewport={"width": 320, "height": 900})
        page.goto(url + "organisations/aaa1.html")
        regions = {name: (cut, shadow) for name, cut, shadow in page.evaluate(shadows)}
        cut, shadow = regions["Staff and staff ratio each year"]
        assert cut and "inset" in shadow and "rgba(0, 0, 0, 0.45) -14px" in shadow, shadow
        assert not re.search(r"rgba\(0, 0, 0, 0\.45\) 14px", shadow)     # nothing to the left yet
        fits, shadow = regions["Library and knowledge services staff, 2024/25"]
        assert not fits and shadow == "none"
        page.close()
