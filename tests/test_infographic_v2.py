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
    assert "4.5 WTE needed to bring 3 of its 4 organisations up to 1 : 1,250" in text_of(
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
