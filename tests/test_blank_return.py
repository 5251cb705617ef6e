"""`kfh-site template` writes the blank return; a service fills it in with nothing but a
spreadsheet program, and the filled copy validates and builds without a single change."""

from __future__ import annotations

import math
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import make_project, run_cli
from openpyxl import load_workbook

from kfh_site.cli import main
from kfh_site.project.blank_return import (
    ERROR_LIMIT,
    FIRST_ROW,
    HEADER_ROW,
    ORG_TYPES,
    PROMPT_LIMIT,
    TITLE_LIMIT,
    header,
    what_to_enter,
)
from kfh_site.returns.contract import COLUMNS, KNOWN_HEADERS, REGIONS, normalise_header
from kfh_site.returns.table import load_returns

HEADERS = [header(c) for c in COLUMNS]
# Two organisations as a library lead types them; Beta did not count most of its activity.
FILLED = [
    {"org_code": "RJ1", "org_name": "Guy's and St Thomas' NHS Foundation Trust", "region": "London",
     "org_type": "Acute", "year": "2024/25", "nhs_staff_wte": 21053.5, "qualified_lks_wte": 14.7,
     "other_lks_wte": 3.2, "clinical_librarian_wte": 2, "knowledge_manager_wte": 1.5, "literature_searches": 1214,
     "evidence_summaries": 31, "training_sessions": 42, "people_trained": 415, "document_supply_requests": 918,
     "loans": 327, "registered_users": 2045, "current_awareness_subscribers": 151, "impact_case_studies": 6},
    {"org_code": "RXY", "org_name": "Beta Mental Health NHS Trust", "region": "South West",
     "org_type": "Mental health", "year": "2024/25", "nhs_staff_wte": 3024, "qualified_lks_wte": 1.6,
     "other_lks_wte": None, "clinical_librarian_wte": None, "knowledge_manager_wte": None,
     "literature_searches": 100, "evidence_summaries": None, "training_sessions": 5, "people_trained": None,
     "document_supply_requests": None, "loans": None, "registered_users": 700,
     "current_awareness_subscribers": None, "impact_case_studies": None},
]


def make_template(folder: Path, *args: str) -> Path:
    path = folder / "lks-return.xlsx"
    assert main(["template", str(path), *args]) == 0
    return path


def fill(template: Path, out: Path, rows: list[dict] = FILLED) -> Path:
    """What a service does: type one row per organisation under the headings, save a copy."""
    book = load_workbook(template)
    sheet = book["Return"]
    for offset, row in enumerate(rows):
        for index, column in enumerate(COLUMNS, start=1):
            if row[column.name] is not None:
                sheet.cell(FIRST_ROW + offset, index, row[column.name])
    book.save(out)
    return out


@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no project here: the command works anywhere
    return make_template(tmp_path)


def test_sheets_in_order_each_titled_in_a1(template: Path) -> None:
    book = load_workbook(template)
    assert book.sheetnames == ["Guidance", "Return", "Notes"]
    assert book.active.title == "Guidance"
    for sheet in book.worksheets:
        assert sheet["A1"].value and sheet["A1"].font.bold
        assert not sheet.merged_cells.ranges


def test_return_header_is_the_contract_read_back(template: Path) -> None:
    sheet = load_workbook(template)["Return"]
    written = [cell.value for cell in sheet[HEADER_ROW]]
    assert written == HEADERS
    assert [KNOWN_HEADERS[normalise_header(h)] for h in written] == [c.name for c in COLUMNS]
    assert "Organisation name" in written and "NHS staff (WTE)" in written
    assert sheet.freeze_panes == f"A{FIRST_ROW}"
    assert sheet.max_row == HEADER_ROW  # nothing below the header: no sample row to delete
    for index in range(1, len(COLUMNS) + 1):
        letter = sheet.cell(HEADER_ROW, index).column_letter
        assert sheet.column_dimensions[letter].width >= len(HEADERS[index - 1])


def _validations(template: Path) -> dict[str, object]:
    """Each column's validation, by its heading."""
    sheet = load_workbook(template)["Return"]
    by_letter = {sheet.cell(HEADER_ROW, i).column_letter: sheet.cell(HEADER_ROW, i).value
                 for i in range(1, len(COLUMNS) + 1)}
    found = {}
    for validation in sheet.data_validations.dataValidation:
        ranges = str(validation.sqref).split()
        assert len(ranges) == 1
        first, last = ranges[0].split(":")
        letter = first.rstrip("0123456789")
        assert first == f"{letter}{FIRST_ROW}" and last == f"{letter}1048576"
        found[by_letter[letter]] = validation
    assert set(found) == set(HEADERS)
    return found


