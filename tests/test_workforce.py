"""NHS staff from the NHS Workforce Statistics: the workforce files read as returns are,
each return row joined to its organisation's figure for a month of its financial year.

Every file here is made by hand; every expected figure is worked out from the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook

from conftest import HEADER, REPO, write_csv
from kfh_site.domain import NHS_STAFF_FROM_RETURN, NHS_STAFF_FROM_WORKFORCE, Merger
from kfh_site.errors import DataError
from kfh_site.returns.contract import returns_contract
from kfh_site.returns.months import Month, month_in_name, parse_month
from kfh_site.returns.table import Returns, load_returns
from kfh_site.returns.workforce import join_workforce, load_workforce

WF_HEADER = ["Org code", "Organisation name", "Period", "Staff FTE"]


def return_row(code: str, year: str, nhs: str = "", qualified: str = "2", region: str = "London") -> list[str]:
    values = {"org_code": code, "org_name": f"Trust {code}", "region": region, "org_type": "Acute",
              "year": year, "nhs_staff_wte": nhs, "qualified_lks_wte": qualified}
    return [values.get(column, "") for column in HEADER]


def returns_of(tmp_path: Path, *rows: list[str]) -> Returns:
    path = write_csv(tmp_path / "data" / "returns.csv", list(rows))
    return load_returns([path], tmp_path, contract=returns_contract(True))


def workforce_of(tmp_path: Path, rows: list[list[str]], header: list[str] = WF_HEADER, name: str = "workforce.csv"):
    path = write_csv(tmp_path / "data-sources" / name, rows, header=header)
    return load_workforce([path], tmp_path)


def staff_of(returns: Returns) -> dict[tuple[str, str], tuple[float, str, str | None]]:
    t = returns.table
    return {(c, y): (s, src, m) for c, y, s, src, m in
            zip(t["org_code"], t["year"], t["nhs_staff_wte"], t["nhs_staff_source"], t["nhs_staff_month"], strict=True)}


def test_periods_in_every_published_spelling_are_months():
    for text in ("2024-12", "Dec-24", "December 2024", "Dec 2024", "202412", "31/12/2024", "2024-12-31",
                 "2024-12-31T00:00:00", "12/2024", "202411 to 202412", "Nov-24 - Dec-24"):
        assert parse_month(text) == Month(2024, 12), text
    for text in ("", "twelve", "2024-13", "31/02/2024", "Decembre 2024", "2024 to 2025", "soon to 202412"):
        assert parse_month(text) is None, text
    assert month_in_name("nhs-staff-fte-2025-11") == Month(2025, 11)
    assert month_in_name("workforce November 2025") == Month(2025, 11)
    assert month_in_name("workforce") is None


def test_each_month_belongs_to_its_financial_year():
    assert Month(2024, 4).financial_year == "2024/25"
    assert Month(2025, 3).financial_year == "2024/25"
    assert Month(2024, 3).financial_year == "2023/24"
    assert Month(2024, 12).label == "December 2024"


def test_return_rows_take_the_latest_month_of_their_financial_year(tmp_path):
    returns = returns_of(tmp_path, return_row("RAA", "2023/24"), return_row("RAA", "2024/25"),
                         return_row("RBB", "2024/25"))
    workforce = workforce_of(tmp_path, [
        ["RAA", "Trust RAA", "Mar-24", "900.5"],       # 2023/24's last month
        ["RAA", "Trust RAA", "April 2024", "950"],     # 2024/25, but not its latest month
        ["RAA", "Trust RAA", "2025-03", "1,000.25"],   # 2024/25's latest month
        ["RBB", "Trust RBB", "2025-03-31", "2000"],
        ["RBB", "Trust RBB", "2025-04", "9999"],       # 2025/26: no return uses it
    ])
    joined = staff_of(join_workforce(returns, workforce))
    assert joined[("RAA", "2023/24")] == (900.5, NHS_STAFF_FROM_WORKFORCE, "2024-03")
    assert joined[("RAA", "2024/25")] == (1000.25, NHS_STAFF_FROM_WORKFORCE, "2025-03")
    assert joined[("RBB", "2024/25")] == (2000.0, NHS_STAFF_FROM_WORKFORCE, "2025-03")


def test_the_month_setting_picks_another_month_of_the_year(tmp_path):
    returns = returns_of(tmp_path, return_row("RAA", "2024/25"))
    workforce = workforce_of(tmp_path, [
        ["RAA", "", "2024-12", "980"], ["RAA", "", "2025-03", "1000"], ["RAA", "", "2024-03", "1"],
    ])
    assert staff_of(join_workforce(returns, workforce, month=12))[("RAA", "2024/25")] == (
        980.0, NHS_STAFF_FROM_WORKFORCE, "2024-12")
    with pytest.raises(DataError) as error:  # the files hold no June of 2024/25
        join_workforce(returns, workforce, month=6)
    assert "June 2024, the month [workforce] month = 6 picks" in str(error.value)


def test_a_return_differing_by_more_than_five_percent_is_warned_and_the_workforce_figure_used(tmp_path):
    returns = returns_of(tmp_path, return_row("RAA", "2024/25", nhs="1,100"), return_row("RBB", "2024/25", nhs="2080"))
    workforce = workforce_of(tmp_path, [["RAA", "", "2024-12", "1000"], ["RBB", "", "2024-12", "2000"]])
    joined = join_workforce(returns, workforce)
    assert staff_of(joined)[("RAA", "2024/25")][0] == 1000.0
    assert staff_of(joined)[("RBB", "2024/25")][0] == 2000.0
    assert [(w.file, w.row, w.column, w.message) for w in joined.warnings] == [(
        "data/returns.csv", 2, "nhs_staff_wte",
        "warning: RAA (Trust RAA), 2024/25: the return gives 1,100.00 NHS staff (WTE) and the NHS Workforce "
        "Statistics 1,000.00 for December 2024, a difference of +100.00 (+10.0%); the workforce figure, "
        "1,000.00, is used"
    )]  # RBB's 4 % is within the 5 % allowed
    assert not [n for n in joined.notes if "1,100.00" in n]


def test_an_organisation_without_a_workforce_figure_is_an_error_naming_it_and_the_months(tmp_path):
    returns = returns_of(tmp_path, return_row("RAA", "2024/25"), return_row("RCC", "2024/25"))
    workforce = workforce_of(tmp_path, [["RAA", "", "2024-11", "10"], ["RAA", "", "2024-12", "1000"],
                                        ["RCC", "", "2024-11", "50"]])
    with pytest.raises(DataError) as error:
        join_workforce(returns, workforce)
    [problem] = error.value.problems
    assert (problem.file, problem.row, problem.column) == ("data/returns.csv", 3, "nhs_staff_wte")
    assert "RCC has no NHS staff for 2024/25" in problem.message
    assert "no figure for RCC for December 2024, the month used for 2024/25" in problem.message
    assert "they hold RCC for 2024-11" in problem.message
    assert "The workforce files hold 2024-11 to 2024-12" in problem.message


def test_without_a_workforce_figure_the_returns_own_nhs_staff_is_used_and_said(tmp_path):
    returns = returns_of(tmp_path, return_row("RAA", "2024/25"), return_row("RCC", "2024/25", nhs="3,210.5"))
    workforce = workforce_of(tmp_path, [["RAA", "", "2024-12", "1000"]])
    joined = join_workforce(returns, workforce)
    assert staff_of(joined)[("RCC", "2024/25")] == (3210.5, NHS_STAFF_FROM_RETURN, None)
    assert any(n.startswith("RCC (Trust RCC), 2024/25: the workforce files hold no figure for RCC")
               and n.endswith("the return's own NHS staff, 3,210.50 WTE, is used") for n in joined.notes)


def test_a_successors_years_before_its_merger_add_up_its_predecessors(tmp_path):
    returns = returns_of(tmp_path, return_row("RZZ", "2023/24"), return_row("RZZ", "2024/25"))
    workforce = workforce_of(tmp_path, [
        ["RAA", "", "2024-03", "1000"], ["RBB", "", "2024-03", "234.5"],     # before the merger
        ["RZZ", "", "2025-03", "1300"],                                      # the merger's year
    ])
    merger = Merger("2024/25", "RZZ", ("RAA", "RBB"))
    joined = join_workforce(returns, workforce, mergers=[merger])
    assert staff_of(joined)[("RZZ", "2023/24")] == (1234.5, NHS_STAFF_FROM_WORKFORCE, "2024-03")
    assert staff_of(joined)[("RZZ", "2024/25")] == (1300.0, NHS_STAFF_FROM_WORKFORCE, "2025-03")
    assert any("RAA + RBB added up" in n for n in joined.notes)


def test_a_workbook_with_a_banner_another_sheet_and_a_mapped_header(tmp_path):
    book = Workbook()
    book.active.title = "Notes"
    book.active.append(["About these figures"])
    sheet = book.create_sheet("Data")
    sheet.append(["NHS Workforce Statistics, monthly"])
    sheet.append([])
    sheet.append(["ODS code", "Month", "Total staff (full-time equivalent, all groups)"])
    sheet.append(["RAA", dt.datetime(2024, 12, 31), 1000.5])
    sheet.append(["RBB", "Dec-24", 200])
    path = tmp_path / "wf.xlsx"
    book.save(path)
    workforce = load_workforce([path], tmp_path, columns=[("Total staff (full-time equivalent, all groups)",
                                                           "staff_fte")])
    assert workforce.staff == {("RAA", Month(2024, 12)): 1000.5, ("RBB", Month(2024, 12)): 200.0}
    assert any('sheet "Data": header on row 3' in n for n in workforce.notes)


def test_every_problem_in_a_workforce_file_names_file_row_and_column(tmp_path):
    path = write_csv(tmp_path / "wf.csv", [
        ["RAA", "2024-12", "1000"],
        ["RAA", "2024-12", "1001"],
        ["r!", "Smarch 2024", "-5"],
        ["RBB", "", "lots"],
    ], header=["Organisation code", "Date", "Full time equivalent"])
    with pytest.raises(DataError) as error:
        load_workforce([path], tmp_path)
    shown = [str(p) for p in error.value.problems]
    assert shown == [
        'wf.csv, row 3, column "Organisation code" (org_code): RAA has a second figure for December 2024 '
        "(the first is in wf.csv, row 2); keep one",
        'wf.csv, row 4, column "Organisation code" (org_code): expected an ODS code of 3 to 6 letters and digits, '
        'got "r!"',
        'wf.csv, row 4, column "Date" (period): expected a month such as "2024-12", "Dec-24", "December 2024" '
        'or a date, got "Smarch 2024"',
        'wf.csv, row 4, column "Full time equivalent" (staff_fte): expected a number greater than 0, got "-5"',
        'wf.csv, row 5, column "Date" (period): expected a month such as "2024-12", "Dec-24", "December 2024" '
        "or a date, got a blank cell",
        'wf.csv, row 5, column "Full time equivalent" (staff_fte): expected a number greater than 0, got "lots"',
    ]


def test_a_file_without_a_period_takes_its_month_from_its_name_or_stands_in_for_any_year(tmp_path):
    rows = [["RAA", "Trust RAA", "Y56", "London", "1200", "1000.5"], ["RBB", "Trust RBB", "Y56", "London", "9", "70"]]
    header = ["org_code", "org_name", "region_code", "region", "staff_headcount", "staff_fte"]
    workforce = workforce_of(tmp_path, rows, header, name="nhs-staff-fte-2024-12.csv")
    assert workforce.staff == {("RAA", Month(2024, 12)): 1000.5, ("RBB", Month(2024, 12)): 70.0}
    # No month anywhere: its figures stand in for any year the dated files leave without one.
    undated = write_csv(tmp_path / "data-sources" / "staff.csv", rows, header=header)
    dated = write_csv(tmp_path / "data-sources" / "dated.csv", [["RAA", "2024-03", "900"]],
                      header=["org_code", "period", "staff_fte"])
    workforce = load_workforce([undated, dated], tmp_path)
    assert workforce.undated == {"RAA": 1000.5, "RBB": 70.0}
    assert any(n.startswith("data-sources/staff.csv: no period column and no month in its name") for n in workforce.notes)
    returns = returns_of(tmp_path, return_row("RAA", "2023/24"), return_row("RAA", "2024/25"),
                         return_row("RBB", "2024/25", nhs="80"))
    joined = join_workforce(returns, workforce)
    assert staff_of(joined) == {
        ("RAA", "2023/24"): (900.0, NHS_STAFF_FROM_WORKFORCE, "2024-03"),
        ("RAA", "2024/25"): (1000.5, NHS_STAFF_FROM_WORKFORCE, None),
        ("RBB", "2024/25"): (70.0, NHS_STAFF_FROM_WORKFORCE, None),
    }
    assert any(w.message.startswith("warning: RBB (Trust RBB), 2024/25: the return gives 80.00 NHS staff (WTE) and "
                                    "the NHS Workforce Statistics 70.00 in a file without a month")
               for w in joined.warnings)


def test_the_shipped_figures_read_in_their_published_shape():
    workforce = load_workforce([REPO / "data-sources" / "nhs-staff-fte-2025-11.csv"], REPO)
    assert workforce.months == (Month(2025, 11),)
    assert len(workforce.staff) == 247
    assert round(sum(workforce.staff.values()), 2) == 1331554.28
    assert workforce.staff[("RC9", Month(2025, 11))] == 7719.22


def test_every_workforce_header_in_the_code_is_in_the_data_contract_and_back():
    import re

    from kfh_site.returns.contract import WORKFORCE

    doc = (REPO / "docs" / "data-contract.md").read_text(encoding="utf-8")
    section = doc.split("## NHS workforce files", 1)[1].split("| column | other headers |", 1)[1]
    rows = {line.split("|")[1].strip().strip("`"): line.split("|")[2]
            for line in section.splitlines() if line.startswith("| `")}
    assert set(rows) == set(WORKFORCE.by_name)
    for column in WORKFORCE.columns:
        assert re.findall(r"`([^`]+)`", rows[column.name]) == list(column.aliases), column.name
