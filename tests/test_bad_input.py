"""Bad input is normal input: every odd file gets a clear message, never a traceback."""

from __future__ import annotations

import io
import math
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from kfh_site.errors import DataError, KfhError
from kfh_site.returns import COLUMNS, REQUIRED, load_returns

from conftest import HEADER, ROWS_2024, write_csv

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def only_problem(tmp_path: Path, path: Path) -> str:
    with pytest.raises(DataError) as caught:
        load_returns([path], tmp_path)
    assert len(caught.value.problems) == 1, caught.value.problems
    return str(caught.value.problems[0])


def row(**changes: str) -> list[str]:
    values = dict(zip(HEADER, ROWS_2024[0]))
    values.update(changes)
    return [values[h] for h in HEADER]


# --- named cases -------------------------------------------------------------------------


def test_an_empty_file(tmp_path):
    (tmp_path / "r.csv").write_bytes(b"")
    assert only_problem(tmp_path, tmp_path / "r.csv").startswith(
        "r.csv: is empty: expected a header row with the columns org_code, org_name, region, year")


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


def test_a_title_row_above_the_header(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("LKS statistics return 2024/25\nExported from the portal\n" + ",".join(HEADER) + "\n"
                    + ",".join(f'"{v}"' for v in ROWS_2024[0]) + "\n")
    assert only_problem(tmp_path, path) == (
        "r.csv, row 1: the header row was not found at the top: row 3 looks like the header. "
        "Delete the title or note rows above it (rows 1 to 2).")


def test_no_header_at_all_names_the_expected_columns(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("RJ1,Guy's,London\n")
    assert only_problem(tmp_path, path) == (
        "r.csv, row 1: the header row was not found: row 1 does not name the expected columns "
        f"({', '.join(REQUIRED)}). The first row must be the header; delete any title or note rows above it.")


def test_a_duplicated_header_name(tmp_path):
    header = HEADER + ["Org Code"]
    assert only_problem(tmp_path, write_csv(tmp_path / "r.csv", [ROWS_2024[0] + ["X"]], header=header)) == (
        "r.csv, row 1, column org_code: column org_code appears twice in the header (columns A and T); keep one")


def test_a_required_column_missing(tmp_path):
    header = [h for h in HEADER if h != "qualified_lks_wte"]
    rows = [[v for h, v in zip(HEADER, ROWS_2024[0]) if h != "qualified_lks_wte"]]
    assert only_problem(tmp_path, write_csv(tmp_path / "r.csv", rows, header=header)) == (
        "r.csv, row 1: required column qualified_lks_wte is missing")


@pytest.mark.parametrize("text, value", [("1,234", 1234.0), (" 12.5 ", 12.5), ("1.2e3", 1200.0), ("-0", 0.0),
                                         ("+7", 7.0), ("0012", 12.0)])
def test_numbers_that_are_accepted(tmp_path, text, value):
    table = load_returns([write_csv(tmp_path / "r.csv", [row(nhs_staff_wte="20000", qualified_lks_wte=text,
                                                               clinical_librarian_wte="", knowledge_manager_wte="")])], tmp_path).table
    assert table.qualified_lks_wte.iloc[0] == value
    assert not math.copysign(1, table.qualified_lks_wte.iloc[0]) < 0  # -0 is stored as 0


@pytest.mark.parametrize("text", ["NaN", "inf", "-inf", "Infinity", "1,23", "12..5", "1 234", "£12", "0x1F", "1e400"])
def test_numbers_that_are_refused(tmp_path, text):
    message = only_problem(tmp_path, write_csv(tmp_path / "r.csv", [row(other_lks_wte=text)]))
    assert message == f'r.csv, row 2, column other_lks_wte: expected a number of 0 or more, got "{text}"'


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
    assert only_problem(tmp_path, tmp_path / "r.xlsx") == (
        "r.xlsx, row 2, column qualified_lks_wte: the formula =4+6 has no saved value; open the file in Excel "
        "and save it again, or paste the values")


def test_merged_cells(tmp_path):
    book = Workbook()
    book.active.append(HEADER)
    book.active.append(row(org_code="RA1"))
    book.active.append(row(org_code="RA2", region=""))
    book.active.merge_cells("C2:C3")
    book.save(tmp_path / "r.xlsx")
    assert only_problem(tmp_path, tmp_path / "r.xlsx") == (
        "r.xlsx: has merged cells (C2:C3): a merged cell leaves every cell but its first blank. "
        "Unmerge them and fill in every cell.")


@pytest.mark.parametrize("year", ["2024-25", "24/25", "2024/2025", "FY2024", "2024/26"])
def test_a_year_that_is_not_a_financial_year(tmp_path, year):
    message = only_problem(tmp_path, write_csv(tmp_path / "r.csv", [row(year=year)]))
    assert message.startswith(f'r.csv, row 2, column year: expected a financial year such as "2024/25"')
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
    import kfh_site.returns as returns
    monkeypatch.setattr(returns, "MAX_FILE_BYTES", 1000)
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
