"""Any team's report: a region's scope, mergers, who reported, and the team's own look."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from conftest import CONFIG, HEADER, ROWS_2023, ROWS_2024, make_project, run_cli, write_csv
from test_pdf import pdf_text, struct_elements
from test_site import text_of

EMPTY = [""] * (len(HEADER) - 7)


def row(code: str, name: str, region: str, year: str, nhs: str, qualified: str, org_type: str = "Acute") -> list[str]:
    return [code, name, region, org_type, year, nhs, qualified, *EMPTY]


# --- a region's report ---------------------------------------------------------------------

LONDON_CONFIG = CONFIG.replace('title = "Test report"', 'title = "London library and knowledge services"') + \
    'scope = "London"\n'


@pytest.fixture(scope="module")
def london_site(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("london") / "project", LONDON_CONFIG, with_data=False)
    london_2023 = [r for r in ROWS_2023 if r[2] == "London"]
    london_2024 = [r for r in ROWS_2024 if r[2] == "London"] + [
        row("LLL", "Lambda Community NHS Trust", "London", "2024/25", "2,500", "2.5", "Community")]
    write_csv(project / "data" / "returns" / "2023-24.csv", london_2023)
    write_csv(project / "data" / "returns" / "2024-25.csv", london_2024)
    assert run_cli(project, "build") == 0
    return project / "build"


def without_names(text: str) -> str:
    """The page's words less names that merely contain "England": NHS England (credited
    for the workforce statistics) and "NHS England region", the contract's name for a
    region; and the abbreviation Health Education England in the policy's citation."""
    return (text.replace("NHS England", "").replace("Health Education England", ""))


def test_a_regions_report_is_that_regions_and_never_claims_england(london_site):
    assert not (london_site / "pdf" / "england.pdf").exists()
    assert (london_site / "pdf" / "london.pdf").is_file()
    assert not (london_site / "regions").exists()                 # the home page is London's
    home = text_of(london_site / "index.html")
    assert "London library and knowledge services, 2024/25" in home   # the title the team chose heads it
    # Alpha (1 : 1,250) and Lambda (1 : 1,000) meet it; Beta (1 : 1,890) does not.
    assert "2 of 3 organisations in London meet the recommended 1 : 1,250" in home
    nav = re.search(r'<nav class="site-nav".*?</nav>', (london_site / "index.html").read_text(), re.S).group(0)
    assert ">London</a>" in nav and ">England</a>" not in nav
    # Content pages are the team's own prose (the national policy is England's), and the
    # open data page defines columns for any report; every page of figures speaks for
    # London only.
    content = {p.stem for p in (london_site.parent / "content").rglob("*.md")} | {"data"}
    pages = [p for p in london_site.rglob("*.html") if p.stem not in content]
    assert sorted(p.relative_to(london_site).as_posix() for p in pages) == [
        "404.html", "accessibility.html", "index.html", "organisations/aaa1.html", "organisations/bbb.html",
        "organisations/index.html", "organisations/lll.html", "search.html"]   # the statement is kfh-site's own
    for page in pages:
        assert "England" not in without_names(text_of(page)), page
    for pdf in london_site.rglob("*.pdf"):
        assert "England" not in without_names(pdf_text(pdf)), pdf
    html = (london_site / "organisations" / "aaa1.html").read_text()
    crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", crumbs) == ["London"]
    org = text_of(london_site / "organisations" / "aaa1.html")
    # Ranked within the region: Lambda 1st (1 : 1,000), Alpha 2nd, Beta 3rd.
    assert "All organisations in London" in org and "2nd of 3" in org


def test_areas_without_returns_say_no_returns_never_a_status(london_site):
    with (london_site / "downloads" / "areas.csv").open(encoding="utf-8-sig") as handle:
        rows = [r for r in csv.DictReader(handle) if r["year"] == "2024/25"]
    by_area = {r["area"]: r for r in rows}
    assert "England" not in by_area                               # not every region sent returns
    assert by_area["London"]["status"] == "better-than-2019-average"
    others = [r for name, r in by_area.items() if name != "London"]
    assert len(others) == 6
    assert all(r["status"] == "no-returns" and r["status_label"] == "No returns" for r in others)


def test_a_scope_that_is_not_a_region_is_refused_with_a_suggestion(project, capsys):
    (project / "kfh-site.toml").write_text(CONFIG + 'scope = "Londn"\n')
    assert run_cli(project, "build", "--no-pdf") == 1
    err = capsys.readouterr().err
    assert "key 'scope'" in err and "did you mean 'London'?" in err


# --- mergers and who reported -------------------------------------------------------------

MERGER_CONFIG = CONFIG + """
[[mergers]]
year = "2024/25"
into = "RCC"
from = ["RAA", "RBB"]
"""


