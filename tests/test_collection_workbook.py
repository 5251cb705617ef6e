"""A real collection workbook, as the national team sends it out, goes from `validate` to the
built organisation page in one round: guidance sheet, merged title banner, notes row,
spelled-out headers with units, years written 2024-25, and columns the contract lacks."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import make_project, run_cli
from openpyxl import Workbook

from kfh_site.config import load_config
from kfh_site.errors import ConfigError

HEADERS = [
    "ODS code", "Organisation name", "NHS Region", "Organisation type", "Financial year", "NHS staff (WTE)",
    "Qualified LKS staff (WTE)", "Other LKS staff (WTE)", "Clinical librarians (WTE)", "Knowledge managers (WTE)",
    "Literature searches", "Evidence summaries", "Training sessions", "People trained",
    "Document supply requests", "Loans", "Registered users", "Current awareness subscribers",
    "Impact case studies", "Comments",
]
ROWS = [
    ["RJ1", "Guy's and St Thomas' NHS Foundation Trust", "London", "Acute", "2024-25", 21053.5, 14.7, 3.2, 2, 1.5,
     1214, 31, 42, 415, 918, 327, 2045, 151, 6, "Figures checked by the library lead"],
    ["RJ2", "Lewisham and Greenwich NHS Trust", "London", "Acute", "2024-25", 7001, 4, 2.5, 1, 0,
     220, 12, 9, 88, 140, 75, 610, 40, 2, ""],
]
# What the organisation page shows for RJ1, row heading -> cell, as formatting.py writes it
# (the staffing table's unit, WTE, is in its column heading: issue 19).
RJ1_ON_ITS_PAGE = {
    "Qualified librarians and knowledge specialists": "14.7",
    "of whom embedded clinical librarians": "2.0",
    "of whom knowledge managers": "1.5",
    "Other library and knowledge services staff": "3.2",
    "NHS staff served": "21,054",   # NHS staff are people: whole numbers on the pages
    "Literature searches": "1,214",
    "Evidence summaries": "31",
    "Training sessions": "42",
    "People trained": "415",
    "Document supply requests": "918",
    "Loans": "327",
    "Registered users": "2,045",
    "Current awareness subscribers": "151",
    "Impact case studies": "6",
}


def collection_workbook(path: Path, headers: list[str] = HEADERS) -> Path:
    book = Workbook()
    guidance = book.active
    guidance.title = "Guidance"
    guidance.append(["How to complete the LKS statistics return"])
    guidance.append(["Give staff as whole-time equivalents (WTE). Leave a cell blank if you do not collect it."])
    sheet = book.create_sheet("Return")
    sheet.append(["Library and knowledge services statistics return 2024-25"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(["Complete one row per organisation. Figures are for the year to 31 March 2025."])
    sheet.append([])
    sheet.append(headers)
    for row in ROWS:
        sheet.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


class _TableRows(HTMLParser):
    """Each table row's first two cells as text: heading -> value."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, str] = {}
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self._row = []
        elif tag in ("th", "td") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row:
            self.rows.setdefault(self._row[0], self._row[1] if len(self._row) > 1 else "")
            self._row = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(page: Path) -> dict[str, str]:
    parser = _TableRows()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.rows


def test_a_collection_workbook_validates_and_builds_with_every_figure_on_the_page(tmp_path, capsys):
    project = make_project(tmp_path / "project", with_data=False)
    collection_workbook(project / "data" / "returns" / "2024-25.xlsx")

    assert run_cli(project, "validate") == 0
    where = 'data/returns/2024-25.xlsx, sheet "Return"'
    assert capsys.readouterr().out.splitlines() == [
        'data/returns/2024-25.xlsx: sheet "Guidance" not read: no header row naming the required columns in '
        "its first 20 rows",
        f"{where}: header on row 4 (rows 1-3 skipped as title and notes)",
        f'{where}: ignored column "Comments" (not part of the contract)',
        f"{where}: read 2 rows for 2024/25",
        "OK: 2 organisations, 1 year (2024/25), 1 region, 1 file",
    ]

    assert run_cli(project, "build", "--no-pdf") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        'data/returns/2024-25.xlsx: sheet "Guidance" not read: no header row naming the required columns in '
        "its first 20 rows",
        f"{where}: header on row 4 (rows 1-3 skipped as title and notes)",
        f'{where}: ignored column "Comments" (not part of the contract)',
        f"{where}: read 2 rows for 2024/25",
    ]
    assert out[4].startswith("Built ")
    page = project / "build" / "organisations" / "rj1.html"
    text = page.read_text(encoding="utf-8")
    assert "Not reported" not in text
    assert "Acute" in text and "London" in text and "2024/25" in text
    rows = table_rows(page)
    assert {heading: rows.get(heading) for heading in RJ1_ON_ITS_PAGE} == RJ1_ON_ITS_PAGE


