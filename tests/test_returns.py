"""The data contract: what a return file must hold, and what users are told when it does not."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import HEADER, REPO, ROWS_2023, ROWS_2024, write_csv
from openpyxl import Workbook

from kfh_site.errors import DataError
from kfh_site.returns.contract import COLUMN_NAMES, COLUMNS, header_lookup, normalise_header
from kfh_site.returns.table import load_returns


def load(tmp_path: Path, *files: Path):
    return load_returns(list(files), tmp_path)


def problems_of(tmp_path: Path, *files: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load(tmp_path, *files)
    return [str(p) for p in caught.value.problems]


def row(**changes: str) -> list[str]:
    values = dict(zip(HEADER, ROWS_2024[0], strict=True))
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
    rows = [[dict(zip(HEADER, r, strict=True))[k] for k in keep] for r in ROWS_2024]
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
        'r.csv, row 1: required column "ODS code" (org_code) is missing; found "org_cde", did you mean "ODS code"?'
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
    assert str(caught.value.problems[0]) == (
        "r.xlsx: has no sheet named 'Data' (the xlsx_sheet setting in kfh-site.toml); its sheets are Notes, Return")


def test_no_files_at_all_is_a_clear_error(tmp_path):
    with pytest.raises(DataError) as caught:
        load_returns([], tmp_path)
    assert "no .csv or .xlsx return files were found" in str(caught.value)


# --- real collection files: aliases, header rows, sheets, years, [columns] ---------------

ALIASED = {  # one spelled-out header for every contract column, with units in brackets
    "org_code": "ODS code", "org_name": "Organisation name", "region": "NHS Region",
    "org_type": "Organisation type", "year": "Financial year", "nhs_staff_wte": "NHS staff (WTE)",
    "qualified_lks_wte": "Qualified LKS staff (WTE)", "other_lks_wte": "Other LKS staff (WTE)",
    "clinical_librarian_wte": "Clinical librarians (WTE)", "knowledge_manager_wte": "Knowledge managers (WTE)",
    "literature_searches": "Number of literature searches", "evidence_summaries": "Evidence summaries",
    "training_sessions": "Training sessions", "people_trained": "People trained",
    "document_supply_requests": "Document supply requests", "loans": "Loans",
    "registered_users": "Registered users", "current_awareness_subscribers": "Current awareness subscribers",
    "impact_case_studies": "Impact case studies",
}


@pytest.mark.parametrize("written", ["NHS Staff (WTE)", "nhs staff wte", "NHS_staff-WTE", " NHS  staff [WTE] ",
                                     "NHS staff (FTE)", "NHS Staff Served (WTE)"])
def test_headers_match_whatever_their_case_spacing_punctuation_and_brackets(written):
    assert header_lookup()[normalise_header(written)] == "nhs_staff_wte"


def test_no_header_names_two_columns():
    seen: dict[str, str] = {}
    for column in COLUMNS:
        for header in (column.name, *column.aliases):
            key = normalise_header(header)
            assert seen.setdefault(key, column.name) == column.name, f"{header!r} names two columns"


def test_every_alias_in_the_code_is_in_the_data_contract_and_back():
    doc = (REPO / "docs" / "data-contract.md").read_text(encoding="utf-8")
    section = doc.split("## Headers understood", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip().strip("`"): line.split("|")[2]
            for line in section.splitlines() if line.startswith("| `")}
    assert set(rows) == set(COLUMN_NAMES)
    for column in COLUMNS:
        assert re.findall(r"`([^`]+)`", rows[column.name]) == list(column.aliases), column.name


def test_spelled_out_headers_with_units_load_every_column(tmp_path):
    path = write_csv(tmp_path / "r.csv", ROWS_2024, header=[ALIASED[h] for h in HEADER])
    returns = load(tmp_path, path)
    expected = load(tmp_path, write_csv(tmp_path / "plain.csv", ROWS_2024)).table
    pd.testing.assert_frame_equal(returns.table.drop(columns="source_file"), expected.drop(columns="source_file"))
    assert returns.notes == ()


@pytest.mark.parametrize("written", ["2024/25", "2024-25", "2024/2025", "2024-2025", "2024 / 25", "2024 - 2025",
                                     "2024–25"])
def test_financial_years_written_other_ways_read_as_yyyy_yy(tmp_path, written):
    table = load(tmp_path, write_csv(tmp_path / "r.csv", [row(year=written)])).table
    assert list(table.year) == ["2024/25"]


def test_one_year_written_two_ways_is_still_one_year(tmp_path):
    path = write_csv(tmp_path / "r.csv", [row(year="2024-25"), row(year="2024/2025", org_name="Again")])
    assert problems_of(tmp_path, path) == [
        "r.csv, row 3, column org_code: AAA1 appears more than once for 2024/25 (first at r.csv, row 2); "
        "each organisation has one row per year"]


def test_a_problem_names_the_contract_column_and_the_header_as_written(tmp_path):
    header = [ALIASED[h] for h in HEADER]
    path = write_csv(tmp_path / "r.csv", [row(qualified_lks_wte="ten")], header=header)
    assert problems_of(tmp_path, path) == [
        'r.csv, row 2, column "Qualified LKS staff (WTE)" (qualified_lks_wte): expected a number of 0 or more, '
        'got "ten"']


def test_ignored_columns_are_listed_with_the_closest_contract_column(tmp_path):
    header = HEADER + ["Comments", "Registered users 2023", ""]
    rows = [r + ["fine", "1999", "stray value"] for r in ROWS_2024]
    returns = load(tmp_path, write_csv(tmp_path / "r.csv", rows, header=header))
    assert returns.notes == (
        'r.csv: ignored column "Comments" (not part of the contract)',
        'r.csv: ignored column "Registered users 2023" (not part of the contract; the closest contract column, '
        'registered_users, is read from "registered_users")',
        "r.csv: ignored column V (no header on row 1, but it holds values)",
    )


def test_the_site_columns_table_maps_any_header_to_a_contract_column(tmp_path):
    header = [{"qualified_lks_wte": "Chartered staff", "literature_searches": "Searches done"}.get(h, h)
              for h in HEADER]
    path = write_csv(tmp_path / "r.csv", ROWS_2024, header=header)
    with pytest.raises(DataError):
        load(tmp_path, path)  # without the mapping, a required column is missing
    returns = load_returns([path], tmp_path, columns=(("Chartered staff", "qualified_lks_wte"),
                                                      ("searches DONE", "literature_searches")))
    alpha = returns.table[returns.table.org_code == "AAA1"].iloc[0]
    assert alpha.qualified_lks_wte == 10 and alpha.literature_searches == 1200
    assert returns.notes == ()


def _workbook(path: Path, sheets: dict[str, list[list[object]]], merged: dict[str, list[str]] | None = None) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for values in rows:
            sheet.append(values)
        for ref in (merged or {}).get(title, []):
            sheet.merge_cells(ref)
    book.save(path)
    return path


def test_the_first_sheet_with_a_recognisable_header_is_read_and_named(tmp_path):
    path = _workbook(tmp_path / "r.xlsx", {
        "Guidance": [["How to fill in the return"], ["One row per organisation"]],
        "Return": [["LKS return 2024-25"], ["Figures at 31 March"], HEADER, ROWS_2024[0]],
    }, merged={"Return": ["A1:S1"]})
    returns = load(tmp_path, path)
    assert list(returns.table.org_code) == ["AAA1"] and list(returns.table.source_row) == [4]
    assert returns.notes == (
        'r.xlsx: sheet "Guidance" not read: no header row naming the required columns in its first 20 rows',
        'r.xlsx, sheet "Return": header on row 3 (rows 1-2 skipped as title and notes)',
        'r.xlsx, sheet "Return": read 1 row for 2024/25',
    )


def test_merged_cells_above_the_header_are_fine_but_not_at_or_below_it(tmp_path):
    rows = [["LKS return"], [], HEADER, ROWS_2024[0], ROWS_2024[1]]
    assert len(load(tmp_path, _workbook(tmp_path / "a.xlsx", {"Return": rows}, {"Return": ["A1:S2"]})).table) == 2
    for ref in ("D2:D3", "C4:C5"):  # D: org_type, optional, so the header is still recognisable
        path = _workbook(tmp_path / "b.xlsx", {"Return": rows}, {"Return": ["A1:S1", ref]})
        assert problems_of(tmp_path, path) == [
            f'b.xlsx, sheet "Return": has merged cells ({ref}): a merged cell leaves every cell but its first '
            "blank. Unmerge them and fill in every cell."]
