"""The .xlsx reader on small hand-made workbooks: sheets in order, cells as the text a
CSV export would hold, merged cells and cells past the last column found in the XML,
formulas without saved values seen as such, and a zip bomb refused before parsing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import Workbook as OpenpyxlWorkbook

from kfh_site.errors import WorkbookProblem
from kfh_site.returns.workbook import MAX_COLUMNS, MergedRange, Workbook, cell_text, check_limits


def xlsx(build) -> bytes:
    book = OpenpyxlWorkbook()
    build(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def two_sheets(book) -> None:
    guidance = book.active
    guidance.title = "Guidance"
    guidance["A1"] = "How to fill in the return"
    guidance.merge_cells("A1:C1")
    ret = book.create_sheet("Return")
    ret.append(["org_code", "nhs_staff_wte", "year", "submitted", "checked", "formula"])
    ret.append(["RAA", 2500.0, "2024/25", dt.datetime(2025, 4, 30), True, "=B2*2"])
    ret.append(["RBB", 1200.5, "2024/25", None, False, None])


def test_sheets_are_listed_in_order_and_cells_read_as_a_csv_export_would():
    with Workbook(xlsx(two_sheets)) as book:
        assert book.sheet_names == ["Guidance", "Return"]
        head = book.head("Return", 10)
    assert len(head) == 3 and not any(cell for row in head for cell in row[6:])   # padded, never more
    assert head[0][:6] == ["org_code", "nhs_staff_wte", "year", "submitted", "checked", "formula"]
    assert head[1][:6] == ["RAA", "2500", "2024/25", "2025-04-30", "TRUE", "=B2*2"]
    assert head[2][:6] == ["RBB", "1200.5", "2024/25", "", "FALSE", ""]


def test_merged_cells_are_found_though_streaming_does_not_report_them():
    with Workbook(xlsx(two_sheets)) as book:
        assert book.merged("Guidance") == (MergedRange("A1:C1", 1, 1),)
        assert book.merged("Return") == ()


def test_a_formula_saved_without_its_value_has_none_to_read():
    with Workbook(xlsx(two_sheets)) as book:
        assert book.cached_values("Return", {(2, 5)}) == {(2, 5): None}   # openpyxl saves no computed values


def test_cells_past_the_last_column_read_are_not_streamed_but_noticed():
    def wide(book) -> None:
        sheet = book.active
        sheet.title = "Return"
        sheet.cell(row=1, column=1, value="org_code")
        sheet.cell(row=1, column=MAX_COLUMNS + 5, value="far away")

    with Workbook(xlsx(wide)) as book:
        rows = list(book.stream("Return"))
        assert len(rows[0]) == MAX_COLUMNS and rows[0][0] == "org_code"
        assert book.has_cells_past_last_column("Return")
    with Workbook(xlsx(two_sheets)) as book:
        assert not book.has_cells_past_last_column("Return")


@pytest.mark.parametrize("value, text", [
    (None, ""), (12.0, "12"), (0.1, "0.1"), (True, "TRUE"), (dt.datetime(2025, 3, 31), "2025-03-31"),
    (dt.datetime(2025, 3, 31, 9, 30), "2025-03-31T09:30:00"), (dt.date(2025, 3, 31), "2025-03-31"), ("RAA", "RAA"),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_a_part_that_would_inflate_a_hundredfold_is_refused_before_parsing():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (11 * 1024 * 1024))
    with pytest.raises(WorkbookProblem) as caught:
        check_limits(bomb.getvalue())
    assert "more than 100 times its size" in str(caught.value)
    with pytest.raises(WorkbookProblem):
        Workbook(bomb.getvalue())
    check_limits(xlsx(two_sheets))    # a real workbook passes