def test_a_misspelt_activity_column_fails_validate_naming_it(tmp_path, capsys):
    project = make_project(tmp_path / "project", with_data=False)
    headers = ["Literature serches" if h == "Literature searches" else h for h in HEADERS]
    collection_workbook(project / "data" / "returns" / "2024-25.xlsx", headers)
    assert run_cli(project, "validate") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert captured.err.splitlines() == [
        'kfh-site: data/returns/2024-25.xlsx, sheet "Return", row 4, column "Literature serches" '
        '(literature_searches): not read: the header in column K is not one kfh-site knows, and this file has no other '
        'literature_searches column, so its figures would be lost. Rename the header to "Literature searches", '
        'or map it in kfh-site.toml: under [columns] add "Literature serches" = "literature_searches"',
        "1 problem found in the return data.",
    ]

    # Doing what the message says makes the file acceptable, figures and all.
    config = project / "kfh-site.toml"
    config.write_text(config.read_text() + '\n[columns]\n"Literature serches" = "literature_searches"\n')
    assert run_cli(project, "validate") == 0
    assert run_cli(project, "build", "--no-pdf") == 0
    assert table_rows(project / "build" / "organisations" / "rj1.html")["Literature searches"] == "1,214"


def test_validate_given_a_file_and_config_uses_its_columns_table(tmp_path, capsys):
    project = make_project(tmp_path / "project", with_data=False)
    headers = ["Chartered staff" if h == "Qualified LKS staff (WTE)" else h for h in HEADERS]
    path = collection_workbook(project / "incoming" / "r.xlsx", headers)
    assert run_cli(project, "validate", str(path)) == 1
    assert 'row 4: required column "Qualified LKS staff (WTE)" (qualified_lks_wte) is missing\n' in capsys.readouterr().err
    config = project / "kfh-site.toml"
    config.write_text(config.read_text() + '\n[columns]\n"Chartered staff" = "qualified_lks_wte"\n')
    assert run_cli(project, "validate", str(path), "--config", str(config)) == 0
    assert capsys.readouterr().out.endswith("OK: 2 organisations, 1 year (2024/25), 1 region, 1 file\n")


@pytest.mark.parametrize("table, expected", [
    ('"Chartered staff" = "qualified_wte"',
     "key 'columns.\"Chartered staff\"': 'qualified_wte' is not a column of the data contract; "
     "did you mean 'qualified_lks_wte'?"),
    ('"Searches done" = "Literature searches"',
     "key 'columns.\"Searches done\"': 'Literature searches' is not a column of the data contract; "
     "did you mean 'literature_searches'?"),
    ('"Chartered staff" = 3',
     "key 'columns.\"Chartered staff\"': expected the name of a contract column such as \"qualified_lks_wte\", got 3"),
    ('"Org code" = "org_code"\n"ORG-CODE" = "org_name"',
     "key 'columns.\"ORG-CODE\"': the header 'Org code' is the same once case, spaces and punctuation are set "
     "aside, and maps to 'org_code'; keep one"),
])
def test_a_bad_columns_table_is_a_config_error_with_a_suggestion(tmp_path, table, expected):
    path = tmp_path / "kfh-site.toml"
    path.write_text(f"[columns]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert expected in str(caught.value)


def test_the_columns_table_is_kept_in_a_fixed_order(tmp_path):
    path = tmp_path / "kfh-site.toml"
    path.write_text('[columns]\n"b" = "loans"\n"a" = "org_type"\n', encoding="utf-8")
    first = load_config(path)
    path.write_text('[columns]\n"a" = "org_type"\n"b" = "loans"\n', encoding="utf-8")
    assert first.columns == (("a", "org_type"), ("b", "loans")) and repr(first) == repr(load_config(path))