def test_data_validation_follows_the_contract(template: Path) -> None:
    found = _validations(template)
    by_name = {c.name: found[header(c)] for c in COLUMNS}

    region = by_name["region"]
    assert region.type == "list"
    assert region.formula1.strip('"').split(",") == list(REGIONS) and len(REGIONS) == 7
    assert by_name["org_type"].type == "list"
    assert by_name["org_type"].formula1.strip('"').split(",") == list(ORG_TYPES)
    assert "Arm's length body" in ORG_TYPES

    staff = by_name["nhs_staff_wte"]
    assert (staff.type, staff.operator, staff.formula1) == ("decimal", "greaterThan", "0")
    for name in ("qualified_lks_wte", "other_lks_wte", "clinical_librarian_wte", "knowledge_manager_wte"):
        check = by_name[name]
        assert (check.type, check.operator, check.formula1) == ("decimal", "greaterThanOrEqual", "0"), name
    for column in COLUMNS:
        if column.kind == "whole":
            check = by_name[column.name]
            assert (check.type, check.operator, check.formula1) == ("whole", "greaterThanOrEqual", "0")

    year = by_name["year"]
    assert year.type == "custom" and "LEN(E4)=7" in year.formula1 and 'MID(E4,5,1)="/"' in year.formula1
    assert "2024/25" in year.prompt
    code = by_name["org_code"]
    assert code.type == "custom" and "LEN(A4)>=3" in code.formula1 and "LEN(A4)<=6" in code.formula1
    assert by_name["org_name"].type is None  # any text, but it still says what to enter

    for column in COLUMNS:
        check = by_name[column.name]
        assert check.allow_blank  # blank is how "not reported" is written
        assert check.showInputMessage and check.prompt == what_to_enter(column)
        assert len(check.prompt) <= PROMPT_LIMIT and len(check.promptTitle) <= TITLE_LIMIT
        if check.type is not None:
            assert check.showErrorMessage and check.errorStyle == "stop"
            assert check.error and len(check.error) <= ERROR_LIMIT and len(check.errorTitle) <= TITLE_LIMIT