@pytest.fixture(scope="module")
def merged_site(tmp_path_factory) -> Path:
    project = make_project(tmp_path_factory.mktemp("merger") / "project", MERGER_CONFIG, with_data=False)
    write_csv(project / "data" / "returns" / "2023-24.csv", [
        row("RAA", "Ash NHS Trust", "London", "2023/24", "6000", "3"),
        row("RBB", "Birch NHS Trust", "London", "2023/24", "4000", "3"),
        row("DDD", "Delta NHS Trust", "London", "2023/24", "5000", "3"),
        row("GGG", "Gone NHS Trust", "London", "2023/24", "3000", "2"),
    ])
    write_csv(project / "data" / "returns" / "2024-25.csv", [
        row("RCC", "Ash and Birch NHS Foundation Trust", "London", "2024/25", "10500", "7"),
        row("DDD", "Delta NHS Trust", "London", "2024/25", "5100", "3"),
    ])
    assert run_cli(project, "build") == 0
    return project / "build"


def test_a_merged_trusts_change_is_from_its_predecessors_combined(merged_site):
    page = text_of(merged_site / "organisations" / "rcc.html")
    # 2023/24: (6,000 + 4,000) / (3 + 3) = 1 : 1,667, a ratio of sums; 2024/25: 10,500 / 7 = 1 : 1,500.
    assert "Formed in 2024/25 from Ash NHS Trust (RAA) and Birch NHS Trust (RBB)" in page
    # Told in the ask's unit (issue 19): 10,000 / 1,250 - 6 = 2.0 WTE then; 10,500 / 1,250 - 7 = 1.4 now.
    assert ("2.0 WTE needed a year ago by RAA and RBB together, 1.4 now; staff ratio 1 : 1,667 in 2023/24"
            in page)
    assert "Change in a year Better" in page
    assert "2023/24* 1 : 1,667" in page and "* Before 2024/25: RAA and RBB added together." in page
    pdf = pdf_text(merged_site / "pdf" / "organisations" / "rcc.pdf")
    assert "Formed in 2024/25 from Ash NHS Trust (RAA) and Birch NHS Trust (RBB)" in pdf
    assert "by RAA and RBB together" in pdf
    assert "staff ratio 1 : 1,667 in 2023/24" in pdf
    with (merged_site / "downloads" / "figures.csv").open(encoding="utf-8-sig") as handle:
        rcc = next(r for r in csv.DictReader(handle) if r["org_code"] == "RCC")
    assert rcc["combined_from"] == "RAA RBB" and rcc["previous_year"] == "2023/24"


def test_who_reported_is_counted_the_same_on_every_page(merged_site):
    index = text_of(merged_site / "organisations" / "index.html")
    assert "2 organisations sent a return for 2024/25" in index
    assert "Ash NHS Trust RAA 2023/24 Merged into Ash and Birch NHS Foundation Trust (RCC) in 2024/25" in index
    assert "Birch NHS Trust RBB 2023/24 Merged into Ash and Birch NHS Foundation Trust (RCC) in 2024/25" in index
    assert "Gone NHS Trust GGG 2023/24 No return" in index
    home = text_of(merged_site / "index.html")
    assert "of 2 organisations in London" in text_of(merged_site / "regions" / "london.html")
    assert "Meet 1 : 1,250 0 of 2" in home
    # London's like-for-like change counts Ash and Birch's successor and Delta; Gone left.
    assert "Among the same 2 organisations that reported in both 2023/24 and 2024/25" in home
    assert "1 organisation reported the year before but not this year" in home
    gone = text_of(merged_site / "organisations" / "raa.html")
    assert "Ash NHS Trust merged into Ash and Birch NHS Foundation Trust (RCC) in 2024/25" in gone
    assert "did not send a return for 2024/25" in pdf_text(merged_site / "pdf" / "organisations" / "ggg.pdf")


def _pdf_words(path: Path) -> str:
    """The PDF's text as pdfplumber reads it off the page, whitespace folded."""
    with pdfplumber.open(path) as pdf:
        return " ".join(" ".join((page.extract_text() or "") for page in pdf.pages).split())


