"""Workbooks as regional teams send them: a sheet per year, the year only in a sheet's name,
totals rows at the foot, strays from other regions, unlikely figures, and sheets far
larger than a return. Every file here is made by hand in the test."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from conftest import CONFIG, DEADLINE, HEADER, ROWS_2023, ROWS_2024, make_project, run_cli, write_csv
from openpyxl import Workbook

from kfh_site.errors import DataError
from kfh_site.returns.table import load_returns

TEAM_HEADER = ["ODS code", "Organisation name", "NHS region", "NHS staff (WTE)", "Qualified LKS staff (WTE)",
               "Literature searches"]


def team_rows(rows: list[list[str]]) -> list[list[object]]:
    """The conftest rows as a team's sheet without a year column holds them: numbers as numbers."""
    return [[r[0], r[1], r[2], float(r[5].replace(",", "")), float(r[6]), int(r[10].replace(",", "") or 0)]
            for r in rows]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


# --- a sheet per year ------------------------------------------------------------------------


@pytest.mark.parametrize("name, year", [("2024-25", "2024/25"), ("2024_25", "2024/25"), ("FY 2024-25", "2024/25"),
                                        ("Returns 2023-2024", "2023/24"), ("FY24-25", "2024/25"),
                                        ("Return 24-25", "2024/25"), ("24_25", "2024/25"), ("Sheet 01-02", None),
                                        ("v1.24-25", None),
                                        ("Sheet1", None), ("2024-26", None), ("Notes", None)])
def test_a_year_is_read_from_a_name(name, year):
    from kfh_site.returns.sheets import year_in_name

    assert year_in_name(name) == year


def test_every_sheet_with_a_header_is_read_and_takes_its_year_from_its_name(tmp_path, capsys):
    project = make_project(tmp_path / "project", with_data=False)
    workbook(project / "data" / "returns" / "lks-returns.xlsx", {
        "Guidance": [["Fill in one sheet a year"]],
        "2023-24": [TEAM_HEADER, *team_rows(ROWS_2023)],
        "FY 2024-25": [TEAM_HEADER, *team_rows(ROWS_2024)],
    })
    assert run_cli(project, "validate") == 0
    out = capsys.readouterr().out.splitlines()
    at = "data/returns/lks-returns.xlsx"
    assert out == [
        f'{at}: sheet "Guidance" not read: no header row naming the required columns in its first 20 rows',
        f"{at}, sheet \"2023-24\": read 4 rows for 2023/24 (the year from the sheet's name: it has no year column)",
        f"{at}, sheet \"FY 2024-25\": read 5 rows for 2024/25 (the year from the sheet's name: it has no year "
        "column)",
        "OK: 5 organisations, 2 years (2023/24, 2024/25), 3 regions, 1 file",
    ]
    assert run_cli(project, "build", "--no-pdf") == 0
    assert "(2024/25, no PDFs" in capsys.readouterr().out
    page = (project / "build" / "organisations" / "aaa1.html").read_text(encoding="utf-8")
    assert "2023/24" in page   # last year's sheet was read too: the page shows the change


def test_sheets_with_a_year_column_are_all_read_not_only_the_first(tmp_path):
    path = workbook(tmp_path / "r.xlsx", {"2023-24": [HEADER, *ROWS_2023], "2024-25": [HEADER, *ROWS_2024]})
    returns = load_returns([path], tmp_path)
    assert returns.years == ("2023/24", "2024/25")
    assert sorted(set(returns.table["source_sheet"])) == ["2023-24", "2024-25"]


def test_a_code_twice_across_sheets_names_both_sheets(tmp_path):
    rows = team_rows(ROWS_2024)
    path = workbook(tmp_path / "r.xlsx", {"2024-25": [TEAM_HEADER, *rows], "2024-25 (2)": [TEAM_HEADER, rows[0]]})
    with pytest.raises(DataError) as caught:
        load_returns([path], tmp_path)
    assert str(caught.value).splitlines()[0] == (
        'r.xlsx, sheet "2024-25 (2)", row 2, column "ODS code" (org_code): AAA1 appears more than once for 2024/25 '
        '(first at r.xlsx, sheet "2024-25", row 2); each organisation has one row per year')


