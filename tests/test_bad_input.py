"""Bad input is normal input: every odd file gets a clear message, never a traceback."""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import pytest
from conftest import HEADER, ROWS_2024, write_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from kfh_site.errors import DataError, KfhError
from kfh_site.returns.contract import COLUMNS, REQUIRED, heading
from kfh_site.returns.table import load_returns

REQUIRED_NAMED = ", ".join(f'"{heading(c)}" ({c})' for c in REQUIRED)
"""The required columns as messages list them: the blank return's header, then the contract's name."""

# No deadline and no too_slow health check: how fast examples run is the machine's business.
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def only_problem(tmp_path: Path, path: Path) -> str:
    with pytest.raises(DataError) as caught:
        load_returns([path], tmp_path)
    assert len(caught.value.problems) == 1, caught.value.problems
    return str(caught.value.problems[0])


def row(**changes: str) -> list[str]:
    values = dict(zip(HEADER, ROWS_2024[0], strict=True))
    values.update(changes)
    return [values[h] for h in HEADER]


# --- named cases -------------------------------------------------------------------------


def test_an_empty_file(tmp_path):
    (tmp_path / "r.csv").write_bytes(b"")
    assert only_problem(tmp_path, tmp_path / "r.csv").startswith(
        'r.csv: is empty: expected a header row with the columns "ODS code" (org_code), "Organisation name" '
        '(org_name), "NHS region" (region), "Year" (year)')


def test_a_header_and_no_rows(tmp_path):
    assert only_problem(tmp_path, write_csv(tmp_path / "r.csv", [])) == "r.csv, row 1: has a header row but no rows of data"


def test_a_binary_file_named_csv(tmp_path):
    (tmp_path / "r.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert only_problem(tmp_path, tmp_path / "r.csv") == (
        "r.csv: is not CSV text (it holds binary data); export the return as CSV or XLSX")


def test_an_xlsx_named_csv(tmp_path):
    book = Workbook()
    book.save(tmp_path / "r.csv")
    assert "looks like an Excel workbook, not CSV text" in only_problem(tmp_path, tmp_path / "r.csv")


def test_a_csv_renamed_xlsx(tmp_path):
    write_csv(tmp_path / "r.xlsx", ROWS_2024)
    assert only_problem(tmp_path, tmp_path / "r.xlsx") == (
        "r.xlsx: is named .xlsx but is not an Excel workbook (is it a CSV file renamed?)")


