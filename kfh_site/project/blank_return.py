"""The blank return: the .xlsx form services fill in, which kfh-site reads back as it is.

Every heading, rule and explanation in the form comes from ``returns.contract.COLUMNS``, so the
form cannot drift from what ``validate`` accepts. The form follows the Government
Analysis Function's spreadsheet guidance where it applies to a form: a title in A1 of
every sheet, no merged cells, no blank rows inside a table, meaning in words not colour.
Its bytes depend only on its settings: no timestamp, no user name.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import MISSING, dataclass, fields
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from kfh_site.config import SiteConfig
from kfh_site.errors import TemplateError
from kfh_site.returns.contract import COLUMNS, NOT_REPORTED, REGIONS, REQUIRED, Column
from kfh_site.story import formatting

ORG_TYPES = (
    "Acute", "Mental health", "Community", "Ambulance", "Integrated care board", "Arm's length body", "Other",
)
"""The contract's example organisation types, offered as a list (the contract itself takes any text)."""
EMBEDDED_ROLES = ("clinical_librarian_wte", "knowledge_manager_wte")
"""Roles counted within qualified_lks_wte (the rule returns.py checks)."""

GUIDANCE_SHEET, RETURN_SHEET, NOTES_SHEET = "Guidance", "Return", "Notes"
HEADER_ROW = 3
"""Row 1 holds the title, row 2 one line of instructions; the reader skips both and says so."""
FIRST_ROW = HEADER_ROW + 1
LAST_ROW = 1_048_576
"""Excel's last row: validations cover every row a service might fill."""
PROMPT_LIMIT, TITLE_LIMIT, ERROR_LIMIT = 255, 32, 225
"""Excel's limits on an input message, a message title and an error message."""

_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TOP = Alignment(vertical="top")


@dataclass(frozen=True)
class FormSettings:
    """What the form says that a site's config can change."""

    title: str
    publisher: str
    published: dt.date
    recommended_ratio: float
    baseline_ratio: float
    send_to: str | None = None
    nhs_staff_joined: bool = False
    """The ``[workforce]`` setting is set: NHS staff come from the NHS Workforce Statistics,
    so the form does not ask for them."""

    @property
    def columns(self) -> tuple[Column, ...]:
        """The Return sheet's columns: the contract's, less NHS staff when they are joined."""
        return tuple(c for c in COLUMNS if not (self.nhs_staff_joined and c.name == "nhs_staff_wte"))

    @classmethod
    def from_config(cls, config: SiteConfig | None, send_to: str | None = None) -> FormSettings:
        """The config's values, or, with no project, the defaults a new kfh-site.toml has."""
        names = ("title", "publisher", "published", "recommended_ratio", "baseline_ratio")
        if config is not None:
            values = {name: getattr(config, name) for name in names}
            return cls(**values, send_to=send_to, nhs_staff_joined=config.workforce.file is not None)
        values = {f.name: f.default for f in fields(SiteConfig) if f.name in names and f.default is not MISSING}
        return cls(**values, send_to=send_to)


def header(column: Column) -> str:
    """The heading the form gives a column: the one the contract suggests to users."""
    return column.aliases[0]


def what_to_enter(column: Column) -> str:
    """One column's rule in plain words: the Guidance table and the cell's input message."""
    label = column.label[:1].upper() + column.label[1:]
    if column.kind == "code":
        text = f"The {column.label}: 3 to 6 letters and digits, for example R1H."
    elif column.kind == "region":
        text = f"One of the seven NHS England regions, chosen from the list: {', '.join(REGIONS)}."
    elif column.kind == "year":
        text = ("The financial year the figures cover, written as four digits, a slash and two digits: "
                "2024/25 for April 2024 to March 2025.")
    elif column.name == "org_type":
        text = f"The {column.label}, chosen from the list: {', '.join(ORG_TYPES)}."
    elif column.kind == "text":
        text = f"The {column.label} as the report should show it."
    elif column.kind == "number":
        bound = "greater than 0" if not column.minimum_inclusive else "0 or more"
        text = f"{label}: a number {bound}; decimals are fine (a half-time post is 0.5)."
        if column.name in EMBEDDED_ROLES:
            text += " Part of the qualified LKS staff, not extra to them."
    else:
        text = f"Number of {column.label} in the year: a whole number, 0 or more."
    if column.required:
        return text + " Required."
    if column.kind in ("number", "whole"):
        return text + " Leave blank if not reported: blank is not zero."
    return text + " Leave blank if not known."


