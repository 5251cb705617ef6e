"""PDF infographics: tagged PDF/UA, the same figures as the HTML, identical every build,
and nothing fetched from outside the project."""

from __future__ import annotations

import http.server
import re
import threading
from pathlib import Path

import pikepdf
import pytest
from conftest import run_cli, tree_bytes
from pypdf import PdfReader
from test_site import text_of

from kfh_site.check.checks import page_facts


def struct_elements(pdf: pikepdf.Pdf):
    """Every structure element under the StructTreeRoot, depth first."""
    stack = [pdf.Root.StructTreeRoot]
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        if kids is None:
            continue
        kids = kids if isinstance(kids, pikepdf.Array) else [kids]
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                yield kid
                stack.append(kid)


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(page.extract_text() or "" for page in PdfReader(path).pages).split())


@pytest.mark.slow
def test_every_organisation_region_and_england_has_a_pdf_linked_from_its_page(example_site):
    organisations = sorted(p.stem for p in (example_site / "organisations").glob("*.html") if p.stem != "index")
    assert sorted(p.stem for p in (example_site / "pdf" / "organisations").glob("*.pdf")) == organisations
    regions = sorted(p.stem for p in (example_site / "regions").glob("*.html"))
    assert sorted(p.stem for p in (example_site / "pdf" / "regions").glob("*.pdf")) == regions
    assert (example_site / "pdf" / "england.pdf").is_file()
    links = [link for _, link in page_facts((example_site / "organisations" / "rj1.html").read_text()).links]
    assert "../pdf/organisations/rj1.pdf" in links
    assert "pdf/england.pdf" in [link for _, link in page_facts((example_site / "index.html").read_text()).links]


@pytest.mark.slow
def test_pdf_link_reads_like_a_gov_uk_attachment(example_site):
    text = text_of(example_site / "regions" / "london.html")
    size = (example_site / "pdf" / "regions" / "london.pdf").stat().st_size
    kb = round(size / 1024)
    # Beside the title (issue 19): the first thing after the page's name and its line of facts.
    assert f"London: 2024/25 Download the one-page PDF (A4, {kb} KB)" in text


@pytest.mark.slow
@pytest.mark.parametrize("name", ["organisations/rj1", "organisations/qf7", "regions/london", "england"])
def test_pdf_is_tagged_pdf_ua_with_language_title_and_alt_text(example_site, name):
    path = example_site / "pdf" / f"{name}.pdf"
    with pikepdf.open(path) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en-GB"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        title = str(pdf.docinfo["/Title"])
        assert title.endswith(": library and knowledge services 2024/25")
        with pdf.open_metadata() as xmp:
            assert xmp.get("pdfuaid:part") == "1"
        kinds = [str(e.S) for e in struct_elements(pdf)]
        assert "/H1" in kinds and "/H2" in kinds and "/Table" in kinds and "/TH" in kinds
        figures = [e for e in struct_elements(pdf) if e.S == "/Figure"]
        # Three charts or more, each a tagged figure whose text alternative states its numbers
        # (ratios, or WTE for the staffing trend), and the QR code, whose alternative gives
        # the web page's address (issue 19).
        charts = [f for f in figures if not str(f.Alt).startswith("QR code for https://")]
        assert len(charts) >= 3 and all(re.search(r"1\s:\s[\d,]+|\d\.\d", str(f.Alt)) for f in charts)
        assert len(figures) == len(charts) + 1
        scopes = {str(e.A.Scope) for e in struct_elements(pdf) if e.S == "/TH"}
        assert scopes == {"/Column", "/Row"}
        assert "/IDTree" in pdf.Root.StructTreeRoot
        assert len(pdf.pages) == 1
        fonts = {str(f.BaseFont) for f in pdf.pages[0].Resources.Font.values()}
        assert fonts and all("Liberation" in f for f in fonts), fonts


@pytest.mark.slow
def test_pdf_text_holds_the_name_the_headline_and_the_tiles_of_the_html_page(example_site):
    for name in ("organisations/rj1", "organisations/qf7", "regions/london", "index"):
        page = (example_site / f"{name}.html").read_text()
        html = text_of(example_site / f"{name}.html")
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", page).group(1).replace("&#39;", "'").split(": 20")[0].split(",")[0]
        headline = " ".join(re.sub("<[^>]+>", "", re.search(r'<p class="headline">(.*?)</p>', page, re.S)
                                   .group(1)).replace("&#39;", "'").split())
        pdf = "england" if name == "index" else name
        text = pdf_text(example_site / "pdf" / f"{pdf}.pdf")
        assert headline in html
        assert headline in text, name   # the same sentence, from the same code, on the page and in the PDF
        if name != "index":
            assert heading in text, name
        for value in re.findall(r'<p class="tile-value">(.*?)</p>', page):
            value = " ".join(value.replace("&#39;", "'").split())
            assert value in text, (name, value)


@pytest.mark.slow
def test_every_pdf_of_the_example_is_one_a4_page_with_no_text_under_7_5_points(example_site):
    import shutil
    import subprocess

    pdfs = sorted(example_site.rglob("*.pdf"))
    # 249 organisations (247 reporting in 2024/25 and the merged RDZ and RD3), 7 regions, England.
    assert len(pdfs) == 257
    for path in pdfs:
        reader = PdfReader(path)
        assert len(reader.pages) == 1, path
        box = reader.pages[0].mediabox
        assert (round(float(box.width) * 25.4 / 72), round(float(box.height) * 25.4 / 72)) == (210, 297), path
    # Chart text is drawn small in the PDF: measure the words' height as poppler lays
    # them out (Liberation Sans: ascent + descent = 1.117 em).
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (Debian's poppler-utils) is needed to measure PDF text"
    for name in ("england", "regions/london", "organisations/rj1", "organisations/qkk"):
        boxes = subprocess.run([pdftotext, "-bbox", str(example_site / "pdf" / f"{name}.pdf"), "-"],
                               capture_output=True, text=True, check=True).stdout
        sizes = [(float(y1) - float(y0)) / 1.117 for y0, y1 in
                 re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes)]
        assert len(sizes) > 200 and min(sizes) >= 7.45, (name, min(sizes))