def test_guidance_explains_every_column_from_the_contract(template: Path) -> None:
    sheet = load_workbook(template)["Guidance"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    text = " ".join(str(v) for row in rows for v in row if v is not None)
    table = rows.index(["Column", "Heading", "Required", "What to enter"])
    body = rows[table + 1:]
    assert [row[1] for row in body] == HEADERS
    assert [row[2] for row in body] == ["Yes" if c.required else "No" for c in COLUMNS]
    assert [row[3] for row in body] == [what_to_enter(c) for c in COLUMNS]
    assert all(any(v is not None for v in row) for row in rows)  # no blank rows
    for column in COLUMNS:
        assert column.label.lower() in what_to_enter(column).lower() or column.kind in ("region", "year")
    assert "not reported" in text.lower() and "not zero" in text and "n/a" in text
    assert "part of Qualified LKS staff (WTE)" in text
    assert "Send the completed workbook to the team that asked you for it (NHS England)" in text


def test_notes_sheet(template: Path) -> None:
    sheet = load_workbook(template)["Notes"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows[0] == ["Note number", "Subject", "Note"]
    assert [row[0] for row in rows[1:]] == list(range(1, len(rows)))
    text = " ".join(row[2] for row in rows[1:])
    assert "Not reported is not zero" in text
    assert "NHS staff (WTE) divided by Qualified LKS staff (WTE)" in text and "1,250" in text and "1,730" in text
    assert "docs/data-contract.md" in text


def test_a_filled_copy_validates_with_no_change(template: Path, tmp_path: Path, capsys) -> None:
    filled = fill(template, tmp_path / "filled.xlsx")
    capsys.readouterr()
    assert main(["validate", str(filled)]) == 0
    out = capsys.readouterr().out
    assert "OK: 2 organisations, 1 year (2024/25), 2 regions, 1 file" in out
    assert "ignored" not in out

    table = load_returns([filled], tmp_path).table.set_index("org_code")
    assert sorted(table.index) == ["RJ1", "RXY"]
    for row in FILLED:
        got = table.loc[row["org_code"]]
        for column in COLUMNS:
            expected = row[column.name]
            if column.name == "org_code":
                continue
            if expected is None:
                assert math.isnan(got[column.name]), (row["org_code"], column.name)  # not reported, not 0
            elif isinstance(expected, str):
                assert got[column.name] == expected
            else:
                assert got[column.name] == pytest.approx(expected), (row["org_code"], column.name)


def test_a_filled_copy_builds(template: Path, tmp_path: Path) -> None:
    filled = fill(template, tmp_path / "filled.xlsx")
    project = make_project(tmp_path / "project", with_data=False)
    assert run_cli(project, "build", "--no-pdf", "--data", str(filled)) == 0
    page = (project / "build" / "organisations" / "rxy.html").read_text(encoding="utf-8")
    assert "Beta Mental Health NHS Trust" in page
    assert "Not reported" in page
    texts: list[str] = []

    class Text(HTMLParser):
        def handle_data(self, data: str) -> None:
            texts.append(data.strip())

    Text().feed((project / "build" / "organisations" / "rj1.html").read_text(encoding="utf-8"))
    assert "21,054" in texts and "1,214" in texts   # NHS staff are whole numbers on the pages (WTE in the heading)


def test_mistakes_a_spreadsheet_would_let_through_are_still_caught(template: Path, tmp_path: Path, capsys) -> None:
    """Validation only checks what is typed: a missing required cell still meets the tool's rules."""
    row = dict(FILLED[0], nhs_staff_wte=None)
    filled = fill(template, tmp_path / "filled.xlsx", [row])
    capsys.readouterr()
    assert main(["validate", str(filled)]) == 1
    assert 'sheet "Return", row 4, column "NHS staff (WTE)" (nhs_staff_wte)' in capsys.readouterr().err


def test_refuses_to_overwrite_without_force(template: Path, capsys) -> None:
    template.write_bytes(b"a service's filled return")
    capsys.readouterr()
    assert main(["template", str(template)]) == 1
    err = capsys.readouterr().err
    assert "exists" in err and "--force" in err and "Traceback" not in err
    assert template.read_bytes() == b"a service's filled return"
    assert main(["template", str(template), "--force"]) == 0
    assert load_workbook(template).sheetnames == ["Guidance", "Return", "Notes"]


@pytest.mark.parametrize("name", ["return.xls", "return.csv", "return"])
def test_refuses_a_name_that_is_not_xlsx(tmp_path: Path, capsys, name: str) -> None:
    assert main(["template", str(tmp_path / name)]) == 1
    assert ".xlsx" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_refuses_a_missing_folder(tmp_path: Path, capsys) -> None:
    assert main(["template", str(tmp_path / "no-such-folder" / "return.xlsx")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_two_runs_give_the_same_bytes_with_no_time_or_user_in_them(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no kfh-site.toml: the date is the default published date
    first = make_template(tmp_path)
    again = tmp_path / "again"
    again.mkdir()
    second = make_template(again)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 1, 1, 0, 0, 0)}
    properties = load_workbook(first).properties
    assert properties.created == properties.modified
    assert properties.created.isoformat() == "2026-01-01T00:00:00"
    assert properties.creator == "kfh-site" and properties.lastModifiedBy is None


def test_uses_the_projects_published_date_and_policy_numbers(tmp_path: Path) -> None:
    project = make_project(tmp_path / "project", with_data=False)
    config = project / "kfh-site.toml"
    config.write_text(config.read_text(encoding="utf-8") + "recommended_ratio = 1500\n", encoding="utf-8")
    assert run_cli(project, "template", "blank.xlsx", "--send-to", "lks.returns@example.nhs.uk") == 0
    book = load_workbook(project / "blank.xlsx")
    assert book.properties.created.date().isoformat() == "2026-11-23"
    notes = " ".join(str(c.value) for row in book["Notes"].iter_rows() for c in row)
    assert "1,500 WTE NHS staff" in notes
    guidance = " ".join(str(c.value) for row in book["Guidance"].iter_rows() for c in row)
    assert "Send the completed workbook to lks.returns@example.nhs.uk." in guidance
    assert "Test LKS team" in guidance
