"""The ODS writer on a small hand-made spreadsheet, read back with pandas (odfpy) and
as XML: every cell where it was put, numbers as numbers, text that looks like a formula
kept as text, links and whitespace kept, the same bytes every time."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from kfh_site.downloads.ods import ods_bytes
from kfh_site.downloads.sheets import NOT_AVAILABLE, Link, Sheet, Spreadsheet, Subheading
from kfh_site.returns.contract import column_letter

BOOK = Spreadsheet(
    title="LKS statistics 2024/25",
    subject="Staffing of NHS library and knowledge services",
    published=dt.date(2026, 11, 23),
    sheets=(
        Sheet("Cover", "LKS statistics 2024/25",
              (Subheading("Contents"), Link("Organisations", "#Organisations"),
               Link("Licence", "https://www.nationalarchives.gov.uk/doc/open-government-licence/"))),
        Sheet("Organisations", "Organisations, 2024/25", ("Figures for each organisation.",),
              headings=("Code", "Name", "NHS staff (WTE)", "Literature searches"),
              columns=(("RAA", "RBB", "RCC"),
                       ("=HYPERLINK(\"x\")", "Two  spaces\tand a tab", "Plain & <simple>"),
                       (2500.5, 1200.0, 800.25),
                       (12, NOT_AVAILABLE, 0)),
              places=(None, None, 1, 0)),
    ),
)


@pytest.fixture(scope="module")
def written() -> bytes:
    return ods_bytes(BOOK)


def test_every_cell_reads_back_where_it_was_put(written):
    sheets = pd.read_excel(io.BytesIO(written), sheet_name=None, engine="odf", header=None)
    assert list(sheets) == ["Cover", "Organisations"]
    cover = sheets["Cover"][0].tolist()
    assert cover == ["LKS statistics 2024/25", "Contents", "Organisations", "Licence"]
    table = sheets["Organisations"]
    assert table.iloc[0, 0] == "Organisations, 2024/25" and table.iloc[1, 0] == "Figures for each organisation."
    assert table.iloc[2].tolist() == ["Code", "Name", "NHS staff (WTE)", "Literature searches"]
    body = table.iloc[3:].reset_index(drop=True)
    assert body[0].tolist() == ["RAA", "RBB", "RCC"]
    assert body[1][0] == "'=HYPERLINK(\"x\")" and body[1][2] == "Plain & <simple>"
    assert body[1][1].startswith("Two  spaces")    # both spaces kept (pandas' reader drops the tab element)
    assert body[2].tolist() == [2500.5, 1200.0, 800.25]            # numbers, not text
    assert body[3].tolist() == [12, NOT_AVAILABLE, 0]              # a missing figure is [x], never blank


def test_text_a_spreadsheet_would_run_as_a_formula_stays_text(written):
    content = zipfile.ZipFile(io.BytesIO(written)).read("content.xml").decode()
    assert "<text:p>'=HYPERLINK(\"x\")</text:p>" in content
    assert "table:formula" not in content
    assert "Plain &amp; &lt;simple&gt;" in content


def test_links_whitespace_and_number_styles_are_written(written):
    content = zipfile.ZipFile(io.BytesIO(written)).read("content.xml").decode()
    assert 'xlink:href="#Organisations"' in content
    assert 'Two <text:s text:c="1"/>spaces<text:tab/>and a tab' in content
    # The table is a named range, header row included, for screen readers and filters.
    assert 'table:target-range-address="Organisations.A3:Organisations.D6"' in content
    assert 'office:value-type="float" office:value="2500.5"' in content


def test_the_file_is_a_valid_ods_and_the_same_bytes_every_time(written):
    archive = zipfile.ZipFile(io.BytesIO(written))
    first = archive.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    assert {i.date_time for i in archive.infolist()} == {archive.infolist()[0].date_time}
    meta = archive.read("meta.xml").decode()
    assert "<dc:title>LKS statistics 2024/25</dc:title>" in meta and "2026-11-23T00:00:00" in meta
    assert ods_bytes(BOOK) == written


@pytest.mark.parametrize("number", [1, 2, 25, 26, 27, 52, 53, 200, 702, 703, 16384])
def test_column_letters_are_openpyxls(number):
    assert column_letter(number) == get_column_letter(number)
