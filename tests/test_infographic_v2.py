"""Issue 19 (infographic v2): the ask leads, change is "about the same" under the
policy's share, and nothing a board can misread; on hand-made returns whose figures
are worked out in the comments."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest

from kfh_site.domain import BETTER, SAME, WORSE, ratio_direction
from tests.conftest import HEADER, make_project, run_cli, write_csv
from tests.test_site import text_of

BLANK_ACTIVITY = [""] * (len(HEADER) - 10)


def row(code: str, name: str, year: str, nhs: str, qualified: str, org_type: str = "Acute",
        region: str = "London") -> list[str]:
    return [code, name, region, org_type, year, nhs, qualified, "1", "", "", *BLANK_ACTIVITY]


def test_a_ratio_that_moved_less_than_two_percent_is_about_the_same():
    # 2 % of 1,000 is 20 staff per qualified WTE.
    assert ratio_direction(1019, 1000, 0.02) == SAME
    assert ratio_direction(981, 1000, 0.02) == SAME
    assert ratio_direction(1021, 1000, 0.02) == WORSE
    assert ratio_direction(979, 1000, 0.02) == BETTER
    # No qualified staff is never "about the same" as some.
    assert ratio_direction(None, 1000, 0.02) == WORSE
    assert ratio_direction(1000, None, 0.02) == BETTER


@pytest.fixture(scope="module")
def changes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_project(tmp_path_factory.mktemp("v2") / "project", with_data=False)
    write_csv(root / "data" / "returns" / "2023-24.csv", [
        row("SAM", "Same NHS Trust", "2023/24", "13000", "10"),       # 1 : 1,300, needs 10.4 - 10 = 0.4
        row("WOR", "Worse NHS Trust", "2023/24", "13000", "10"),      # 1 : 1,300, needs 0.4
        row("NON", "Nil Ambulance NHS Trust", "2023/24", "4000", "0", "Ambulance"),
        row("MET", "Met NHS Trust", "2023/24", "11000", "10"),
    ])
    write_csv(root / "data" / "returns" / "2024-25.csv", [
        row("SAM", "Same NHS Trust", "2024/25", "13200", "10"),       # 1 : 1,320, +1.5 %; needs 10.56 - 10 -> 0.6
        row("WOR", "Worse NHS Trust", "2024/25", "13300", "10"),      # 1 : 1,330, +2.3 %; needs 10.64 - 10 -> 0.7
        row("NON", "Nil Ambulance NHS Trust", "2024/25", "4000", "0", "Ambulance"),  # needs 3.2
        row("MET", "Met NHS Trust", "2024/25", "11000", "10"),        # 1 : 1,100: meets
    ])
    assert run_cli(root, "build") == 0
    return root / "build"


def test_change_is_about_the_same_under_the_share_and_told_in_the_asks_unit(changes):
    same = text_of(changes / "organisations" / "sam.html")
    assert ("Change in a year About the same 0.4 WTE needed a year ago, 0.6 now; "
            "staff ratio 1 : 1,300 in 2023/24") in same
    worse = text_of(changes / "organisations" / "wor.html")
    assert "Change in a year Worse 0.4 WTE needed a year ago, 0.7 now" in worse
    # The methodology's share is stated on every page's policy note.
    assert "A change of less than 2% in a ratio is called about the same." in same


def test_the_ask_leads_in_every_wording(changes):
    assert "0.6 WTE needed to meet 1 : 1,250: 10.6 WTE recommended, 10.0 WTE now" in text_of(
        changes / "organisations" / "sam.html")
    assert "Meets 1 : 1,250: 0 WTE needed" in text_of(changes / "organisations" / "met.html")
    none = text_of(changes / "organisations" / "non.html")
    assert "No qualified staff: 3.2 WTE needed to meet 1 : 1,250: 3.2 WTE recommended, 0.0 WTE now" in none
    # London: 0.6 + 0.7 + 3.2 (SAM, WOR, NON; MET meets) = 4.5 WTE, organisation by organisation.
    assert "4.5 WTE needed for 3 of 4 organisations to meet 1 : 1,250" in text_of(
        changes / "regions" / "london.html")


def _words(pdf: Path) -> list[dict]:
    with pdfplumber.open(pdf) as document:
        return [w for page in document.pages for w in page.extract_words(extra_attrs=["size", "fontname"])]


def test_the_ask_is_the_largest_figure_after_the_name_at_24_pt_or_more(changes):
    words = _words(changes / "pdf" / "organisations" / "wor.pdf")
    figure = max((w for w in words if w["text"] == "0.7"), key=lambda w: w["size"])
    assert figure["size"] >= 24
    lead = [w for w in words if abs(w["bottom"] - figure["bottom"]) < 3]   # "0.7 WTE needed"
    name = {"Worse", "NHS", "Trust"}
    others = [w["size"] for w in words if w["text"] not in name and w not in lead]
    assert max(others) < figure["size"]


def test_no_pdf_or_page_says_none_where_a_number_belongs(changes):
    for pdf in (changes / "pdf").rglob("*.pdf"):
        assert "None" not in [w["text"] for w in _words(pdf)], pdf
    for page in (changes / "organisations").glob("*.html"):
        assert " None " not in f" {text_of(page)} ", page


def test_pdf_text_is_never_under_8_5_pt(changes):
    for pdf in (changes / "pdf").rglob("*.pdf"):
        small = {(w["text"], round(w["size"], 1)) for w in _words(pdf) if w["size"] < 8.5 - 0.01}
        assert not small, (pdf, sorted(small)[:10])


def test_the_pdf_footer_links_the_full_address_and_carries_its_qr_code(changes):
    import pikepdf

    address = "https://example.github.io/kfh-report/organisations/wor.html"
    with pikepdf.open(changes / "pdf" / "organisations" / "wor.pdf") as pdf:
        links = [str(a.A.URI) for page in pdf.pages for a in page.get("/Annots", [])
                 if a.get("/Subtype") == "/Link" and "/A" in a and "/URI" in a.A]
        assert address in links
        alts = [str(obj.Alt) for obj in pdf.objects
                if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure" and "/Alt" in obj]
        assert f"QR code for {address}" in alts


def test_every_custom_property_the_stylesheets_use_is_defined():
    import re

    from kfh_site.story.palette import Palette
    from tests.conftest import REPO

    sheets = [Palette().css()] + [(REPO / "templates" / name).read_text(encoding="utf-8")
                                  for name in ("assets/style.css", "infographic.css")]
    text = "\n".join(sheets)
    defined = set(re.findall(r"(--[\w-]+)\s*:", text))
    used = set(re.findall(r"var\(\s*(--[\w-]+)", text))
    assert used - defined == set()


# --- chart layouts on hand-made figures ---------------------------------------------------

def _texts(layout) -> list[tuple[str, float, float]]:
    import re

    return [(m.group(3), float(m.group(1)), float(m.group(2))) for m in
            re.finditer(r'<text[^>]* x="([\d.-]+)" y="([\d.-]+)"[^>]*>([^<]*)</text>', layout.body)]


def _points(layout, role: str) -> list[tuple[float, float]]:
    import re

    path = re.search(rf'class="r-{role}" d="([^"]+)"', layout.body).group(1)
    return [(float(a), float(b)) for a, b in re.findall(r"M([\d.-]+) ([\d.-]+)h0", path)]


def test_the_trend_draws_no_qualified_staff_as_a_real_0_and_a_missing_year_as_a_gap():
    import re

    from kfh_site.story.charts.staffing_trend import StaffYear, staffing_trend_layouts
    from kfh_site.story.palette import Palette

    years = ["2021/22", "2022/23", "2023/24", "2024/25"]
    points = [StaffYear("2021/22", 4.0, 5.0, 1.0), StaffYear("2023/24", 0.0, 5.2, 5.2),
              StaffYear("2024/25", 6.0, 5.4, 0.0)]     # 2022/23: no return
    for layout in staffing_trend_layouts(years, points, Palette()):
        dots = _points(layout, "this-points")
        axis = max(float(v) for v in re.findall(r'class="r-axis" x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="\1"',
                                                 layout.body))
        assert len(dots) == 3
        assert dots[1][1] == axis                      # 0 WTE sits on the axis, not on a top gridline
        words = [t for t, _, _ in _texts(layout)]
        assert "none" in words and "no return" in words
        assert "+1.0" in words and "meets" in words     # the gap written at the first and last year
        line = re.search(r'class="r-this-line" d="([^"]+)"', layout.body).group(1)
        assert line.count("M") == 1 and "L" in line     # 2021/22 stands alone: a gap, no line through 2022/23
        assert all(year in words for year in years)     # every year labelled


def test_regions_compared_writes_each_ratio_and_labels_england_with_its_own_value():
    from kfh_site.domain import Policy
    from kfh_site.story.charts.compare import Entry, compare_layouts
    from kfh_site.story.palette import Palette

    entries = [Entry("London", 1683, True), Entry("Midlands", 1621), Entry("South East", 1724)]
    for layout in compare_layouts(entries, 1676, Policy(1250, 1730), Palette()):
        words = [t.replace("\u00a0", " ") for t, _, _ in _texts(layout)]
        assert {"1 : 1,683", "1 : 1,621", "1 : 1,724"} <= set(words)
        assert "England 1 : 1,676" in words or ("England" in words and "1 : 1,676" in words)
        assert "1,730" not in words                      # never a bare number under "England"


def test_the_bullet_writes_the_gap_in_its_dashed_box_and_the_markers_at_their_lines():
    import re

    from kfh_site.domain import Policy
    from kfh_site.story.charts.bullet import bullet_layouts
    from kfh_site.story.palette import Palette

    wide, _ = bullet_layouts(7.9, 14.4, 6.5, 18000, Policy(1250, 1730), Palette())
    gap = re.search(r'class="r-gap" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"', wide.body)
    left, right = float(gap.group(1)), float(gap.group(1)) + float(gap.group(3))
    texts = {t.replace("\u00a0", " "): (x, y) for t, x, y in _texts(wide)}
    assert left < texts["+6.5 WTE"][0] < right           # written in the dashed box (anchored at its middle)
    assert "7.9 WTE now" in texts
    recommended = re.search(r'class="r-ref-recommended" x1="([\d.]+)" y1="([\d.]+)"', wide.body)
    rec_text = next(t for t in texts if t.startswith("Recommended"))
    assert texts[rec_text][1] < float(recommended.group(2))   # above the bar, at its line's top
    assert abs(texts[rec_text][0] - float(recommended.group(1))) <= 5


def test_a_pdf_that_would_not_fit_one_page_is_an_error_naming_the_organisation(tmp_path, capsys):
    root = make_project(tmp_path / "project")
    css = (root / "templates" / "infographic.css").read_text(encoding="utf-8")
    (root / "templates" / "infographic.css").write_text(css + "\n.headline { font-size: 40pt; }\n", encoding="utf-8")
    assert run_cli(root, "build") == 1
    err = capsys.readouterr().err
    assert "must fit one A4 page" in err and "Alpha Acute NHS Trust (pdf/organisations/aaa1.pdf): 2 pages" in err


# --- where it sits: the strip plot ----------------------------------------------------

@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """London's acute trusts' median is 1 : 1,200; England's (with North West's three) 1 : 1,700."""
    from kfh_site.returns.contract import REGIONS

    root = make_project(tmp_path_factory.mktemp("v2-regions") / "project", with_data=False)
    rows = [row("LA1", "London One", "2024/25", "10000", "10"),          # 1 : 1,000
            row("LA2", "London Two", "2024/25", "12000", "10"),          # 1 : 1,200
            row("LA3", "London Three", "2024/25", "14000", "10"),        # 1 : 1,400
            row("NW1", "North One", "2024/25", "20000", "10", region="North West"),     # 1 : 2,000
            row("NW2", "North Two", "2024/25", "22000", "10", region="North West"),     # 1 : 2,200
            row("FAR", "Far Beyond NHS Trust", "2024/25", "77430", "10", region="North West")]  # 1 : 7,743
    # Every region sends a return, so that England is a fair comparison on London's page.
    rows += [row(f"XX{i}", f"Other {i}", "2024/25", "15000", "10", "Community", region)
             for i, region in enumerate(REGIONS) if region not in ("London", "North West")]
    write_csv(root / "data" / "returns" / "2024-25.csv", rows)
    assert run_cli(root, "build", "--no-pdf") == 0
    return root / "build"


def _wide_chart(page: Path, chart_id: str) -> str:
    import re

    html = page.read_text(encoding="utf-8")
    start = html.index(f'aria-labelledby="{chart_id}-caption"')
    return re.search(r'<svg class="chart-svg chart-wide".*?</svg>', html[start - 2000:], re.S).group(0)


def test_a_regions_type_row_ticks_the_regions_own_median_and_marks_englands_apart(regions):
    import re

    from kfh_site.story.charts.strip import WIDE_X, _scale

    x = _scale(*WIDE_X)
    svg = _wide_chart(regions / "regions" / "london.html", "types-london")
    acute = [float(a) for a in re.findall(r'class="r-median" x1="([\d.]+)"', svg)]
    assert acute and abs(acute[0] - x(1200)) < 0.11          # London's median, not England's 1 : 1,700
    diamond = re.search(r'class="r-england-median" d="M([\d.]+) ', svg)
    assert diamond and abs(float(diamond.group(1)) - x(1700)) < 0.11   # (1,400 + 2,000) / 2
    assert "England&#39;s median" in svg or "England's median" in svg
    assert 'class="r-this-small"' in svg                     # the region's organisations, small dots


def test_a_ratio_beyond_the_axis_is_written_at_its_end_and_3000_keeps_its_label(regions):
    svg = _wide_chart(regions / "organisations" / "far.html", "strip-far")
    texts = __import__("re").findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "1\u00a0:\u00a07,743 \u2192" in texts
    assert {"500", "1,000", "1,500", "2,000", "2,500", "3,000", "3,500+"} <= set(texts)


def test_no_qualified_staff_is_a_crossed_mark_past_the_axis_end_counted_in_the_row(changes):
    page = changes / "organisations" / "non.html"
    svg = _wide_chart(page, "strip-non")
    assert svg.count('class="r-none-this"') >= 1
    assert "1 with none" in svg or "with none" in svg
    assert "no qualified staff" in svg


def test_every_pdf_figure_box_is_in_points_on_its_page_around_its_chart(changes):
    import pikepdf

    for path in (changes / "pdf").rglob("*.pdf"):
        with pikepdf.open(path) as pdf:
            width, height = (float(v) for v in pdf.pages[0].MediaBox[2:])
            boxes = {str(obj.Alt)[:11]: [float(v) for v in obj.A.BBox] for obj in pdf.objects
                     if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure"}
        assert boxes, path
        for alt, (x1, y1, x2, y2) in boxes.items():
            assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height, (path, alt, (x1, y1, x2, y2))
    # The strip's first row title lies inside the strip's box (points from the bottom left).
    with pikepdf.open(changes / "pdf" / "organisations" / "wor.pdf") as pdf:
        strip = next([float(v) for v in obj.A.BBox] for obj in pdf.objects
                     if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/Figure"
                     and str(obj.Alt).startswith("Strip plot"))
    with pdfplumber.open(changes / "pdf" / "organisations" / "wor.pdf") as document:
        page = document.pages[0]
        word = next(w for w in page.extract_words() if w["text"] == "All")
        assert strip[0] - 0.5 <= word["x0"]
        assert strip[1] - 0.5 <= page.height - word["bottom"] < page.height - word["top"] <= strip[3] + 0.5


def test_a_relative_base_url_is_said_to_give_the_pdfs_relative_addresses(tmp_path, capsys):
    from tests.conftest import CONFIG

    root = make_project(tmp_path / "project", CONFIG.replace('"https://example.github.io/kfh-report/"', '"/report/"'))
    assert run_cli(root, "build") == 0
    out = capsys.readouterr().out
    assert "base_url is '/report/', not a full https address, so the PDFs show relative addresses" in out
    assert run_cli(root, "build", "--no-pdf", "--out", str(tmp_path / "pages")) == 0
    assert "relative addresses" not in capsys.readouterr().out      # no PDFs, nothing to say


@pytest.mark.browser
def test_check_fails_a_button_whose_text_cannot_be_seen(chromium, small_site, tmp_path):
    """White text on a background that is not there (an undefined custom property) is
    1 : 1 over the white page: axe leaves it for review; the check works it out and fails it,
    and names text over a gradient as needing review."""
    import shutil

    from kfh_site.check import browser as web

    broken = tmp_path / "site"
    shutil.copytree(small_site, broken)
    css = broken / "assets" / "style.css"
    css.write_text(css.read_text() + "\n.search-row button { background: var(--nowhere); color: #fff; }\n"
                   ".headline { background-image: linear-gradient(#fff, #eee); }\n")
    with web.serve(broken, "/") as url:
        found = web.run_axe(chromium, url, ["search.html", "index.html"], widths=[1280])
    contrast = [v for v in found if v.rule == "color-contrast" and v.page == "search.html"]
    assert contrast and any("worked out as 1.00 : 1" in v.help and "button" in " ".join(v.targets) for v in contrast)
    assert any(v.rule == web.REVIEW and v.page == "index.html" for v in found)


def test_none_is_written_beside_its_zero_point_between_two_years_with_staff():
    # Seen on a five-year return: 1.5, 1.2, 0, 0.8, 1.6 WTE put "none" under the chart,
    # below the year labels, because the lines either side left no room at the point.
    import re

    from kfh_site.story.charts.staffing_trend import StaffYear, staffing_trend_layouts
    from kfh_site.story.palette import Palette

    years = ["2020/21", "2021/22", "2022/23", "2023/24", "2024/25"]
    points = [StaffYear(y, q, r, max(r - q, 0.0)) for y, q, r in
              zip(years, (1.5, 1.2, 0.0, 0.8, 1.6), (2.4, 2.5, 2.5, 2.6, 2.6), strict=True)]
    for layout in staffing_trend_layouts(years, points, Palette()):
        dots = _points(layout, "this-points")
        axis = max(float(v) for v in re.findall(r'class="r-axis" x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="\1"',
                                                 layout.body))
        step = dots[1][0] - dots[0][0]
        (x, y), = [(x, y) for t, x, y in _texts(layout) if t == "none"]
        assert y < axis                                  # over the axis, inside the plot
        assert abs(x - dots[2][0]) < step                # at its year, not a neighbour's


@pytest.mark.slow
def test_every_tile_holds_its_words_in_its_pale_box(example_site):
    # Seen on England's and the regions' PDFs: a third line of a tile's note ran out of
    # its box of fixed height. The tiles grow together, so their figures stay on one baseline.
    for pdf in ("england.pdf", "regions/london.pdf", "organisations/rj1.pdf"):
        with pdfplumber.open(example_site / "pdf" / pdf) as document:
            page = document.pages[0]
            tiles = sorted((r for r in page.rects if r["non_stroking_color"] and r["height"] > 30
                            and max(r["non_stroking_color"]) < 0.97 and min(r["non_stroking_color"]) > 0.9),
                           key=lambda r: r["x0"])
            assert len(tiles) == 3, pdf
            assert len({round(t["bottom"]) for t in tiles}) == 1, pdf      # one height
            for tile in tiles:
                notes = [c for c in page.chars if tile["x0"] <= c["x0"] < tile["x1"] and c["size"] < 9
                         and tile["top"] < c["top"] < tile["bottom"] + 20]     # 8.5 pt notes, not the 11 pt heading
                assert notes, pdf
                assert all(c["bottom"] <= tile["bottom"] for c in notes), (pdf, "".join(c["text"] for c in notes))


def test_one_organisation_left_out_of_the_comparison_is_it_not_they(tmp_path):
    # Seen on London's page: "1 organisation reported this year but not the year before;
    # they are not part of the comparison".
    root = make_project(tmp_path / "project", with_data=False)
    write_csv(root / "data" / "returns" / "2023-24.csv", [row("AAA", "Alpha NHS Trust", "2023/24", "13000", "10")])
    write_csv(root / "data" / "returns" / "2024-25.csv", [
        row("AAA", "Alpha NHS Trust", "2024/25", "13000", "10"),
        row("BBB", "Beta NHS Trust", "2024/25", "6000", "4"),
        row("CCC", "Gamma NHS Trust", "2024/25", "6000", "4", region="Midlands")])
    assert run_cli(root, "build", "--no-pdf") == 0
    london = text_of(root / "build" / "regions" / "london.html")
    assert "1 organisation reported this year but not the year before; it is not part of the comparison." in london
    england = text_of(root / "build" / "index.html")
    assert "2 organisations reported this year but not the year before; they are not part of the comparison." in england