def test_a_sheet_with_no_year_column_and_no_year_in_its_name_says_how_to_fix_it(tmp_path):
    path = workbook(tmp_path / "returns.xlsx", {"Sheet1": [TEAM_HEADER, *team_rows(ROWS_2024)]})
    with pytest.raises(DataError) as caught:
        load_returns([path], tmp_path)
    assert str(caught.value).splitlines()[0] == (
        'returns.xlsx, sheet "Sheet1", row 1: required column "Year" (year) is missing; add it, or name the '
        'sheet (or file) after the year its rows are for, e.g. "2024-25"')


def test_a_csv_file_without_a_year_column_takes_its_year_from_its_name(tmp_path):
    header = ["org_code", "org_name", "region", "nhs_staff_wte", "qualified_lks_wte"]
    path = write_csv(tmp_path / "2024-25.csv", [[r[0], r[1], r[2], r[5], r[6]] for r in ROWS_2024], header)
    returns = load_returns([path], tmp_path)
    assert returns.years == ("2024/25",)
    assert returns.notes == ("2024-25.csv: read 5 rows for 2024/25 (the year from the file's name: it has no "
                             "year column)",)


# --- totals rows -----------------------------------------------------------------------------


@pytest.mark.parametrize("label", ["Total", "TOTAL", "Totals", "Grand total", "All", "All organisations",
                                   "London total", "Total:"])
def test_a_totals_row_is_skipped_and_named(tmp_path, label):
    rows = team_rows(ROWS_2024)
    total = ["", label, "", sum(r[3] for r in rows), sum(r[4] for r in rows), sum(r[5] for r in rows)]
    path = workbook(tmp_path / "r.xlsx", {"2024-25": [TEAM_HEADER, *rows, [], total]})
    returns = load_returns([path], tmp_path)
    assert len(returns.table) == 5
    assert f'r.xlsx, sheet "2024-25": row 8 skipped as a totals row ("{label}", no organisation code): ' \
           "kfh-site adds up the organisations' rows itself" in returns.notes


def test_a_totals_label_in_the_code_column_is_a_totals_row_too(tmp_path):
    rows = [*ROWS_2024, ["TOTAL", "", "", "", "2024/25", "25,324", "15.1", *[""] * 12]]
    returns = load_returns([write_csv(tmp_path / "r.csv", rows)], tmp_path)
    assert len(returns.table) == 5 and returns.notes == (
        "r.csv: row 7 skipped as a totals row (\"TOTAL\", no organisation code): kfh-site adds up the "
        "organisations' rows itself",)


def test_an_organisation_whose_name_begins_with_total_is_not_a_totals_row(tmp_path):
    rows = [*ROWS_2024, ["TTT", "Total Health NHS Trust", "London", "Acute", "2024/25", "900", "1", *[""] * 12]]
    returns = load_returns([write_csv(tmp_path / "r.csv", rows)], tmp_path)
    assert "TTT" in set(returns.table["org_code"]) and returns.notes == ()


# --- sheets far larger than a return -----------------------------------------------------------


def _sheet_xml(rows: list[str]) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<dimension ref="A1"/><sheetData>'
            + "".join(rows) + "</sheetData></worksheet>").encode("utf-8")


def _cells(number: int, values: list[object]) -> str:
    from openpyxl.utils import get_column_letter

    cells = []
    for i, value in enumerate(values, start=1):
        ref = f"{get_column_letter(i)}{number}"
        if isinstance(value, (int, float)):
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        elif value:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def _with_sheet(path: Path, sheet_xml: bytes) -> Path:
    """A real workbook whose one sheet's XML is replaced by ``sheet_xml``."""
    book = Workbook()
    book.active.title = "2024-25"
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item.filename, data)
    return path


