"""The data contract: what a return file must hold, and what users are told when it does not."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from openpyxl import Workbook

from kfh_site.errors import DataError
from kfh_site.returns import load_returns, normalise_header

from conftest import HEADER, ROWS_2023, ROWS_2024, write_csv


def load(tmp_path: Path, *files: Path):
    return load_returns(list(files), tmp_path)


def problems_of(tmp_path: Path, *files: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load(tmp_path, *files)
    return [str(p) for p in caught.value.problems]


def row(**changes: str) -> list[str]:
    values = dict(zip(HEADER, ROWS_2024[0]))
    values.update(changes)
    return [values.get(h, "") for h in HEADER]


def test_a_clean_file_loads_with_numbers_parsed(tmp_path):
    returns = load(tmp_path, write_csv(tmp_path / "r.csv", ROWS_2024))
    table = returns.table
    assert len(table) == 5
    alpha = table[table.org_code == "AAA1"].iloc[0]
    assert alpha.nhs_staff_wte == 12500.0  # "12,500": thousands separator
    assert alpha.literature_searches == 1200
    assert returns.summary() == "5 organisations, 1 year (2024/25), 3 regions, 1 file"


def test_not_reported_markers_are_missing_not_zero(tmp_path):
    table = load(tmp_path, write_csv(tmp_path / "r.csv", ROWS_2024)).table
    beta = table[table.org_code == "BBB"].iloc[0]
    assert math.isnan(beta.other_lks_wte)            # "n/a"
    assert math.isnan(beta.document_supply_requests)  # "-"
    assert math.isnan(beta.evidence_summaries)        # ""
    epsilon = table[table.org_code == "EEE"].iloc[0]
    assert epsilon.loans == 0                         # a real zero stays zero


@pytest.mark.parametrize("marker", ["", "n/a", "N/A", "-", "..", "  n/a  "])
def test_every_not_reported_marker_is_accepted_in_optional_columns(tmp_path, marker):
    table = load(tmp_path, write_csv(tmp_path / "r.csv", [row(loans=marker)])).table
    assert math.isnan(table.loans.iloc[0])


def test_headers_are_trimmed_lower_cased_and_underscored(tmp_path):
    assert normalise_header("  Org Code ") == "org_code"
    assert normalise_header("NHS-Staff WTE") == "nhs_staff_wte"
    spaced = [h.replace("_", " ").title() for h in HEADER]
    table = load(tmp_path, write_csv(tmp_path / "r.csv", ROWS_2024, header=spaced)).table
    assert list(table.org_code) == ["AAA1", "BBB", "CCC", "DDD", "EEE"]


def test_utf8_with_bom_and_windows_1252_both_load(tmp_path):
    named = [row(org_code="RQ1", org_name="Hôpital Café NHS Trust – Ærø")]
    bom = write_csv(tmp_path / "bom.csv", named, encoding="utf-8-sig")
    cp = write_csv(tmp_path / "cp.csv", [row(org_code="RQ2", org_name="Hôpital Café NHS Trust – Ærø")],
                   encoding="cp1252")
    table = load(tmp_path, bom, cp).table
    assert set(table.org_name) == {"Hôpital Café NHS Trust – Ærø"}


def test_unknown_extra_columns_are_ignored(tmp_path):
    header = HEADER + ["Notes from the library lead"]
    rows = [r + ["anything at all"] for r in ROWS_2024]
    assert len(load(tmp_path, write_csv(tmp_path / "r.csv", rows, header=header)).table) == 5


def test_optional_columns_may_be_absent(tmp_path):
    keep = ["org_code", "org_name", "region", "year", "nhs_staff_wte", "qualified_lks_wte"]
    rows = [[dict(zip(HEADER, r))[k] for k in keep] for r in ROWS_2024]
    table = load(tmp_path, write_csv(tmp_path / "r.csv", rows, header=keep)).table
    assert table.loans.isna().all()


def test_fully_blank_rows_are_skipped_and_row_numbers_still_match_the_spreadsheet(tmp_path):
    rows = [ROWS_2024[0], [""] * len(HEADER), ["", " ", ""], row(org_code="ZZZ", nhs_staff_wte="twelve")]
    problems = problems_of(tmp_path, write_csv(tmp_path / "r.csv", rows))
    assert problems == ['r.csv, row 5, column nhs_staff_wte: expected a number greater than 0, got "twelve"']


def test_codes_are_stored_upper_case(tmp_path):
    table = load(tmp_path, write_csv(tmp_path / "r.csv", [row(org_code="rj1")])).table
    assert table.org_code.iloc[0] == "RJ1"


def test_a_file_with_several_errors_lists_every_one_with_file_row_and_column(tmp_path):
    rows = [
        row(org_code="R1", nhs_staff_wte="0"),
        row(org_code="RJ2", region="Londn", year="2024/26"),
        row(org_code="RJ3", qualified_lks_wte="", loans="1.5"),
        row(org_code="RJ4", org_name="  ", clinical_librarian_wte="8", knowledge_manager_wte="4"),
        row(org_code="RJ5", literature_searches="-3", training_sessions="12,34"),
    ]
    problems = problems_of(tmp_path, write_csv(tmp_path / "returns.csv", rows))
    assert problems == [
        'returns.csv, row 2, column nhs_staff_wte: expected a number greater than 0, got "0"',
        'returns.csv, row 2, column org_code: expected an ODS code of 3 to 6 letters and digits, got "R1"',
        'returns.csv, row 3, column region: expected one of the seven NHS England regions, got "Londn"; did you mean "London"?',
        'returns.csv, row 3, column year: expected a financial year such as "2024/25" with consecutive years, got "2024/26"',
        'returns.csv, row 4, column loans: expected a whole number of 0 or more, got "1.5"',
        "returns.csv, row 4, column qualified_lks_wte: expected a number of 0 or more, got a blank cell (this column is required)",
        "returns.csv, row 5, column clinical_librarian_wte: clinical_librarian_wte + knowledge_manager_wte (12) is more than qualified_lks_wte (10); embedded roles are part of the qualified staff",
        "returns.csv, row 5, column org_name: expected the organisation name, got a blank cell (this column is required)",
        'returns.csv, row 6, column literature_searches: expected a whole number of 0 or more, got "-3"',
        'returns.csv, row 6, column training_sessions: expected a whole number of 0 or more, got "12,34"',
    ]


def test_not_reported_in_a_required_column_is_an_error(tmp_path):
    problems = problems_of(tmp_path, write_csv(tmp_path / "r.csv", [row(nhs_staff_wte="n/a")]))
    assert problems == ['r.csv, row 2, column nhs_staff_wte: expected a number greater than 0, got "n/a" (this column is required)']


def test_a_code_twice_in_one_year_is_an_error_even_across_files(tmp_path):
    first = write_csv(tmp_path / "a.csv", [ROWS_2024[0]])
    second = write_csv(tmp_path / "b.csv", [ROWS_2024[1], ROWS_2024[0]])
    assert problems_of(tmp_path, first, second) == [
        "b.csv, row 3, column org_code: AAA1 appears more than once for 2024/25 (first at a.csv, row 2); "
        "each organisation has one row per year"
    ]


def test_the_same_code_in_two_years_is_fine(tmp_path):
    returns = load(tmp_path, write_csv(tmp_path / "r.csv", ROWS_2023 + ROWS_2024))
    assert returns.years == ("2023/24", "2024/25")


def test_a_missing_required_column_is_named_with_a_suggestion(tmp_path):
    header = [("org_cde" if h == "org_code" else h) for h in HEADER]
    assert problems_of(tmp_path, write_csv(tmp_path / "r.csv", ROWS_2024, header=header)) == [
        'r.csv, row 1: required column org_code is missing; found "org_cde", did you mean org_code?'
    ]


def test_problems_in_several_files_are_all_reported(tmp_path):
    a = write_csv(tmp_path / "a.csv", [row(org_code="AA1", region="Lundon")])
    b = write_csv(tmp_path / "b.csv", [row(org_code="BB1", qualified_lks_wte="x")])
    problems = problems_of(tmp_path, a, b)
    assert [p.split(":")[0] for p in problems] == ["a.csv, row 2, column region", "b.csv, row 2, column qualified_lks_wte"]


def test_xlsx_with_spaced_capitalised_headers_and_thousands_separators(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append([" Org Code", "Org Name", "Region", "Year", "NHS Staff WTE", "Qualified LKS WTE", "Literature-Searches"])
    sheet.append(["rj1", "Guy's and St Thomas'", "London", "2024/25", "21,053.5", 14.7, 1214])
    sheet.append(["RJ2", "Lewisham", "London", "2024/25", 5000, "3", "n/a"])
    path = tmp_path / "returns.xlsx"
    book.save(path)
    table = load(tmp_path, path).table
    assert list(table.org_code) == ["RJ1", "RJ2"]
    assert list(table.nhs_staff_wte) == [21053.5, 5000.0]
    assert table.literature_searches.iloc[0] == 1214
    assert math.isnan(table.literature_searches.iloc[1])


def test_xlsx_named_sheet_is_used_and_a_missing_one_is_named(tmp_path):
    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["This workbook holds the return on the next sheet"])
    data = book.create_sheet("Return")
    data.append(HEADER)
    data.append(ROWS_2024[0])
    path = tmp_path / "r.xlsx"
    book.save(path)
    assert len(load_returns([path], tmp_path, sheet="Return").table) == 1
    with pytest.raises(DataError) as caught:
        load_returns([path], tmp_path, sheet="Data")
    assert str(caught.value.problems[0]) == "r.xlsx: has no sheet named 'Data'; its sheets are Notes, Return"


def test_no_files_at_all_is_a_clear_error(tmp_path):
    with pytest.raises(DataError) as caught:
        load_returns([], tmp_path)
    assert "no .csv or .xlsx return files were found" in str(caught.value)
