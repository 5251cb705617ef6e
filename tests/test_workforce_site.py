"""The ``[workforce]`` setting end to end: a small project whose returns give no NHS staff,
built and validated as a user would, and what its pages, PDFs and downloads say of the
NHS staff figures' source."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import pdfplumber
import pytest
from openpyxl import load_workbook

from conftest import CONFIG, HEADER, ROWS_2023, ROWS_2024, make_project, run_cli, write_csv

WORKFORCE = '\n[workforce]\nfile = "data-sources/workforce"\n'
STAFF = HEADER.index("nhs_staff_wte")
# Each organisation's NHS staff FTE by month; 2024/25's latest month is March 2025.
FIGURES = [
    ["AAA1", "Alpha Acute NHS Trust", "2023-12", "11,900"], ["AAA1", "", "2024-03", "12,000.5"],
    ["AAA1", "", "2024-12", "12,400"], ["AAA1", "", "2025-03", "12,600.25"],
    ["BBB", "", "Dec-23", "2990"], ["BBB", "", "2024-03", "3000"], ["BBB", "", "2024-12", "3010"], ["BBB", "", "2025-03", "3020"],
    ["CCC", "", "December 2023", "4790"], ["CCC", "", "2024-03", "4800"], ["CCC", "", "2024-12", "4950"], ["CCC", "", "2025-03", "5000"],
    ["DDD", "", "2024-12", "3990"], ["DDD", "", "2025-03", "4000"],
    ["EEE", "", "2023-12-31", "775"], ["EEE", "", "2024-03", "780"], ["EEE", "", "2024-12", "795"], ["EEE", "", "2025-03", "800"],
]


def workforce_project(root: Path, settings: str = WORKFORCE, keep_staff: dict[str, str] | None = None,
                      figures: list[list[str]] = FIGURES) -> Path:
    """The small project with its returns' NHS staff blanked (but for ``keep_staff``:
    code -> the figure its returns give) and a folder of workforce files in two shapes."""
    make_project(root, CONFIG + settings)
    keep_staff = keep_staff or {}
    for name, rows in (("2023-24.csv", ROWS_2023), ("2024-25.csv", ROWS_2024)):
        blanked = [[*row[:STAFF], keep_staff.get(row[0], ""), *row[STAFF + 1:]] for row in rows]
        write_csv(root / "data" / "returns" / name, blanked)
    folder = root / "data-sources" / "workforce"
    write_csv(folder / "monthly.csv", [f for f in figures if f[2] != "2025-03"],
              header=["Org code", "Organisation name", "Period", "Staff FTE"])
    # The published shape: no period column, the month in the file's name.
    write_csv(folder / "nhs-staff-fte-2025-03.csv", [[f[0], "Name", "Y56", "London", "1", f[3]]
                                                     for f in figures if f[2] == "2025-03"],
              header=["org_code", "org_name", "region_code", "region", "staff_headcount", "staff_fte"])
    return root


def figures_csv(root: Path) -> dict[tuple[str, str], dict[str, str]]:
    text = (root / "build" / "downloads" / "figures.csv").read_text(encoding="utf-8-sig")
    return {(r["org_code"], r["year"]): r for r in csv.DictReader(io.StringIO(text))}


def footer_source(page: Path) -> str:
    found = re.search(r'<p class="nhs-staff-source">([^<]*)</p>', page.read_text(encoding="utf-8"))
    assert found, f"no NHS staff source in {page}"
    return found[1].replace("&#39;", "'")


def test_a_build_joins_the_workforce_figures_and_says_their_source_on_every_page(tmp_path, capsys):
    root = workforce_project(tmp_path / "project")
    assert run_cli(root, "build", "--no-pdf") == 0
    rows = figures_csv(root)
    assert {k: (r["nhs_staff_wte"], r["nhs_staff_source"], r["nhs_staff_month"]) for k, r in rows.items()} == {
        ("AAA1", "2023/24"): ("12000.50", "NHS Workforce Statistics", "2024-03"),
        ("BBB", "2023/24"): ("3000.00", "NHS Workforce Statistics", "2024-03"),
        ("CCC", "2023/24"): ("4800.00", "NHS Workforce Statistics", "2024-03"),
        ("EEE", "2023/24"): ("780.00", "NHS Workforce Statistics", "2024-03"),
        ("AAA1", "2024/25"): ("12600.25", "NHS Workforce Statistics", "2025-03"),
        ("BBB", "2024/25"): ("3020.00", "NHS Workforce Statistics", "2025-03"),
        ("CCC", "2024/25"): ("5000.00", "NHS Workforce Statistics", "2025-03"),
        ("DDD", "2024/25"): ("4000.00", "NHS Workforce Statistics", "2025-03"),
        ("EEE", "2024/25"): ("800.00", "NHS Workforce Statistics", "2025-03"),
    }
    assert rows[("AAA1", "2024/25")]["staff_per_qualified"] == "1260.0"  # 12,600.25 / 10 qualified
    document = json.loads((root / "build" / "downloads" / "figures.json").read_text(encoding="utf-8"))
    alpha = next(o for o in document["organisations"] if (o["org_code"], o["year"]) == ("AAA1", "2023/24"))
    assert (alpha["nhs_staff_wte"], alpha["nhs_staff_source"], alpha["nhs_staff_month"]) == (
        12000.5, "NHS Workforce Statistics", "2024-03")
    england = next(a for a in document["areas"] if (a["area"], a["year"]) == ("England", "2024/25"))
    assert (england["nhs_staff_months"], england["nhs_staff_from_returns"]) == ("2025-03", 0)
    pages = sorted((root / "build").rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        assert footer_source(page) == "NHS staff: NHS Workforce Statistics, March 2025.", page
    data = (root / "build" / "data.html").read_text(encoding="utf-8")
    assert "2024/25: March 2025; 2023/24: March 2024." in data
    assert ("Contains public sector information licensed under the Open Government Licence v3.0 "
            "(NHS England, NHS Workforce Statistics).") in data
    book = pd.read_excel(root / "build" / "downloads" / "lks-statistics-2024-25.ods", sheet_name=None,
                         engine="odf", header=None)
    organisations = book["Organisations"]
    header = next(i for i in range(len(organisations)) if pd.notna(organisations.iloc[i, 1]))
    table = organisations.iloc[header + 1:]
    table.columns = list(organisations.iloc[header])
    source = next(c for c in table.columns if c.startswith("Source of NHS staff"))
    month = next(c for c in table.columns if c.startswith("Month of NHS staff"))
    assert set(zip(table["Organisation code"], table["Financial year"], table[source], table[month], strict=True)) >= {
        ("AAA1", "2024/25", "NHS Workforce Statistics", "2025-03"), ("EEE", "2023/24", "NHS Workforce Statistics", "2024-03")}
    assert "NHS Workforce Statistics" in " ".join(str(v) for v in book["Cover"].iloc[:, 0].dropna())


def test_the_month_setting_and_the_returns_own_figure_where_the_files_hold_none(tmp_path, capsys):
    figures = [f for f in FIGURES if f[0] != "DDD"]
    root = workforce_project(tmp_path / "project", WORKFORCE + "month = 12\n", keep_staff={"DDD": "4,321"},
                             figures=figures)
    assert run_cli(root, "build", "--no-pdf") == 0
    out = capsys.readouterr().out
    assert ("DDD (Delta Ambulance Service NHS Trust), 2024/25: the workforce files hold no figure for DDD for "
            "December 2024, the month used for 2024/25 (they never name DDD); the return's own NHS staff, "
            "4,321.00 WTE, is used") in out
    rows = figures_csv(root)
    assert (rows[("AAA1", "2024/25")]["nhs_staff_wte"], rows[("AAA1", "2024/25")]["nhs_staff_month"]) == (
        "12400.00", "2024-12")
    assert (rows[("AAA1", "2023/24")]["nhs_staff_wte"], rows[("AAA1", "2023/24")]["nhs_staff_month"]) == (
        "11900.00", "2023-12")
    assert (rows[("DDD", "2024/25")]["nhs_staff_wte"], rows[("DDD", "2024/25")]["nhs_staff_source"],
            rows[("DDD", "2024/25")]["nhs_staff_month"]) == ("4321.00", "return", "")
    assert footer_source(root / "build" / "organisations" / "ddd.html") == (
        "NHS staff: as given in the organisation's return.")
    assert footer_source(root / "build" / "index.html") == (
        "NHS staff: NHS Workforce Statistics, December 2024; 1 organisation's own return.")


def test_a_return_far_from_the_workforce_figure_is_a_warning_in_validate_and_build(tmp_path, capsys):
    root = workforce_project(tmp_path / "project", keep_staff={"BBB": "3,400", "CCC": "5,100"})
    assert run_cli(root, "validate") == 0
    out = capsys.readouterr().out
    warning = ("warning: BBB (Beta Mental Health NHS Trust), 2024/25: the return gives 3,400.00 NHS staff (WTE) "
               "and the NHS Workforce Statistics 3,020.00 for March 2025, a difference of +380.00 (+12.6%); "
               "the workforce figure, 3,020.00, is used")
    assert warning in out
    assert "CCC (Gamma Community NHS Trust), 2024/25" not in out  # 5,100 is 2 % from 5,000
    assert "CCC (Gamma Community NHS Trust), 2023/24: the return gives 5,100.00" in out  # 6.25 % from 4,800
    assert run_cli(root, "build", "--no-pdf") == 0
    assert warning in capsys.readouterr().out
    assert figures_csv(root)[("BBB", "2024/25")]["nhs_staff_wte"] == "3020.00"


def test_strict_makes_a_return_far_from_the_workforce_figure_an_error_named_by_file_row_and_column(tmp_path, capsys):
    root = workforce_project(tmp_path / "project", keep_staff={"BBB": "3,400"})
    for command in (["validate", "--strict"], ["build", "--no-pdf", "--strict"]):
        assert run_cli(root, *command) == 1
        err = capsys.readouterr().err
        assert 'column "NHS staff (WTE)" (nhs_staff_wte): warning: BBB (Beta Mental Health NHS Trust), 2024/25' in err
        assert "Traceback" not in err
    assert not (root / "build").exists()


def test_an_organisation_with_neither_figure_is_an_error_naming_it_and_the_months(tmp_path, capsys):
    root = workforce_project(tmp_path / "project", figures=[f for f in FIGURES if f[0] != "CCC"])
    for command in (["validate"], ["build", "--no-pdf"]):
        assert run_cli(root, *command) == 1
        err = capsys.readouterr().err
        assert "Traceback" not in err
        assert ("data/returns/2024-25.csv, row 4, column nhs_staff_wte: CCC has no NHS staff for 2024/25: the "
                "return gives none, and the workforce files hold no figure for CCC for March 2025, the month used "
                "for 2024/25 (they never name CCC). The workforce files hold 2023-12, 2024-03, 2024-12 and 2025-03."
                ) in err
        assert "data/returns/2023-24.csv, row 4, column nhs_staff_wte: CCC has no NHS staff for 2023/24" in err
    assert not (root / "build").exists()


def test_problems_in_the_workforce_files_and_the_returns_are_listed_together(tmp_path, capsys):
    root = workforce_project(tmp_path / "project")
    write_csv(root / "data-sources" / "workforce" / "broken.csv", [["AAA1", "Smarch-24", "12"]],
              header=["ODS code", "Month", "FTE"])
    write_csv(root / "data" / "returns" / "2022-23.csv", [["ZZZ", "Z", "London", "", "2022/23", "", "x"]],
              header=HEADER[:7])
    assert run_cli(root, "validate") == 1
    err = capsys.readouterr().err
    assert ('data-sources/workforce/broken.csv, row 2, column "Month" (period): expected a month such as '
            '"2024-12", "Dec-24", "December 2024" or a date, got "Smarch-24"') in err
    assert 'data/returns/2022-23.csv, row 2, column qualified_lks_wte: expected a number of 0 or more, got "x"' in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("settings", "message"), [
    ('\n[workforce]\nfile = "nowhere.csv"\n', "key 'workforce.file': there is no file or folder 'nowhere.csv'"),
    ('\n[workforce]\nfile = "data-sources/workforce"\nmonth = 13\n',
     "key 'workforce.month': expected a month number from 1 to 12 (12 is December), got 13"),
    ('\n[workforce]\nfile = "data-sources/workforce"\nmnth = 12\n', "unknown key 'workforce.mnth'"),
])
def test_a_wrong_workforce_setting_is_named(tmp_path, capsys, settings, message):
    root = workforce_project(tmp_path / "project", settings)
    assert run_cli(root, "validate") == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_blank_return_leaves_out_nhs_staff_when_the_workforce_figures_are_joined(tmp_path):
    root = workforce_project(tmp_path / "project")
    assert run_cli(root, "template", "form.xlsx") == 0
    headings = [c.value for c in load_workbook(root / "form.xlsx")["Return"][3]]
    assert "Qualified LKS staff (WTE)" in headings and "NHS staff (WTE)" not in headings
    plain = make_project(tmp_path / "plain")
    assert run_cli(plain, "template", "form.xlsx") == 0
    assert "NHS staff (WTE)" in [c.value for c in load_workbook(plain / "form.xlsx")["Return"][3]]


def test_every_pdf_says_where_its_nhs_staff_come_from(tmp_path):
    root = workforce_project(tmp_path / "project", keep_staff={"DDD": "4,000"},
                             figures=[f for f in FIGURES if f[0] != "DDD"])
    assert run_cli(root, "build") == 0
    pdfs = sorted((root / "build" / "pdf").rglob("*.pdf"))
    assert len(pdfs) == 9  # England, three regions, five organisations
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
        if path.stem == "ddd":
            assert "NHS staff: as given in the organisation's return." in text, path
        elif path.stem in ("aaa1", "bbb", "ccc", "eee"):
            assert "NHS staff: NHS Workforce Statistics, March 2025." in text, path
        else:
            assert "NHS staff: NHS Workforce Statistics, March 2025" in text, path
    with pdfplumber.open(root / "build" / "pdf" / "england.pdf") as pdf:
        text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert "NHS staff: NHS Workforce Statistics, March 2025; 1 organisation's own return." in text


def test_a_merged_trusts_years_before_the_merger_add_up_its_predecessors_workforce_figures(tmp_path):
    """RZZ was formed in 2024/25 from RAA and RBB. Its own return for 2023/24 (sent as the
    merged service) and the predecessors' combined change both use RAA's and RBB's figures."""
    root = tmp_path / "project"
    make_project(root, CONFIG + WORKFORCE + '\n[[mergers]]\nyear = "2024/25"\ninto = "RZZ"\nfrom = ["RAA", "RBB"]\n',
                 with_data=False)

    def row(code: str, year: str, qualified: str) -> list[str]:
        values = {"org_code": code, "org_name": f"Trust {code}", "region": "London", "org_type": "Acute",
                  "year": year, "qualified_lks_wte": qualified}
        return [values.get(column, "") for column in HEADER]

    write_csv(root / "data" / "returns" / "2023-24.csv", [row("RAA", "2023/24", "2"), row("RBB", "2023/24", "1")])
    write_csv(root / "data" / "returns" / "2024-25.csv", [row("RZZ", "2024/25", "4")])
    write_csv(root / "data-sources" / "workforce" / "staff.csv", [
        ["RAA", "2024-03", "3000"], ["RBB", "2024-03", "1500.5"], ["RZZ", "2025-03", "5000"],
    ], header=["ODS code", "Period", "FTE"])
    assert run_cli(root, "build", "--no-pdf") == 0
    rzz = figures_csv(root)[("RZZ", "2024/25")]
    assert (rzz["nhs_staff_wte"], rzz["nhs_staff_month"], rzz["combined_from"]) == ("5000.00", "2025-03", "RAA RBB")
    assert rzz["nhs_staff_wte_change"] == "499.50"  # 5,000 - (3,000 + 1,500.5)
    # The merged service's own return for a year before the merger: its predecessors added up.
    write_csv(root / "data" / "returns" / "2022-23.csv", [row("RZZ", "2022/23", "3")])
    write_csv(root / "data-sources" / "workforce" / "older.csv", [
        ["RAA", "2023-03", "2900"], ["RBB", "2023-03", "1400"], ["RZZ", "2023-03", "1"],
    ], header=["ODS code", "Period", "FTE"])
    assert run_cli(root, "build", "--no-pdf") == 0
    early = figures_csv(root)[("RZZ", "2022/23")]
    assert (early["nhs_staff_wte"], early["nhs_staff_source"], early["nhs_staff_month"]) == (
        "4300.00", "NHS Workforce Statistics", "2023-03")