def test_a_workbook_whose_rows_reach_column_xfd_is_read_in_bounded_memory(tmp_path):
    """Issue 17, item 4: 1 MB of xlsx whose rows each hold one cell in column XFD made
    openpyxl pad every row to 16,384 cells (3.9 GB, then MemoryError). Judged under a
    2 GB address-space limit, it validates, and the unread cells are named."""
    rows = [_cells(1, TEAM_HEADER), *(_cells(n, r) for n, r in enumerate(team_rows(ROWS_2024), start=2))]
    rows += [f'<row r="{n}"><c r="XFD{n}"><v>1</v></c></row>' for n in range(7, 240_007)]
    path = _with_sheet(tmp_path / "wide.xlsx", _sheet_xml(rows))
    assert path.stat().st_size < 2 * 1024 * 1024
    script = textwrap.dedent(f"""
        import resource, sys
        limit = 2 * 1024 ** 3
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from kfh_site.cli import main
        sys.exit(main(["validate", {str(path)!r}]))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=DEADLINE,
                          env={"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1"})
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr
    assert done.returncode == 0, done.stderr
    assert 'wide.xlsx, sheet "2024-25": cells after column GR not read' in done.stdout
    assert "OK: 5 organisations, 1 year (2024/25)" in done.stdout


def test_more_rows_than_a_return_could_hold_is_refused_with_the_limit(tmp_path, monkeypatch):
    import kfh_site.returns.sheets as sheets

    monkeypatch.setattr(sheets, "MAX_ROWS", 3)
    path = workbook(tmp_path / "r.xlsx", {"2024-25": [TEAM_HEADER, *team_rows(ROWS_2024)]})
    with pytest.raises(DataError) as caught:
        load_returns([path], tmp_path)
    assert str(caught.value).splitlines()[0].startswith(
        'r.xlsx, sheet "2024-25", row 5: has more than 3 rows of data below its header, more than kfh-site reads')


def test_a_header_without_a_required_column_is_judged_from_the_first_rows_alone(tmp_path):
    """A sheet of any size whose header lacks a required column is judged from its first
    rows: the XML past them is broken here, and reading it would fail differently."""
    header = [h for h in TEAM_HEADER if h != "Qualified LKS staff (WTE)"]
    rows = [_cells(1, header), *(_cells(n, ["RX1", "Trust", "London", 1000]) for n in range(2, 5000))]
    broken = _sheet_xml(rows).replace(b"</sheetData></worksheet>", b'<row r="5000"><c r="A5000"><v>1</v></row><<<')
    path = _with_sheet(tmp_path / "big.xlsx", broken)
    with pytest.raises(DataError) as caught:
        load_returns([path], tmp_path)
    assert str(caught.value).splitlines() == [
        'big.xlsx, sheet "2024-25", row 1: required column "Qualified LKS staff (WTE)" (qualified_lks_wte) is '
        "missing",
        "1 problem found in the return data.",
    ]


# --- messages in the return's own words -------------------------------------------------------


def test_the_same_problem_on_many_rows_is_said_once_with_the_rows(tmp_path):
    rows = [[f"R{n:02d}", f"Trust {n}", "London", "", "2024", "1000", "1", *[""] * 12] for n in range(20)]
    with pytest.raises(DataError) as caught:
        load_returns([write_csv(tmp_path / "r.csv", rows)], tmp_path)
    assert str(caught.value).splitlines() == [
        'r.csv, rows 2-21, column year: expected a financial year such as "2024/25", got "2024": a year on its '
        'own could be either financial year; write "2023/24" or "2024/25"',
        "20 problems found in the return data.",
    ]


def test_a_date_in_the_year_column_is_hinted(tmp_path):
    import datetime as dt

    header = [*TEAM_HEADER, "Year"]
    row = [*team_rows(ROWS_2024)[0], dt.datetime(2025, 3, 31)]
    path = workbook(tmp_path / "r.xlsx", {"Return": [header, row]})
    with pytest.raises(DataError) as caught:
        load_returns([path], tmp_path)
    assert str(caught.value).splitlines()[0] == (
        'r.xlsx, sheet "Return", row 2, column "Year" (year): expected a financial year such as "2024/25", got '
        'the date 2025-03-31: write the financial year it falls in, "2024/25" (a cell formatted as a date shows '
        "a date)")


def test_a_date_in_a_number_column_is_hinted(tmp_path):
    import datetime as dt

    row = [*team_rows(ROWS_2024)[0]]
    row[3] = dt.datetime(1905, 6, 1)
    path = workbook(tmp_path / "r.xlsx", {"2024-25": [TEAM_HEADER, row]})
    with pytest.raises(DataError) as caught:
        load_returns([path], tmp_path)
    assert "got the date 1905-06-01: the cell is formatted as a date; format it as a number" in str(caught.value)


# --- unlikely figures: warnings, errors with --strict ------------------------------------------


def _with(rows: list[list[str]], code: str, **changes: str) -> list[list[str]]:
    columns = {name: HEADER.index(name) for name in changes}
    out = []
    for row in rows:
        row = list(row)
        if row[0] == code:
            for name, value in changes.items():
                row[columns[name]] = value
        out.append(row)
    return out


@pytest.mark.parametrize("changes, year_file, expected", [
    ({"nhs_staff_wte": "85,000"}, "2024-25.csv",
     'data/returns/2024-25.csv, row 2, column nhs_staff_wte: warning: 85,000 NHS staff for AAA1 in 2024/25 is '
     "more than any one organisation has (50,000); is there an extra digit?"),
    ({"nhs_staff_wte": "85"}, "2024-25.csv",
     "data/returns/2024-25.csv, row 2, column nhs_staff_wte: warning: 85 NHS staff for AAA1 in 2024/25 is fewer "
     "than 100; is this the organisation's whole workforce (WTE), not the library's staff?"),
    ({"qualified_lks_wte": "130"}, "2024-25.csv",
     "data/returns/2024-25.csv, row 2, column qualified_lks_wte: warning: 130 qualified WTE for 12,500 NHS staff "
     "(AAA1 in 2024/25) is more than one for every 100 staff; are the two columns swapped, or is a figure too "
     "large?"),
    ({"qualified_lks_wte": "40"}, "2024-25.csv",
     "data/returns/2024-25.csv, row 2, column qualified_lks_wte: warning: Qualified LKS staff (WTE) for AAA1 "
     "went from 9 in 2023/24 to 40 in 2024/25, more than 3 times more; is one of them mistyped?"),
    ({"nhs_staff_wte": "1,250"}, "2024-25.csv",
     "data/returns/2024-25.csv, row 2, column nhs_staff_wte: warning: NHS staff (WTE) for AAA1 went from 12,000 "
     "in 2023/24 to 1,250 in 2024/25, more than 3 times less; is one of them mistyped?"),
])
def test_an_unlikely_figure_is_a_warning_and_an_error_with_strict(tmp_path, capsys, changes, year_file, expected):
    project = make_project(tmp_path / "project", with_data=False)
    write_csv(project / "data" / "returns" / "2023-24.csv", ROWS_2023)
    write_csv(project / "data" / "returns" / "2024-25.csv", _with(ROWS_2024, "AAA1", **changes))
    assert run_cli(project, "validate") == 0
    out = capsys.readouterr().out
    assert expected in out.splitlines()
    assert "to check; validate --strict makes them errors." in out.splitlines()[-1]
    assert run_cli(project, "validate", "--strict") == 1
    assert expected in capsys.readouterr().err
    assert run_cli(project, "build", "--no-pdf") == 0
    assert expected in capsys.readouterr().out.splitlines()
    assert run_cli(project, "build", "--no-pdf", "--strict") == 1
    err = capsys.readouterr().err
    assert expected in err and "Nothing was built" in err


def test_figures_within_bounds_give_no_warning(tmp_path, capsys):
    project = make_project(tmp_path / "project")
    assert run_cli(project, "validate") == 0
    assert "warning" not in capsys.readouterr().out


# --- a region's report and rows for other regions ----------------------------------------------


LONDON = CONFIG + 'scope = "London"\n'


def test_a_stray_row_for_another_region_is_named_and_left_out_of_a_regions_report(tmp_path, capsys):
    project = make_project(tmp_path / "project", LONDON, with_data=False)
    london = [r for r in ROWS_2024 if r[2] == "London"]
    stray = [r for r in ROWS_2024 if r[0] == "CCC"]
    write_csv(project / "data" / "returns" / "2024-25.csv", london + stray)
    expected = ("data/returns/2024-25.csv, row 4: outside this report's scope (London): North West; left out: "
                "the data does not hold every region for that year, so they cannot be compared")
    assert run_cli(project, "validate") == 0
    out = capsys.readouterr().out.splitlines()
    assert expected in out and out[-1] == "OK: 2 organisations, 1 year (2024/25), 1 region, 1 file"
    assert run_cli(project, "build", "--no-pdf") == 0
    assert expected in capsys.readouterr().out.splitlines()
    areas = (project / "build" / "downloads" / "areas.csv").read_text(encoding="utf-8-sig")
    organisations = (project / "build" / "downloads" / "figures.csv").read_text(encoding="utf-8-sig")
    assert "CCC" not in organisations and "Gamma" not in organisations
    north_west = [line for line in areas.splitlines() if "North West" in line]
    assert all(",0," in line or "No returns" in line or "no returns" in line for line in north_west), north_west


def test_a_regions_subtotal_row_named_only_by_the_region_is_skipped_and_named(tmp_path):
    rows = team_rows(ROWS_2024)
    london = [r for r in rows if r[2] == "London"]
    subtotal = ["", "London", "", sum(r[3] for r in london), sum(r[4] for r in london), sum(r[5] for r in london)]
    path = workbook(tmp_path / "r.xlsx", {"2024-25": [TEAM_HEADER, *london, subtotal]})
    returns = load_returns([path], tmp_path)
    assert len(returns.table) == 2
    assert 'r.xlsx, sheet "2024-25": row 4 skipped as a totals row ("London", no organisation code): ' \
           "kfh-site adds up the organisations' rows itself" in returns.notes


def test_an_organisation_row_missing_only_its_code_is_still_an_error(tmp_path):
    rows = team_rows(ROWS_2024)
    rows[0][0] = ""
    path = workbook(tmp_path / "r.xlsx", {"2024-25": [TEAM_HEADER, *rows]})
    with pytest.raises(DataError) as caught:
        load_returns([path], tmp_path)
    assert 'row 2, column "ODS code" (org_code): expected an ODS code' in str(caught.value)


def test_a_note_below_the_data_is_skipped_and_named(tmp_path):
    path = workbook(tmp_path / "r.xlsx", {"2024-25": [TEAM_HEADER, *team_rows(ROWS_2024), [],
                                                      ["Source: LKS statistics return 2024/25, checked by the team"]]})
    returns = load_returns([path], tmp_path)
    assert len(returns.table) == 5
    assert ('r.xlsx, sheet "2024-25": row 8 skipped as a note ("Source: LKS statistics return 2024/25, checked by '
            'the team"): it holds words in one cell and nothing else') in returns.notes


def test_a_header_repeated_below_the_data_is_skipped_and_named(tmp_path):
    rows = team_rows(ROWS_2024)
    path = workbook(tmp_path / "r.xlsx", {"2024-25": [TEAM_HEADER, *rows[:2], TEAM_HEADER, *rows[2:]]})
    returns = load_returns([path], tmp_path)
    assert len(returns.table) == 5
    assert 'r.xlsx, sheet "2024-25": row 4 skipped: it repeats the header' in returns.notes


def test_a_region_written_with_an_ampersand_is_read(tmp_path):
    rows = [[*r] for r in ROWS_2024]
    rows[0][2] = "North East & Yorkshire"
    returns = load_returns([write_csv(tmp_path / "r.csv", rows)], tmp_path)
    assert returns.table.set_index("org_code").loc["AAA1", "region"] == "North East and Yorkshire"


def test_a_national_file_in_a_regions_report_is_used_for_comparison_and_said_in_one_line(tmp_path, capsys):
    project = make_project(tmp_path / "project", LONDON, with_data=False)
    regions = ["East of England", "London", "Midlands", "North East and Yorkshire", "North West", "South East",
               "South West"]
    rows = [[f"R{n:02d}", f"Trust {n}", regions[n % 7], "Acute", "2024/25", "5000", "3", *[""] * 12]
            for n in range(70)]
    write_csv(project / "data" / "returns" / "2024-25.csv", rows)
    assert run_cli(project, "validate") == 0
    out = capsys.readouterr().out.splitlines()
    scoped = [line for line in out if "outside this report's scope" in line]
    assert scoped == ["data/returns/2024-25.csv, 60 rows: outside this report's scope (London): East of England, "
                      "Midlands, North East and Yorkshire, North West, South East, South West; used only for "
                      "comparisons (England and the other regions); no page of this report is theirs"]
    assert run_cli(project, "build", "--no-pdf") == 0
    assert not (project / "build" / "organisations" / "r00.html").exists()   # East of England's
    assert (project / "build" / "organisations" / "r01.html").exists()       # London's