def test_a_merged_trust_names_its_predecessors_on_its_page_and_pdf(merged_site):
    """A board member must not take the years before a merger for the new trust's own:
    the page and the PDF say whose figures they are, by name, and the trend marks the merger."""
    told = ("Formed in 2024/25 from Ash NHS Trust (RAA) and Birch NHS Trust (RBB): its figures before then "
            "are theirs added together.")
    page = text_of(merged_site / "organisations" / "rcc.html")
    assert told in page
    # The table's year is marked and its note says whose figures they are; the ratio cell holds a ratio only.
    assert "2023/24* 1 : 1,667 6.0" in page and "* Before 2024/25: RAA and RBB added together." in page
    html = (merged_site / "organisations" / "rcc.html").read_text(encoding="utf-8")
    trend = html[html.index('id="trend-rcc'):]
    trend = trend[:trend.index("</svg>")]
    assert ">merged<" in trend and ">RAA and RBB<" in trend
    assert "before 2024/25 the figures are RAA and RBB added together" in page
    pdf_path = merged_site / "pdf" / "organisations" / "rcc.pdf"
    pdf = _pdf_words(pdf_path)
    assert told in pdf
    assert "2023/24* 1 : 1,667" in pdf and "* Before 2024/25: RAA and RBB added together." in pdf
    assert "merged" in pdf.split("Qualified staff over time", 1)[1] and "RAA and RBB" in pdf
    with pdfplumber.open(pdf_path) as document:
        assert len(document.pages) == 1


def test_a_predecessors_page_ends_at_its_merger_and_says_so(merged_site):
    page = text_of(merged_site / "organisations" / "raa.html")
    assert ("Ash NHS Trust merged into Ash and Birch NHS Foundation Trust (RCC) in 2024/25: "
            "these are its figures for 2023/24, its last return.") in page
    # Its trend ends with its last return: the years after it are its successor's, not missing returns.
    assert "Qualified and recommended WTE, 2023/24 " in page and "2024/25 no return" not in page
    assert "Year Staff ratio Qualified staff (WTE) Recommended (WTE) NHS staff (WTE) England's ratio 2023/24 1 : 2,000 3.0" in page
    pdf = _pdf_words(merged_site / "pdf" / "organisations" / "raa.pdf")
    assert "merged into Ash and Birch NHS Foundation Trust (RCC) in 2024/25" in pdf and "2024/25 no return" not in pdf


def test_a_predecessors_last_return_is_never_called_now(merged_site):
    """Ash merged into Ash and Birch in 2024/25: its 3.0 qualified WTE were its staff in
    2023/24, not now, in the lead, the bullet chart, its table, the trend and the change."""
    page = text_of(merged_site / "organisations" / "raa.html")
    assert "to meet 1 : 1,250: 4.8 WTE recommended, 3.0 WTE in 2023/24" in page
    assert "Qualified staff in 2023/24 3.0 WTE" in page
    html = (merged_site / "organisations" / "raa.html").read_text(encoding="utf-8").replace("\u00a0", " ")
    assert ">3.0 WTE in 2023/24<" in html and "WTE now" not in html and " now<" not in html
    pdf = _pdf_words(merged_site / "pdf" / "organisations" / "raa.pdf")
    assert "3.0 WTE in 2023/24" in pdf and "WTE now" not in pdf
    # The successor's own figures are for the report year: "now" is right there.
    assert "8.4 WTE recommended, 7.0 WTE now" in text_of(merged_site / "organisations" / "rcc.html")


def _dorset(tmp_path: Path, first: str, second: str, successor: str, clinical: str) -> Path:
    """A merger as the example's: RAA and RBB (South West acute trusts) return 2019/20 to
    2021/22 and become RCC in 2022/23, which returns to 2024/25; every activity reported."""
    activity = ["3.0", "0.6", clinical, "192", "20", "101", "788", "1016", "900", "1962", "541", "3"]

    def full(code: str, name: str, year: str, nhs: str, qualified: str) -> list[str]:
        return [code, name, "South West", "Acute", year, nhs, qualified, *activity]

    project = make_project(tmp_path / "project", MERGER_CONFIG.replace('"2024/25"', '"2022/23"'), with_data=False)
    for year, nhs, qualified in (("2019/20", "4357", "2.3"), ("2020/21", "4425", "2.5"), ("2021/22", "4495", "2.0")):
        write_csv(project / "data" / "returns" / f"{year.replace('/', '-')}.csv", [
            full("RAA", first, year, nhs, qualified), full("RBB", second, year, "3500", "1.7")])
    for year, nhs, qualified in (("2022/23", "8153", "4.5"), ("2023/24", "8282", "4.5"), ("2024/25", "8412", "5.3")):
        write_csv(project / "data" / "returns" / f"{year.replace('/', '-')}.csv", [
            full("RCC", successor, year, nhs, qualified)])
    return project


def test_a_predecessor_with_a_long_name_still_fits_one_page(tmp_path):
    """The example's Royal Bournemouth and Christchurch Hospitals (a two-line name, a
    notice, every activity reported) ran onto a second page, which fails the build."""
    project = _dorset(tmp_path, "The Royal Bournemouth and Christchurch Hospitals NHS Foundation Trust",
                      "Poole Hospital NHS Foundation Trust", "University Hospitals Dorset NHS Foundation Trust", "0.0")
    assert run_cli(project, "build") == 0
    for code in ("raa", "rcc"):
        with pdfplumber.open(project / "build" / "pdf" / "organisations" / f"{code}.pdf") as document:
            assert len(document.pages) == 1, code
    with pdfplumber.open(project / "build" / "pdf" / "organisations" / "raa.pdf") as document:
        words = " ".join((document.pages[0].extract_text() or "").split())
    assert "merged into University Hospitals Dorset NHS Foundation Trust (RCC) in 2022/23" in words
    assert "2021/22" in words and "no return" not in words