def test_a_changed_workforce_file_is_built_again_and_one_inside_data_is_no_return(tmp_path):
    root = workforce_project(tmp_path / "project", '\n[workforce]\nfile = "data/workforce"\n')
    (root / "data-sources" / "workforce").rename(root / "data" / "workforce")
    assert run_cli(root, "build", "--no-pdf") == 0  # not read as returns: they would lack the contract's columns
    assert figures_csv(root)[("EEE", "2024/25")]["nhs_staff_wte"] == "800.00"
    monthly = root / "data" / "workforce" / "nhs-staff-fte-2025-03.csv"
    monthly.write_text(monthly.read_text(encoding="utf-8").replace(",800\n", ",810\n"), encoding="utf-8")
    assert run_cli(root, "build", "--no-pdf") == 0
    assert figures_csv(root)[("EEE", "2024/25")]["nhs_staff_wte"] == "810.00"


def test_a_workforce_file_without_a_month_is_joined_and_said_to_have_none(tmp_path, capsys):
    """The published shape saved under a name without its month: its figures stand in for
    every year, and every page says the month is not given."""
    root = workforce_project(tmp_path / "project", '\n[workforce]\nfile = "data-sources/workforce.csv"\n')
    (root / "data-sources" / "workforce" / "nhs-staff-fte-2025-03.csv").rename(root / "data-sources" / "workforce.csv")
    assert run_cli(root, "build", "--no-pdf") == 0
    assert "data-sources/workforce.csv: no period column and no month in its name" in capsys.readouterr().out
    rows = figures_csv(root)
    assert (rows[("AAA1", "2023/24")]["nhs_staff_wte"], rows[("AAA1", "2024/25")]["nhs_staff_wte"]) == (
        "12600.25", "12600.25")
    assert (rows[("AAA1", "2024/25")]["nhs_staff_source"], rows[("AAA1", "2024/25")]["nhs_staff_month"]) == (
        "NHS Workforce Statistics", "")
    assert footer_source(root / "build" / "organisations" / "aaa1.html") == (
        "NHS staff: NHS Workforce Statistics, month not given.")
    assert footer_source(root / "build" / "index.html") == "NHS staff: NHS Workforce Statistics, month not given."