def test_a_broken_zip_named_xlsx(tmp_path):
    (tmp_path / "r.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    assert only_problem(tmp_path, tmp_path / "r.xlsx").startswith("r.xlsx: is not a readable Excel workbook (")


def test_title_rows_above_the_header_are_skipped_and_said(tmp_path):
    # Changed on purpose: title and note rows above a recognisable header used to be refused.
    path = tmp_path / "r.csv"
    path.write_text("LKS statistics return 2024/25\nExported from the portal\n" + ",".join(HEADER) + "\n"
                    + ",".join(f'"{v}"' for v in ROWS_2024[0]) + "\n"
                    + ",".join(f'"{v}"' for v in row(org_code="RJ2", loans="lots")) + "\n")
    assert only_problem(tmp_path, path) == (
        'r.csv, row 5, column loans: expected a whole number of 0 or more, got "lots"')  # rows as the sheet counts
    path.write_text(path.read_text().replace('"lots"', '"7"'))
    returns = load_returns([path], tmp_path)
    assert returns.notes == ("r.csv: header on row 3 (rows 1-2 skipped as title and notes)",)
    assert list(returns.table.source_row) == [4, 5]


def test_no_header_at_all_names_the_expected_columns(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("RJ1,Guy's,London\n")
    assert only_problem(tmp_path, path) == (
        f"r.csv: the header row was not found: none of the first 20 rows names the required columns "
        f"({REQUIRED_NAMED}). docs/data-contract.md lists the headers kfh-site understands; others can be "
        "mapped under [columns] in kfh-site.toml.")


def test_a_duplicated_header_name(tmp_path):
    header = HEADER + ["Org Code"]
    assert only_problem(tmp_path, write_csv(tmp_path / "r.csv", [ROWS_2024[0] + ["X"]], header=header)) == (
        "r.csv, row 1, column org_code: column org_code appears twice in the header (columns A and T); keep one")


def test_a_required_column_missing(tmp_path):
    header = [h for h in HEADER if h != "qualified_lks_wte"]
    rows = [[v for h, v in zip(HEADER, ROWS_2024[0], strict=True) if h != "qualified_lks_wte"]]
    assert only_problem(tmp_path, write_csv(tmp_path / "r.csv", rows, header=header)) == (
        'r.csv, row 1: required column "Qualified LKS staff (WTE)" (qualified_lks_wte) is missing')


@pytest.mark.parametrize("text, value", [("1,000", 1000.0), (" 12.5 ", 12.5), ("0.8e3", 800.0), ("-0", 0.0),
                                         ("+7", 7.0), ("0012", 12.0)])
def test_numbers_that_are_accepted(tmp_path, text, value):
    table = load_returns([write_csv(tmp_path / "r.csv", [row(nhs_staff_wte="20000", qualified_lks_wte=text,
                                                               clinical_librarian_wte="", knowledge_manager_wte="")])], tmp_path).table
    assert table.qualified_lks_wte.iloc[0] == value
    assert not math.copysign(1, table.qualified_lks_wte.iloc[0]) < 0  # -0 is stored as 0


@pytest.mark.parametrize("text", ["NaN", "inf", "-inf", "Infinity", "12..5", "1 234", "£12", "0x1F", "1e400"])
def test_numbers_that_are_refused(tmp_path, text):
    message = only_problem(tmp_path, write_csv(tmp_path / "r.csv", [row(other_lks_wte=text)]))
    assert message == f'r.csv, row 2, column other_lks_wte: expected a number of 0 or more, got "{text}"'


def test_a_decimal_comma_is_refused_with_a_hint(tmp_path):
    message = only_problem(tmp_path, write_csv(tmp_path / "r.csv", [row(other_lks_wte="1,23")]))
    assert message == ('r.csv, row 2, column other_lks_wte: expected a number of 0 or more, got "1,23": use a '
                       'decimal point, not a comma: "1.23"')


def test_an_xlsx_formula_uses_its_cached_value(tmp_path):
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(row(qualified_lks_wte="10"))
    book.save(tmp_path / "plain.xlsx")
    # openpyxl cannot write a cached value, so add one the way Excel saves it: <f> and <v>.
    with zipfile.ZipFile(tmp_path / "plain.xlsx") as source, \
            zipfile.ZipFile(tmp_path / "r.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                cell = next(part for part in text.split("<c ") if part.startswith('r="G2"'))
                formula = cell.replace(' t="inlineStr"', "").replace(' t="n"', "")
                formula = formula[: formula.index(">") + 1] + "<f>2*5</f><v>10</v></c>"
                text = text.replace("<c " + cell.split("</c>")[0] + "</c>", "<c " + formula)
                data = text.encode()
            target.writestr(item, data)
    table = load_returns([tmp_path / "r.xlsx"], tmp_path).table
    assert table.qualified_lks_wte.iloc[0] == 10.0


def test_an_xlsx_formula_without_a_cached_value(tmp_path):
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(row(qualified_lks_wte="=4+6"))
    book.save(tmp_path / "r.xlsx")
    assert only_problem(tmp_path, tmp_path / "r.xlsx") == (  # every message about a workbook names its sheet
        'r.xlsx, sheet "Sheet", row 2, column qualified_lks_wte: the formula =4+6 has no saved value; open the '
        "file in Excel and save it again, or paste the values")


def test_merged_cells(tmp_path):
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(row(org_code="RA1"))
    book.active.append(row(org_code="RA2", region=""))
    book.active.merge_cells("C2:C3")
    book.save(tmp_path / "r.xlsx")
    assert only_problem(tmp_path, tmp_path / "r.xlsx") == (
        'r.xlsx, sheet "Sheet": has merged cells (C2:C3): a merged cell leaves every cell but its first blank. '
        "Unmerge them and fill in every cell.")


# "2024-25" and "2024/2025" were refused here; they are now read as 2024/25 (test_returns.py).
@pytest.mark.parametrize("year", ["24/25", "FY2024", "2024/26", "2024-26", "2024/2026", "2024 - 2023", "2024/25/26"])
def test_a_year_that_is_not_a_financial_year(tmp_path, year):
    message = only_problem(tmp_path, write_csv(tmp_path / "r.csv", [row(year=year)]))
    assert message.startswith('r.csv, row 2, column year: expected a financial year such as "2024/25"')
    assert message.endswith(f'got "{year}"')


def test_a_code_twice_in_one_year(tmp_path):
    message = only_problem(tmp_path, write_csv(tmp_path / "r.csv", [row(), row(org_name="Other")]))
    assert message == ("r.csv, row 3, column org_code: AAA1 appears more than once for 2024/25 (first at r.csv, "
                       "row 2); each organisation has one row per year")


@pytest.mark.parametrize("code", ["../etc", "RJ1/x", "RJ 1", "R", "TOOLONG1", "<b>"])
def test_codes_that_could_not_be_ods_codes_or_safe_file_names(tmp_path, code):
    assert only_problem(tmp_path, write_csv(tmp_path / "r.csv", [row(org_code=code)])) == (
        f'r.csv, row 2, column org_code: expected an ODS code of 3 to 6 letters and digits, got "{code}"')


@pytest.mark.parametrize("typo, region", [("Londn", "London"), ("north west", None), ("Mid lands", "Midlands"),
                                          ("South-East", "South East"), ("East England", "East of England")])
def test_a_region_typo_suggests_the_closest_region(tmp_path, typo, region):
    path = write_csv(tmp_path / "r.csv", [row(region=typo)])
    if region is None:  # case and spacing alone are not mistakes
        assert load_returns([path], tmp_path).table.region.iloc[0] == "North West"
        return
    assert only_problem(tmp_path, path).endswith(f'got "{typo}"; did you mean "{region}"?')


def test_a_very_large_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    import kfh_site.returns.sheets as sheets
    monkeypatch.setattr(sheets, "MAX_FILE_BYTES", 1000)
    path = write_csv(tmp_path / "r.csv", ROWS_2024 * 10)
    assert "more than the 0 MB kfh-site reads" in only_problem(tmp_path, path)


# --- property-based: whatever arrives, a table or a KfhError that says where --------------

def _assert_table_or_located_error(tmp_path: Path, path: Path) -> None:
    try:
        returns = load_returns([path], tmp_path)
    except DataError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file == path.name
            assert problem.message
            if problem.column is not None:
                assert problem.row is not None
    except KfhError as error:  # pragma: no cover - loaders only raise DataError
        pytest.fail(f"unexpected error type: {error!r}")
    else:
        assert len(returns.table) >= 1
        assert returns.table.org_code.str.fullmatch(r"[A-Z0-9]{3,6}").all()


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_arbitrary_bytes(tmp_path, data, suffix):
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    _assert_table_or_located_error(tmp_path, path)


@FUZZ
@given(text=st.text(max_size=2000))
def test_arbitrary_csv_text(tmp_path, text):
    path = tmp_path / "fuzz.csv"
    path.write_bytes((",".join(HEADER) + "\n" + text).encode("utf-8", "surrogatepass"))
    _assert_table_or_located_error(tmp_path, path)


cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "n/a", "N/A", "-", "..", "NaN", "inf", "-0", "1,234", " 12.5 ", "1.2e3", "0",
                     "2024/25", "London", "RJ1", "1e309", "12,34"]),
    st.integers(-10**6, 10**9).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1, max_size=6))