@pytest.mark.parametrize("mergers, message", [
    ('[[mergers]]\nyear = "2024/25"\ninto = "RZZ"\nfrom = ["AAA1"]\n',
     "[[mergers]] entry 1 (RZZ, 2024/25): RZZ has no return for 2024/25"),
    ('[[mergers]]\nyear = "2024/25"\ninto = "BBB"\nfrom = ["QQQ"]\n',
     "[[mergers]] entry 1 (BBB, 2024/25): QQQ has no return before 2024/25"),
    ('[[mergers]]\nyear = "2024/25"\ninto = "BBB"\nfrom = ["AAA1"]\n'
     '[[mergers]]\nyear = "2024/25"\ninto = "CCC"\nfrom = ["AAA1"]\n',
     "[[mergers]] entry 2: AAA1 is merged twice (also in entry 1)"),
])
def test_a_merger_naming_unknown_codes_or_a_code_twice_is_refused(project, capsys, mergers, message):
    (project / "kfh-site.toml").write_text(CONFIG + mergers)
    assert run_cli(project, "build", "--no-pdf") == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


# --- the team's own look ----------------------------------------------------------------------


def test_an_accent_colour_too_pale_for_white_text_is_refused_with_its_contrast(project, capsys):
    (project / "kfh-site.toml").write_text(CONFIG + '[theme]\naccent_colour = "#66aaff"\n')
    assert run_cli(project, "build", "--no-pdf") == 1
    err = capsys.readouterr().err
    assert "key 'theme.accent_colour': #66aaff has a contrast of 2.4 : 1 against white" in err
    assert not (project / "build").exists()


def test_an_accent_colour_and_a_logo_appear_on_every_page_and_in_every_pdf(project):
    logo = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40"/></svg>'
    (project / "logo.svg").write_text(logo)
    (project / "kfh-site.toml").write_text(
        CONFIG + '[theme]\naccent_colour = "#7c2855"\nlogo = "logo.svg"\nlogo_alt = "Test LKS team"\n')
    assert run_cli(project, "build") == 0
    build = project / "build"
    assert "--accent: #7c2855;" in (build / "assets" / "palette.css").read_text()
    assert (build / "assets" / "logo.svg").read_text() == logo
    for page in ("index.html", "organisations/aaa1.html", "methodology.html", "regions/london.html"):
        html = (build / page).read_text()
        assert '<img class="site-logo" src="' in html and 'alt="Test LKS team"' in html, page
    assert 'stroke="#7c2855"' in (build / "organisations" / "aaa1.html").read_text()   # the charts' accent
    for pdf in (build / "pdf").rglob("*.pdf"):
        with pikepdf.open(pdf) as document:
            alts = [str(e.Alt) for e in struct_elements(document) if e.S == "/Figure" and "/Alt" in e]
            assert "Test LKS team" in alts, pdf
            drawn = b"".join(page.Contents.read_bytes() for page in document.pages)
            # #7c2855 as the PDF's colour: the kicker's text and the charts' accent strokes.
            assert b"0.486275 0.156863 0.333333 rg" in drawn and b"0.486275 0.156863 0.333333 RG" in drawn, pdf
            assert b"0 0.368627 0.721569" not in drawn, pdf           # no NHS blue left anywhere
    shutil.rmtree(build)


def test_a_successor_with_a_long_name_and_every_figure_still_fits_one_page(tmp_path):
    """A merger's successor whose name takes two lines in the title and again in "Where
    ... sits", with a notice naming two long-named predecessors and every activity
    reported, ran onto a second page. A page that overflows is laid out again, tighter
    (charts a little smaller, less space between blocks), before it is called an error;
    no text falls under 8.5 pt."""
    successor = "The Royal Bournemouth and Christchurch Hospitals NHS Foundation Trust"
    project = _dorset(tmp_path, "Royal Bournemouth General and Christchurch Community Hospitals NHS Trust",
                      "Poole and East Dorset Hospitals and Community Services NHS Foundation Trust", successor, "0.4")
    assert run_cli(project, "build") == 0
    with pdfplumber.open(project / "build" / "pdf" / "organisations" / "rcc.pdf") as document:
        assert len(document.pages) == 1
        page = document.pages[0]
        words = " ".join((page.extract_text() or "").split())
        assert min(round(c["size"], 1) for c in page.chars) >= 8.5
    assert successor in words and "Formed in 2022/23 from" in words and "Impact case studies" in words