def test_pdfs_are_byte_identical_across_builds(project, tmp_path):
    assert run_cli(project, "build", "--out", str(tmp_path / "one"), "--jobs", "2") == 0
    assert run_cli(project, "build", "--out", str(tmp_path / "two"), "--jobs", "1") == 0
    one, two = tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "two")
    assert sorted(p for p in one if p.endswith(".pdf")) == [
        "pdf/england.pdf", "pdf/organisations/aaa1.pdf", "pdf/organisations/bbb.pdf",
        "pdf/organisations/ccc.pdf", "pdf/organisations/ddd.pdf", "pdf/organisations/eee.pdf",
        "pdf/regions/london.pdf", "pdf/regions/midlands.pdf", "pdf/regions/north-west.pdf",
    ]
    assert one == two


class _CountingServer(http.server.ThreadingHTTPServer):
    requests = 0


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's API
        self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_server():
    server = _CountingServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_template_image_on_the_network_or_outside_the_project_is_not_fetched(project, loopback_server, capsys):
    url = f"http://127.0.0.1:{loopback_server.server_address[1]}/logo.png"
    outside = project.parent / "secret.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\n")
    template = project / "templates" / "infographic.html"
    template.write_text(template.read_text().replace(
        "<h1>", f'<img src="{url}" alt="Logo"><img src="{outside.as_uri()}" alt="Secret"><h1>', 1))
    assert run_cli(project, "build") == 1
    err = capsys.readouterr().err
    assert "the PDF infographics asked for files kfh-site does not fetch" in err
    assert url in err and outside.as_uri() in err
    assert "Traceback" not in err
    assert loopback_server.requests == 0
    assert not (project / "build").exists()


def test_a_markdown_image_on_the_network_is_refused_and_not_fetched(project, loopback_server, capsys):
    url = f"http://127.0.0.1:{loopback_server.server_address[1]}/chart.png"
    page = project / "content" / "methodology.md"
    page.write_text(page.read_text() + f"\n![A chart]({url})\n")
    assert run_cli(project, "build") == 1
    err = capsys.readouterr().err
    assert f"content/methodology.md: the image {url} is not part of the project" in err
    assert loopback_server.requests == 0


def test_a_local_markdown_image_is_published_beside_the_page(project):
    (project / "content" / "images").mkdir()
    (project / "content" / "images" / "model.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    page = project / "content" / "knowledge-management.md"
    page.write_text(page.read_text() + "\n![The knowledge management model](images/model.svg)\n")
    (project / "content" / "methodology.md").write_text(
        (project / "content" / "methodology.md").read_text() + "\n![Outside](../kfh-site.toml)\n")
    assert run_cli(project, "build", "--no-pdf") == 1
    (project / "content" / "methodology.md").write_text(
        (project / "content" / "methodology.md").read_text().replace("\n![Outside](../kfh-site.toml)\n", ""))
    assert run_cli(project, "build", "--no-pdf") == 0
    assert (project / "build" / "images" / "model.svg").is_file()
    assert '<img alt="The knowledge management model" src="images/model.svg"' in (
        project / "build" / "knowledge-management.html").read_text()


def test_a_weasyprint_warning_fails_the_build_instead_of_losing_content(project, capsys):
    css = project / "templates" / "infographic.css"
    css.write_text(css.read_text() + "\nh1 { colour: red; }\n")
    assert run_cli(project, "build") == 1
    err = capsys.readouterr().err
    assert "WeasyPrint could not render the PDFs exactly as written" in " ".join(err.split())
    assert "colour" in err


def test_pdfs_are_made_again_when_the_font_files_differ(project, tmp_path):
    """Issue 20: a PDF is byte-identical only with the same font files. The build keys each
    PDF, and the up-to-date check, on the font files (path and SHA-256), so another
    Liberation Sans makes every PDF again instead of reusing PDFs made with other fonts."""
    import os
    import shutil
    import subprocess
    import sys

    from kfh_site.pdf.fonts import font_files

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    for file in font_files():
        if file.name.startswith("LiberationSans"):
            shutil.copy(file, fonts / file.name)
    assert (fonts / "LiberationSans-Regular.ttf").is_file()
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"<?xml version='1.0'?>\n<fontconfig><dir>{fonts}</dir><cachedir>{tmp_path / 'cache'}</cachedir>"
                    "</fontconfig>\n")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}

    def build() -> str:
        done = subprocess.run([str(Path(sys.executable).parent / "kfh-site"), "build"], cwd=project, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def cached() -> set[str]:
        return {p.stem for p in (project / ".build.kfh-cache" / "pdf").glob("*.pdf")}

    build()
    first = cached()
    assert len(first) == 9
    assert "is up to date" in build()
    # The same font at the same path with other bytes (another release of it, say).
    with (fonts / "LiberationSans-Regular.ttf").open("ab") as font:
        font.write(b"\0\0\0\0")
    out = build()
    assert "is up to date" not in out and "9 PDFs" in out
    assert cached().isdisjoint(first)  # every PDF made again, under a new key
    for pdf in (project / "build" / "pdf").rglob("*.pdf"):
        assert PdfReader(pdf).pages[0].extract_text()