def test_arbitrary_cells_in_the_contract_columns(tmp_path, rows):
    path = tmp_path / "fuzz.csv"
    write_csv(path, rows)
    _assert_table_or_located_error(tmp_path, path)


@FUZZ
@given(rows=st.lists(st.lists(st.one_of(cell, st.integers(-5, 10**6), st.floats(allow_nan=False, allow_infinity=False),
                                        st.none()), min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1, max_size=4))
def test_arbitrary_cells_in_an_xlsx(tmp_path, rows):
    book = Workbook()
    book.active.append(HEADER)
    for values in rows:
        book.active.append([ILLEGAL_CHARACTERS_RE.sub("", v.replace("=", "")) if isinstance(v, str) else v
                            for v in values])  # openpyxl cannot write control characters
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(buffer.getvalue())
    _assert_table_or_located_error(tmp_path, path)


# --- real collection files: misnamed headers, sheets, workbook limits -----------------------


def all_problems(tmp_path: Path, path: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_returns([path], tmp_path)
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize("written, column, heading", [
    ("Literature serches", "literature_searches", "Literature searches"),
    ("Evidence summary count", "evidence_summaries", "Evidence summaries"),
])
def test_a_misspelt_optional_column_is_an_error_not_a_silent_loss(tmp_path, written, column, heading):
    header = [written if h == column else h for h in HEADER]
    letter = "ABCDEFGHIJKLMNOPQRS"[HEADER.index(column)]
    assert only_problem(tmp_path, write_csv(tmp_path / "r.csv", ROWS_2024, header=header)) == (
        f'r.csv, row 1, column "{written}" ({column}): not read: the header in column {letter} is not one '
        f"kfh-site knows, and this file has no other {column} column, so its figures would be lost. Rename the "
        f'header to "{heading}", or map it in kfh-site.toml: under [columns] add "{written}" = "{column}"')


def test_four_misnamed_required_headers_are_four_problems_quoted_as_written(tmp_path):
    misnamed = {"org_name": "Organisation nme", "region": "NHS Regoin", "nhs_staff_wte": "NHS staf (WTE)",
                "qualified_lks_wte": "Qualifed LKS staff (WTE)"}
    path = write_csv(tmp_path / "r.csv", ROWS_2024, header=[misnamed.get(h, h) for h in HEADER])
    assert all_problems(tmp_path, path) == sorted(
        f'r.csv, row 1: required column "{heading(column)}" ({column}) is missing; found "{written}", '
        f'did you mean "{heading(column)}"?'
        for column, written in misnamed.items()
    )


def test_a_workbook_where_no_sheet_has_a_recognisable_header_lists_its_sheets(tmp_path):
    book = Workbook()
    book.active.title = "Guidance"
    book.active.append(["Fill in the next sheet"])
    data = book.create_sheet("Return")
    data.append([("ODS cde" if h == "org_code" else h) for h in HEADER])
    data.append(ROWS_2024[0])
    book.save(tmp_path / "r.xlsx")
    assert all_problems(tmp_path, tmp_path / "r.xlsx") == [
        f"r.xlsx: no sheet has a header row naming the required columns ({REQUIRED_NAMED}) in its first 20 rows; "
        'its sheets are "Guidance" and "Return". If the '
        "return is on a sheet whose header is not the problem, name that sheet with xlsx_sheet in kfh-site.toml",
        'r.xlsx, sheet "Return", row 1: required column "ODS code" (org_code) is missing; found "ODS cde", '
        'did you mean "ODS code"?',
    ]


def _workbook_with_sheet_xml(path: Path, cells: int, compresslevel: int = 9) -> Path:
    """A real workbook whose first sheet is replaced by ``cells`` repeated cells of XML."""
    book = Workbook()
    book.active.append(HEADER)
    buffer = io.BytesIO()
    book.save(buffer)
    row = b'<row r="2">' + b'<c r="A2" t="inlineStr"><is><t>RJ1</t></is></c>' * 100 + b"</row>"
    with zipfile.ZipFile(buffer) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item.filename, source.read(item.filename))
                continue
            with target.open(item.filename, "w", force_zip64=True) as part:
                part.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                for _ in range(cells // 100):
                    part.write(row)
                part.write(b"</sheetData></worksheet>")
    return path


@pytest.fixture
def openpyxl_must_not_parse(monkeypatch):
    import openpyxl

    calls: list[object] = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *args, **kwargs: calls.append(args) or 1 / 0)
    return calls


def test_a_zip_bomb_workbook_is_refused_before_it_is_parsed(tmp_path, openpyxl_must_not_parse):
    path = _workbook_with_sheet_xml(tmp_path / "r.xlsx", cells=5_500_000)  # about 250 MB of XML
    assert path.stat().st_size < 2 * 1024 * 1024
    message = only_problem(tmp_path, path)
    assert message.startswith("r.xlsx: is refused: its parts unpack to 2")
    assert "more than the 200 MB kfh-site opens" in message
    assert openpyxl_must_not_parse == []


def test_a_part_that_inflates_more_than_100_times_is_refused_before_it_is_parsed(tmp_path, openpyxl_must_not_parse):
    path = _workbook_with_sheet_xml(tmp_path / "r.xlsx", cells=300_000)  # about 14 MB of XML, far under 200 MB
    message = only_problem(tmp_path, path)
    assert message.startswith("r.xlsx: is refused: its part xl/worksheets/sheet1.xml unpacks from ")
    assert "more than 100 times its size" in message
    assert openpyxl_must_not_parse == []


def test_a_workbook_inside_the_limits_is_read_as_before(tmp_path):
    path = _workbook_with_sheet_xml(tmp_path / "r.xlsx", cells=100)
    message = only_problem(tmp_path, path)  # the repeated "RJ1" cells are not a header row
    assert message.startswith('r.xlsx, sheet "Sheet": the header row was not found')