def _validation(column: Column, cell: str) -> DataValidation:
    """The check Excel makes as a value is typed; ``cell`` is the first cell it covers."""
    kind: str | None
    operator: str | None = None
    formula: str | None = None
    if column.kind == "region" or column.name == "org_type":
        kind, formula = "list", '"' + ",".join(REGIONS if column.kind == "region" else ORG_TYPES) + '"'
        error = "Choose a value from the list."
    elif column.kind == "code":
        kind, formula = "custom", _ods_code_rule(cell)
        error = "An ODS code is 3 to 6 letters and digits with no spaces, for example R1H."
    elif column.kind == "year":
        kind = "custom"
        formula = f'AND(LEN({cell})=7,MID({cell},5,1)="/",VALUE(RIGHT({cell},2))=MOD(VALUE(LEFT({cell},4))+1,100))'
        error = "Write the year as 2024/25: the first year, a slash, then the last two digits of the next year."
    elif column.kind == "number":
        kind, formula = "decimal", "0"
        operator = "greaterThanOrEqual" if column.minimum_inclusive else "greaterThan"
        bound = "0 or more" if column.minimum_inclusive else "greater than 0"
        error = f"Enter a number {bound}, such as 2.5, with no words or units. Leave the cell blank if not reported."
    elif column.kind == "whole":
        kind, formula, operator = "whole", "0", "greaterThanOrEqual"
        error = "Enter a whole number, 0 or more, such as 120, with no words or units. Leave the cell blank if not " \
                "reported."
    else:  # free text: no check, but the input message still says what to enter
        kind, error = None, ""
    return DataValidation(
        type=kind, operator=operator, formula1=formula, allow_blank=True,
        showInputMessage=True, promptTitle=header(column)[:TITLE_LIMIT], prompt=what_to_enter(column),
        showErrorMessage=kind is not None, errorStyle="stop" if kind else None,
        errorTitle=header(column)[:TITLE_LIMIT] if kind else None, error=error or None,
    )


def _ods_code_rule(cell: str) -> str:
    """3 to 6 letters and digits: DECIMAL reads a base-36 number, whose digits are exactly
    0-9 and A-Z, and fails on anything else. (A character-by-character check would pass
    Excel's 255-character limit on a validation formula.)"""
    return f"AND(LEN({cell})>=3,LEN({cell})<=6,ISNUMBER(_xlfn.DECIMAL({cell},36)))"


