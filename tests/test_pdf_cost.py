"""Issue 20 (a cheaper infographic document) and issue 19's PDF tag hygiene: the charts'
labels drawn whole, where they were drawn, and a structure tree with nothing empty in it;
read back from PDFs built from the small project."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pikepdf
import pytest

from kfh_site.pdf.jobs import PdfJob, RenderSettings
from tests.test_pdf import struct_elements

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.fixture(scope="module")
def pdfs(small_project_with_pdfs: Path) -> Path:
    return small_project_with_pdfs / "build" / "pdf"


def _figure_boxes(pdf: pikepdf.Pdf) -> dict[str, list[float]]:
    return {str(o.Alt)[:10]: [float(v) for v in o.A.BBox] for o in pdf.objects
            if isinstance(o, pikepdf.Dictionary) and o.get("/S") == "/Figure"}


def test_chart_labels_are_drawn_whole_in_the_page_not_a_form_each(pdfs):
    """WeasyPrint drew each SVG label a letter at a time, and each label anchored at its
    end or middle as a form XObject of its own (44 in England's PDF): most of a PDF's
    cost. Drawn whole, the page needs no forms and the labels sit where they did."""
    for path in sorted(pdfs.rglob("*.pdf")):
        with pikepdf.open(path) as pdf:
            forms = [x for x in pdf.pages[0].Resources.get("/XObject", {}).values() if x.get("/Subtype") == "/Form"]
            assert forms == [], (path, len(forms))
    path = next(pdfs.glob("organisations/*.pdf"))
    with pikepdf.open(path) as pdf:
        strip = _figure_boxes(pdf)["Strip plot"]
    with pdfplumber.open(path) as document:
        page = document.pages[0]
        inside = [w for w in page.extract_words()
                  if strip[0] - 1 <= w["x0"] and w["x1"] <= strip[2] + 5
                  and strip[1] - 1 <= page.height - w["bottom"] and page.height - w["top"] <= strip[3] + 1]
        text = " ".join(w["text"] for w in inside)
    # The ranks and medians are anchored at the strip's right edge (x = 640 of 640).
    right = [w for w in inside if w["x1"] > strip[2] - 2]
    assert len(right) >= 6 and all(abs(w["x1"] - strip[2]) < 0.6 for w in right), right
    # The row titles start at its left edge, whole words in order.
    assert "All organisations" in text and "median" in text
    assert min(w["x0"] for w in inside) == pytest.approx(strip[0], abs=0.6)


def test_labels_weasyprint_draws_itself_still_come_out(tmp_path):
    """A label with more than one position, a rotation or a tspan is left to WeasyPrint
    (letter by letter), and still drawn; a plain one anchored at its middle is centred."""
    from kfh_site.pdf.render import Renderer, collect

    svg = ('<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Test chart" viewBox="0 0 400 100" '
           'width="400" height="100" font-family="Liberation Sans">'
           '<text x="200" y="20" font-size="14" text-anchor="middle">Centred label</text>'
           '<text x="10" y="50" font-size="14" rotate="0 0 0">Rotated</text>'
           '<text x="10" y="80" font-size="14">Plain <tspan font-weight="bold">and bold</tspan></text></svg>')
    html = f'<!DOCTYPE html><html lang="en"><head><title>T</title></head><body><h1>T</h1>{svg}</body></html>'
    css = "@page { size: A4; margin: 0; } body { margin: 0; } svg { width: 400px; height: 100px; }"
    result = collect([Renderer(RenderSettings(TEMPLATES, (TEMPLATES,), css)).render(PdfJob("t.pdf", html))])["t.pdf"]
    (tmp_path / "t.pdf").write_bytes(result.data)
    with pdfplumber.open(tmp_path / "t.pdf") as document:
        page = document.pages[0]
        words = page.extract_words()
        text = " ".join(w["text"] for w in words)
    # WeasyPrint's own letter-by-letter drawing leaves no gap a reader of the text takes for a space.
    assert "Centred label" in text and "Rotated" in text and "Plainandbold" in text.replace(" ", "")
    centred = [w for w in words if w["text"] in ("Centred", "label")]
    middle = (centred[0]["x0"] + centred[-1]["x1"]) / 2
    svg_top = min(w["top"] for w in words)  # the svg starts below the heading
    assert svg_top > 10
    assert middle == pytest.approx(200 * 0.75, abs=0.5)  # 200 CSS px = 150 pt


def _marked_text(page) -> dict[int, str]:
    """The text of each marked-content id on the page."""
    text: dict[int, str] = {}
    for char in page.chars:
        if char.get("mcid") is not None:
            text[char["mcid"]] = text.get(char["mcid"], "") + char["text"]
    return text


def _texts_by_tag(page) -> dict[str, list[str]]:
    """Each structure element's text (its own and its children's), listed by tag."""
    text = _marked_text(page)
    found: dict[str, list[str]] = {}

    def walk(element: dict) -> str:
        words = "".join(text.get(m, "") for m in element.get("mcids") or [])
        words += "".join(walk(child) for child in element.get("children", []))
        found.setdefault(element["type"], []).append(words)
        return words

    for element in page.structure_tree:
        walk(element)
    return found


def test_the_structure_tree_has_no_empty_span_and_no_span_of_empty_text(pdfs):
    """Issue 19, item 22: one empty /Span per PDF (a tile's status mark) and spans of
    empty text (the spaces between the lead block's figures)."""
    for path in sorted(pdfs.rglob("*.pdf")):
        with pdfplumber.open(path) as document:
            text = _marked_text(document.pages[0])
        with pikepdf.open(path) as pdf:
            for element in struct_elements(pdf):
                if element.S != "/Span":
                    continue
                kids = element.get("/K")
                kids = [] if kids is None else list(kids) if isinstance(kids, pikepdf.Array) else [kids]
                assert kids, (path, "an empty /Span")
                for kid in kids:
                    if isinstance(kid, pikepdf.Dictionary):
                        continue
                    assert text.get(int(kid), "").strip(), (path, f"a /Span of empty text (MCID {int(kid)})")


def test_what_the_service_did_is_tagged_as_a_heading(pdfs):
    """Issue 19, item 22: it looks like a heading, so it is one (H2, like the page's other
    section headings), not only a table's caption."""
    for path in sorted(pdfs.rglob("*.pdf")):
        with pdfplumber.open(path) as document:
            found = _texts_by_tag(document.pages[0])
        assert any(h.startswith("What the service") for h in found.get("H2", [])), (path, found.get("H2"))
        assert not any(c.startswith("What the service") for c in found.get("Caption", [])), path


def test_charts_are_images_a_worker_lets_go_of_after_each_pdf(small_project_with_pdfs):
    """The charts and the QR code are SVG images in the PDF's HTML (WeasyPrint parses them
    with ElementTree and cascades no stylesheet over their marks), each a tagged Figure
    with its text alternative; a worker keeps none of them after the PDF that drew it."""
    from kfh_site.build.pipeline import compute, read_returns
    from kfh_site.config import load_config
    from kfh_site.html.render import make_environment
    from kfh_site.pdf.jobs import CHART_IMAGE
    from kfh_site.pdf.plan import infographic_jobs
    from kfh_site.pdf.render import Renderer, collect
    from kfh_site.story.palette import Palette
    from kfh_site.story.teller import StoryTeller

    config = load_config(small_project_with_pdfs / "kfh-site.toml")
    figures = compute(config, read_returns(config, None))
    palette = Palette(accent=config.theme.accent_colour)
    planned = infographic_jobs(make_environment(config.template_folders), config, StoryTeller(figures, palette),
                               palette)
    job = next(j for j in planned.jobs if "/organisations/" in j.path)
    assert "<svg" not in job.html and "<title>" not in job.html.split("</head>")[1]
    assert job.html.count(f'src="{CHART_IMAGE}') == 4      # bullet, strip, trend and the QR code
    renderer = Renderer(planned.settings(config))
    results = collect([renderer.render(j) for j in planned.jobs[:3]])
    assert len(results) == 3
    assert not [url for url in renderer.cache if str(url).startswith("data:")]
    with pikepdf.open(small_project_with_pdfs / "build" / job.path) as pdf:
        alts = [str(e.Alt) for e in struct_elements(pdf) if e.S == "/Figure"]
    assert len(alts) == 4 and all(alts), alts