def template_bytes(settings: FormSettings) -> bytes:
    """The blank return as .xlsx bytes, the same for the same settings."""
    book = Workbook()
    _guidance(book.active, settings)
    _return_sheet(book.create_sheet(RETURN_SHEET), settings.columns)
    _notes(book.create_sheet(NOTES_SHEET), settings)
    book.active = 0
    stamp = dt.datetime.combine(settings.published, dt.time())
    properties = book.properties
    properties.title = "Annual statistics return (blank form)"
    properties.subject = f"{settings.title}: statistics return"
    properties.creator = "kfh-site"
    properties.lastModifiedBy = None
    properties.language = "en-GB"
    properties.created = properties.modified = stamp
    written = io.BytesIO()
    # ExcelWriter, not Workbook.save: save() stamps the current time as "modified".
    ExcelWriter(book, zipfile.ZipFile(written, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_zip(written.getvalue(), stamp)


def _fixed_zip(data: bytes, stamp: dt.datetime) -> bytes:
    """The same parts in the same order, each dated ``stamp`` rather than now."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for part in source.infolist():
            info = zipfile.ZipInfo(part.filename, date_time=stamp.timetuple()[:6])
            info.create_system = 3
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(part))
    return out.getvalue()


def write_template(path: Path, settings: FormSettings, force: bool = False) -> None:
    """Write the form to ``path``; refuse another extension, or an existing file without ``force``."""
    if path.suffix.lower() != ".xlsx":
        raise TemplateError(
            f"{path}: the blank return is an Excel workbook, so its name must end in .xlsx "
            f"(for example {path.with_suffix('.xlsx').name}). Nothing was written."
        )
    if path.is_dir():
        raise TemplateError(f"{path}: is a folder; give a file name ending in .xlsx. Nothing was written.")
    if path.exists() and not force:
        raise TemplateError(
            f"{path}: a file of that name exists and was left as it was. Choose another name, "
            "or add --force to replace it."
        )
    if not path.parent.is_dir():
        raise TemplateError(f"{path}: the folder {path.parent} does not exist. Nothing was written.")
    data = template_bytes(settings)
    try:
        with path.open("wb" if force else "xb") as handle:
            handle.write(data)
    except FileExistsError:
        raise TemplateError(f"{path}: a file of that name appeared while writing; it was left as it was.") from None
    except OSError as exc:
        raise TemplateError(f"{path}: cannot be written ({exc.strerror or exc}).") from None


# --- the sheets ------------------------------------------------------------------------


def _guidance(sheet: Worksheet, settings: FormSettings) -> None:
    sheet.title = GUIDANCE_SHEET
    by_name = {c.name: c for c in COLUMNS}
    embedded = " and ".join(header(by_name[name]) for name in EMBEDDED_ROLES)
    qualified = header(by_name["qualified_lks_wte"])
    send = (f"Send the completed workbook to {settings.send_to}." if settings.send_to else
            f"Send the completed workbook to the team that asked you for it ({settings.publisher}).")
    markers = [m for m in NOT_REPORTED if m]
    markers_text = ", ".join(markers[:-1]) + " and " + markers[-1]
    lines: list[tuple[str, Font | None]] = [
        ("Annual statistics return for NHS library and knowledge services: guidance", _TITLE),
        ("What this return is", _BOLD),
        ("Each year NHS library and knowledge services (LKS) in England report their staff and what they did.", None),
        (f'{settings.publisher} publishes the figures in the report "{settings.title}", a website and PDF '
         "infographics.", None),
        ("Who fills it in", _BOLD),
        ("The library and knowledge services lead of each NHS organisation, or someone they ask.", None),
        ("A team collecting returns for several organisations can put them all on one Return sheet.", None),
        ("How to fill it in", _BOLD),
        (f"Use the {RETURN_SHEET} sheet: one row per organisation per year, from row {FIRST_ROW}, "
         "with no blank rows between.", None),
        (f"Do not change, move or rename the headings in row {HEADER_ROW}, and do not merge cells.", None),
        ("Select a cell to see what it expects; Excel refuses a value the report cannot use.", None),
        ("WTE means whole-time equivalent: a full-time post is 1, a half-time post 0.5.", None),
        ("Not reported is not zero", _BOLD),
        ("If you do not have a figure, leave its cell blank: the report shows it as Not reported.", None),
        ("Enter 0 only when the true figure is zero. Totals count 0 as a figure and leave blanks out.", None),
        ("Required columns (Yes in the table below) must be filled in on every row.", None),
        (f"This form takes a blank cell for not reported; in other return files {markers_text} mean the same.",
         None),
        ("Embedded roles", _BOLD),
        (f"{embedded} are part of {qualified}, not extra to them: together they cannot be more than it.",
         None),
        ("Where to send it", _BOLD),
        (send, None),
        ("Columns of the Return sheet", _BOLD),
    ]
    for text, font in lines:
        sheet.append([text])
        if font is not None:
            sheet.cell(sheet.max_row, 1).font = font
    sheet.append(["Column", "Heading", "Required", "What to enter"])
    for cell in sheet[sheet.max_row]:
        cell.font = _BOLD
    for index, column in enumerate(settings.columns, start=1):
        sheet.append([get_column_letter(index), header(column), "Yes" if column.required else "No",
                      what_to_enter(column)])
        for cell in sheet[sheet.max_row]:
            cell.alignment = _WRAP if cell.column == 4 else _TOP
    for letter, width in zip("ABCD", (10, 32, 10, 90), strict=True):
        sheet.column_dimensions[letter].width = width


def _return_sheet(sheet: Worksheet, columns: tuple[Column, ...]) -> None:
    required = ", ".join(header(c) for c in columns if c.name in REQUIRED)
    sheet.append(["Annual statistics return for NHS library and knowledge services"])
    sheet["A1"].font = _TITLE
    sheet.append([f"One row per organisation per year. Required: {required}. Leave a figure blank if it was not "
                  "reported: blank is not zero. The Guidance sheet explains each column."])
    sheet.append([header(c) for c in columns])
    for cell in sheet[HEADER_ROW]:
        cell.font = _BOLD
        cell.alignment = _TOP
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        dimension = sheet.column_dimensions[letter]
        dimension.width = _width(column)
        if column.kind in ("code", "year"):
            dimension.number_format = "@"  # text, so Excel keeps 2024/25 and 00T as typed
        validation = _validation(column, f"{letter}{FIRST_ROW}")
        validation.add(f"{letter}{FIRST_ROW}:{letter}{LAST_ROW}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = f"A{FIRST_ROW}"


def _width(column: Column) -> float:
    """Wide enough for the heading and for what usually goes under it."""
    choices = REGIONS if column.kind == "region" else ORG_TYPES if column.name == "org_type" else ()
    content = {"code": 10, "text": 40, "year": 10}.get(column.kind, 12)
    if choices:
        content = max(len(choice) for choice in choices) + 4  # room for the drop-down arrow
    return max(len(header(column)) + 2, content)


def _notes(sheet: Worksheet, settings: FormSettings) -> None:
    by_name = {c.name: c for c in COLUMNS}
    staff, qualified = header(by_name["nhs_staff_wte"]), header(by_name["qualified_lks_wte"])
    recommended = formatting.count(settings.recommended_ratio)
    baseline = formatting.count(settings.baseline_ratio)
    notes = [
        ("Not reported", "A blank cell means the figure was not reported. Not reported is not zero: the report "
         "shows the words Not reported, and each total says how many organisations reported it."),
        ("Staff ratio", f"{staff} divided by {qualified}, shown as {formatting.ratio(1512)} (one "
         f"qualified member of staff for every {formatting.count(1512)} WTE NHS staff). With no qualified staff "
         "there is no ratio."),
        ("The policy", f"The staff ratio policy (Health Education England, November 2019) recommends at least one "
         f"qualified librarian or knowledge specialist for every {recommended} WTE NHS staff; the average when "
         f"it was written was one for every {baseline}."),
        ("Regions and England", f"The ratio of an area is its total {staff} divided by its total {qualified}, "
         "not the average of its organisations' ratios."),
        ("Qualified staff needed", f"How many more qualified WTE would meet the recommendation: {staff} divided "
         f"by {recommended}, less {qualified}, and never below 0."),
        *([("NHS staff", f"{staff} are not asked for: the report takes each organisation's from NHS England's "
            "NHS Workforce Statistics.")] if settings.nhs_staff_joined else []),
        ("The data contract", "The full rules for return files are in docs/data-contract.md, part of the "
         "kfh-site source code; the report's About the data page summarises them. kfh-site validate checks a "
         "filled copy of this workbook and lists every problem by row and column."),
    ]
    sheet.title = NOTES_SHEET
    sheet.append(["Notes"])
    sheet["A1"].font = _TITLE
    sheet.append(["Note number", "Subject", "Note"])
    for cell in sheet[2]:
        cell.font = _BOLD
    for number, (subject, text) in enumerate(notes, start=1):
        sheet.append([number, subject, text])
        for cell in sheet[sheet.max_row]:
            cell.alignment = _WRAP if cell.column == 3 else _TOP
    for letter, width in zip("ABC", (13, 24, 100), strict=True):
        sheet.column_dimensions[letter].width = width
