"""kfh-site.toml -> SiteConfig. Every policy number lives here, not in code.

Each key is declared once, as a field of :class:`SiteConfig` (or of the dataclass of its
table, such as :class:`Theme`) made by :func:`setting`: its default, the TOML types it
accepts, its check, its conversion and one line of documentation. Loading, the starter
project's kfh-site.toml (:func:`starter_toml`) and the README's settings table
(:func:`settings_table`) are all derived from those fields, as MkDocs derives everything
from its ``config/defaults.py``. Adding a key is adding one field; adding a table is a
small frozen dataclass of fields and one field that names it.
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import json
import re
import textwrap
import tomllib
import unicodedata
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from kfh_site.domain import ENGLAND, Merger
from kfh_site.errors import ConfigError
from kfh_site.returns.contract import (
    COLUMN_NAMES,
    REGIONS,
    WORKFORCE,
    closest_column,
    financial_year,
    normalise_header,
)
from kfh_site.story.palette import NHS_BLUE, contrast

CONFIG_NAME = "kfh-site.toml"

DEFAULT_ABBREVIATIONS = {
    "HEE": "Health Education England",
    "ICB": "integrated care board",
    "KM": "knowledge management",
    "LKS": "library and knowledge services",
    "NHS": "National Health Service",
    "ODS": "Organisation Data Service",
    "WTE": "whole-time equivalent",
}
MIN_ACCENT_CONTRAST = 4.5
"""White text sits on the accent (the header) and links are written in it."""
YEAR_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")

Check = Callable[[str, Any, Path], list[str]]
"""``check(key, value, root)``: the problems with a value of the right TOML type, each a
whole message naming ``key``."""
Convert = Callable[[Any, Path], Any]
"""``convert(value, root)``: the TOML value as SiteConfig holds it."""


@dataclass(frozen=True)
class Setting:
    """What one key of kfh-site.toml is: everything but its name and default, which are
    the field's own."""

    doc: str
    """One line for the README's table and the starter file's comment."""
    toml: tuple[type, ...] = ()
    """The TOML types accepted; empty for a table made of a dataclass of settings."""
    shown: str = ""
    """The default as the README shows it."""
    check: Check | None = None
    convert: Convert | None = None
    expected: str = ""
    """Said instead of the type names when a value has the wrong type."""
    wrong_type: str = ""
    """The whole message for a value of the wrong type, when it is not the usual one."""
    values: type | None = None
    """For a table of free keys (``[columns]``, ``[abbreviations]``): the type every value must have."""
    keys: tuple[str, ...] = ()
    """For an array of tables (``[[mergers]]``): its keys, for the README."""
    example: Any = None
    """What the starter kfh-site.toml shows, commented out, when the project sets no value."""
    table: type | None = None
    """For a table of settings (``[paths]``, ``[theme]``): its dataclass, made of settings too."""


def setting(default: Any = MISSING, *, doc: str, toml: tuple[type, ...] = (), shown: str = "",
            check: Check | None = None, convert: Convert | None = None, expected: str = "",
            wrong_type: str = "", values: type | None = None, keys: tuple[str, ...] = (),
            example: Any = None, factory: Callable[[], Any] | None = None) -> Any:
    """A dataclass field that is also a key of kfh-site.toml (see :class:`Setting`)."""
    table = factory if isinstance(factory, type) and is_dataclass(factory) else None
    meta = {"setting": Setting(doc, toml, shown, check, convert, expected, wrong_type, values, keys, example, table)}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _settings(cls: type) -> list[tuple[Field[Any], Setting]]:
    """The fields of ``cls`` that are keys of kfh-site.toml, in their order."""
    return [(f, f.metadata["setting"]) for f in fields(cls) if "setting" in f.metadata]


# The checks and conversions the settings below name.

RATIO_RANGE = (1, 100_000)
"""What a staff ratio of the policy can be: NHS staff per qualified WTE, far either side of
any policy (1 : 1,250 now); past it, every figure computed from it would be nonsense."""


def _ratio_check(key: str, value: float, root: Path) -> list[str]:
    low, high = RATIO_RANGE
    if low <= value <= high:  # false for nan and inf too
        return []
    return [f"key {key!r}: expected a number of NHS staff per qualified WTE from {low} to {high:,}, "
            f"got {value!r}"]


def _folder_check(key: str, value: str, root: Path) -> list[str]:
    """A configured folder that is not there is a typo, not an empty project."""
    folder = (root / value).resolve()
    if folder.is_dir():
        return []
    what = "is not a folder" if folder.exists() else "does not exist"
    return [f"key {key!r}: {value!r} {what} ({folder}); check the spelling, or remove the key to use the default"]


def _share_check(key: str, value: float, root: Path) -> list[str]:
    return [] if 0 <= value < 1 else [f"key {key!r}: expected a share from 0 to below 1 (0.02 is 2 %), got {value!r}"]


_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069"
                        "\ufeff\ufff9-\ufffb]")
"""Control, zero-width and bidirectional formatting characters (as in a return's names)."""


def _shown_text(key: str, value: str, root: Path) -> list[str]:
    """Text every page shows: no invisible character that could make it read as another,
    and a line, not a document."""
    if found := _INVISIBLE.search(value):
        char = found.group()
        return [f"key {key!r}: holds an invisible character, U+{ord(char):04X} "
                f"{unicodedata.name(char, 'a control character')}, at character {found.start() + 1}: such "
                "characters can make text show as other text. Retype it without it"]
    if len(value) > 2_000:
        return [f"key {key!r}: is {len(value):,} characters long; at most 2,000"]
    return []


def _year_check(key: str, value: str, root: Path) -> list[str]:
    return [] if YEAR_PATTERN.match(value) else [f"key {key!r}: expected a year like \"2024/25\", got {value!r}"]


def _date_check(key: str, value: dt.date | str, root: Path) -> list[str]:
    if isinstance(value, str):
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            return [f"key {key!r}: expected a date like 2026-11-23, got {value!r}"]
    return []


def _to_date(value: dt.date | str, root: Path) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _base_url_check(key: str, value: str, root: Path) -> list[str]:
    """A path on this host or an http(s) URL: nothing a browser would run (``javascript:``),
    send elsewhere (``//host``) or read as the end of an attribute."""
    plain = not re.search(r"[\s\x00-\x1f\x7f<>\"'`\\]", value)
    if plain and ((value.startswith("/") and not value.startswith("//")) or re.match(r"^https?://[^/]", value)):
        return []
    return [f"key {key!r}: expected a path such as \"/kfh-report/\" or a URL such as "
            f"\"https://example.github.io/kfh-report/\", got {value!r}"]


def _scope_name(value: str) -> str | None:
    """``london`` -> ``London``: the scope as the data contract names it, or None."""
    for name in (ENGLAND, *REGIONS):
        if " ".join(value.split()).lower() == name.lower():
            return name
    return None


def _scope_check(key: str, value: str, root: Path) -> list[str]:
    if _scope_name(value) is not None:
        return []
    close = difflib.get_close_matches(value, [ENGLAND, *REGIONS], n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return [f"key {key!r}: expected England or one of the seven NHS England regions "
            f"({', '.join(REGIONS)}), got {value!r}{hint}"]


def _table_key(key: str, name: str) -> str:
    """``columns."Chartered staff"``: a free key of a table, quoted as TOML would."""
    return f"'{key}.{json.dumps(name, ensure_ascii=False)}'"


def _column_problems(key: str, columns: Mapping[str, Any], root: Path) -> list[str]:
    """Each ``[columns]`` entry maps a header to a contract column, and one header to one column."""
    problems = []
    targets: dict[str, tuple[str, object]] = {}
    for header, column in columns.items():
        name = _table_key(key, header)
        if isinstance(column, str) and column not in COLUMN_NAMES:
            close = closest_column(column) or next(iter(difflib.get_close_matches(column, COLUMN_NAMES, n=1)), None)
            hint = f"; did you mean {close!r}?" if close else f"; the columns are {', '.join(COLUMN_NAMES)}"
            problems.append(f"key {name}: {column!r} is not a column of the data contract{hint}")
        if not normalise_header(header):
            problems.append(f"key {name}: the header has no letters or digits to match")
            continue
        other = targets.setdefault(normalise_header(header), (header, column))
        if other[1] != column:
            problems.append(f"key {name}: the header {other[0]!r} is the same once case, spaces and "
                            f"punctuation are set aside, and maps to {other[1]!r}; keep one")
    return problems


def _sorted_pairs(value: Mapping[str, str], root: Path) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(dict(value).items()))


def _with_default_abbreviations(value: Mapping[str, str], root: Path) -> dict[str, str]:
    return {**DEFAULT_ABBREVIATIONS, **value}


def _in_project(value: str, root: Path) -> Path:
    return (root / value).resolve()


def _colour_check(key: str, colour: str, root: Path) -> list[str]:
    if not re.fullmatch(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}", colour):
        return [f"key {key!r}: expected a colour such as \"#005eb8\", got {colour!r}"]
    if (ratio := contrast(colour)) < MIN_ACCENT_CONTRAST:
        return [f"key {key!r}: {colour} has a contrast of {ratio:.1f} : 1 against white; the site "
                f"writes white text on it and links in it, which needs {MIN_ACCENT_CONTRAST} : 1 or more. "
                "Choose a darker colour."]
    return []


def _logo_check(key: str, logo: str, root: Path) -> list[str]:
    path = (root / logo).resolve()
    if not path.is_relative_to(root.resolve()):
        return [f"key {key!r}: {logo!r} is outside the project folder; copy the logo into it"]
    if not path.is_file():
        return [f"key {key!r}: there is no file {logo!r} in the project"]
    if path.suffix.lower() not in (".png", ".svg"):
        return [f"key {key!r}: {logo!r} is not a PNG or SVG file"]
    return []


def _theme_check(key: str, theme: Mapping[str, Any], root: Path) -> list[str]:
    """A logo needs its text alternative: a check on the table, as it is about two keys."""
    if isinstance(theme.get("logo"), str) and not (isinstance(theme.get("logo_alt"), str)
                                                    and theme["logo_alt"].strip()):
        return [f"key '{key}.logo_alt': a logo needs a text alternative, such as the organisation's "
                "name (logo_alt = \"NHS North West library and knowledge services\")"]
    return []


MERGER_KEYS = ("year", "into", "from")


def _merger_problems(key: str, mergers: list[Any], root: Path) -> list[str]:
    """Each ``[[mergers]]`` entry names its year, the new code and the codes it replaced;
    no code merges twice."""
    problems: list[str] = []
    merged: dict[str, int] = {}
    for number, entry in enumerate(mergers, start=1):
        name = f"[[{key}]] entry {number}"
        if not isinstance(entry, dict):
            problems.append(f"{name}: expected a table with year, into and from")
            continue
        problems += [_unknown_key(f"{key}.{k}", {f"{key}.{k}" for k in MERGER_KEYS}) + f" ({name})"
                     for k in entry if k not in MERGER_KEYS]
        problems += _merger_entry_problems(name, entry, number, merged)
    return problems


def _merger_entry_problems(name: str, entry: Mapping[str, Any], number: int, merged: dict[str, int]) -> list[str]:
    missing = [key for key in MERGER_KEYS if key not in entry]
    if missing:
        return [f"{name}: missing {', '.join(missing)} (year = the new organisation's first return, "
                "into = its code, from = the codes it replaced)"]
    problems = []
    if not financial_year(str(entry["year"])):
        problems.append(f"{name}: year: expected a financial year such as \"2025/26\", got {entry['year']!r}")
    sources = entry["from"]
    if not isinstance(sources, list) or not sources or not all(isinstance(c, str) for c in sources):
        return problems + [f"{name}: from: expected a list of organisation codes, such as [\"RAA\", \"RBB\"]"]
    into = str(entry["into"]).strip().upper()
    for code in (c.strip().upper() for c in sources):
        if code == into:
            problems.append(f"{name}: {code} cannot merge into itself")
        elif code in merged:
            problems.append(f"{name}: {code} is merged twice (also in entry {merged[code]})")
        else:
            merged[code] = number
    return problems


def _to_mergers(mergers: list[Mapping[str, Any]], root: Path) -> tuple[Merger, ...]:
    return tuple(
        Merger(financial_year(str(m["year"])) or str(m["year"]), str(m["into"]).strip().upper(),
               tuple(str(c).strip().upper() for c in m["from"]))
        for m in mergers)


# The settings: each key once.

@dataclass(frozen=True)
class Paths:
    """``[paths]``: project folders, relative to the config file, absolute once loaded."""

    data: Path = setting(Path("data"), doc="return files", toml=(str,), check=_folder_check, convert=_in_project)
    content: Path = setting(Path("content"), doc="Markdown pages", toml=(str,), check=_folder_check,
                            convert=_in_project)
    templates: Path = setting(Path("templates"), doc="the project's own templates", toml=(str,),
                              check=_folder_check, convert=_in_project)
    output: Path = setting(Path("build"), doc="the built site", toml=(str,), convert=_in_project)


@dataclass(frozen=True)
class Theme:
    """``[theme]``: a team's own look: its accent colour and logo, used on every page and PDF."""

    accent_colour: str = setting(NHS_BLUE, doc="an accent colour dark enough for white text", toml=(str,),
                                 expected="a colour such as \"#005eb8\"", check=_colour_check,
                                 convert=lambda value, root: value.lower())
    logo: Path | None = setting(None, doc="a PNG or SVG logo", toml=(str,), expected="a PNG or SVG file in the project",
                                check=_logo_check, convert=_in_project)
    logo_alt: str = setting("", doc="the logo's text alternative", toml=(str,),
                            expected="the logo's text alternative", check=_shown_text)

    @property
    def asset(self) -> str:
        """Where the site publishes the logo: ``assets/logo.png`` or ``assets/logo.svg``."""
        return f"assets/logo{self.logo.suffix.lower()}" if self.logo else ""

    def data_uri(self) -> str:
        """The logo inline, for a PDF: WeasyPrint then fetches nothing for it."""
        if not self.logo:
            return ""
        kind = "image/svg+xml" if self.logo.suffix.lower() == ".svg" else "image/png"
        return f"data:{kind};base64,{base64.b64encode(self.logo.read_bytes()).decode()}"


def _in_project_or_absolute(value: str, root: Path) -> Path:
    return (root / Path(value).expanduser()).resolve()


def _workforce_file_check(key: str, value: str, root: Path) -> list[str]:
    if not value.strip():
        return [f"key {key!r}: expected a workforce file or folder, such as \"data-sources/workforce.csv\""]
    path = _in_project_or_absolute(value, root)
    return [] if path.exists() else [f"key {key!r}: there is no file or folder {value!r} (looked for {path})"]


def _month_number_check(key: str, value: int, root: Path) -> list[str]:
    return [] if 1 <= value <= 12 else [
        f"key {key!r}: expected a month number from 1 to 12 (12 is December), got {value!r}"]


def _workforce_column_problems(key: str, columns: Mapping[str, Any], root: Path) -> list[str]:
    """Each ``[workforce.columns]`` entry maps a header to a column of the workforce files."""
    names = tuple(WORKFORCE.by_name)
    return [f"key {_table_key(key, header)}: expected one of {', '.join(names)}, got {column!r}"
            for header, column in columns.items() if isinstance(column, str) and column not in names]


def _workforce_check(key: str, table: Mapping[str, Any], root: Path) -> list[str]:
    """A ``[workforce]`` table names its file: the other keys are about how to read it."""
    if "file" in table:
        return []
    return [f"key '{key}.file': [workforce] needs the NHS workforce file or folder, such as "
            "file = \"data-sources/workforce.csv\""]


@dataclass(frozen=True)
class Workforce:
    """``[workforce]``: NHS staff from the NHS Workforce Statistics, joined to the returns
    (returns/workforce.py) rather than typed into every return."""

    file: Path | None = setting(
        None, toml=(str,), shown="none", check=_workforce_file_check, convert=_in_project_or_absolute,
        expected="a file or folder, such as \"data-sources/workforce.csv\"",
        doc="a CSV or XLSX file, or a folder of them, of NHS staff FTE by organisation and month (relative to the "
            "config file, or absolute)")
    month: int | None = setting(
        None, toml=(int,), shown="the latest month of each year the files hold", check=_month_number_check,
        expected="a month number from 1 to 12", doc="the month of each financial year to use: 12 is December")
    columns: tuple[tuple[str, str], ...] = setting(
        (), toml=(dict,), values=str, shown="none", check=_workforce_column_problems, convert=_sorted_pairs,
        expected="a column of the workforce files such as \"staff_fte\"",
        doc="workforce file headers kfh-site does not know, mapped to org_code, period or staff_fte")
    sheet: str | None = setting(None, toml=(str,), shown="the first sheet with a recognisable header",
                                doc="the sheet to read in `.xlsx` workforce files")


_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")


def _email_check(key: str, value: str, root: Path) -> list[str]:
    return [] if _EMAIL.match(value.strip()) else [
        f"key {key!r}: expected an email address such as \"lks@example.nhs.uk\", got {value!r}"]


@dataclass(frozen=True)
class Contact:
    """``[contact]``: how readers reach the team, as the accessibility regulations ask:
    shown in the accessibility statement and in every page's footer."""

    email: str = setting("", doc="an email address readers can write to", toml=(str,), check=_email_check,
                         expected="an email address such as \"lks@example.nhs.uk\"",
                         convert=lambda value, root: value.strip())
    phone: str = setting("", doc="a telephone number (optional)", toml=(str,), expected="a telephone number")
    address: str = setting("", doc="a postal address (optional)", toml=(str,), expected="a postal address")


@dataclass(frozen=True)
class SiteConfig:
    """Settings for one build. Frozen: a build never changes its own settings."""

    root: Path
    title: str = setting("NHS library and knowledge services in England", doc="site title", toml=(str,),
                         shown="NHS library and knowledge services in England", check=_shown_text)
    publisher: str = setting("NHS England", doc="shown in the header, footer and PDFs", toml=(str,),
                             shown="NHS England", check=_shown_text)
    base_url: str = setting(
        "/", toml=(str,), shown="`/`", check=_base_url_check,
        doc="where the site will be served, e.g. `https://example.github.io/kfh-report/`. Links inside the site "
            "are relative, so any sub-path works; the full URL is used for the sitemap and canonical links, "
            "the path for `404.html`.")
    report_year: str | None = setting(None, doc="the return year the pages report, e.g. `2024/25`", toml=(str,),
                                      shown="latest year in the data", check=_year_check)
    published: dt.date = setting(
        dt.date(2026, 1, 1), toml=(dt.date, str), shown="`2026-01-01`", check=_date_check, convert=_to_date,
        doc="publication date (footer, sitemap, PDF metadata); fixed so builds are reproducible")
    recommended_ratio: float = setting(
        1250, toml=(int, float), shown="`1250`", check=_ratio_check,
        doc="the policy's recommended NHS staff WTE per qualified LKS WTE")
    baseline_ratio: float = setting(1730, doc="the 2019 average the policy was written against", toml=(int, float),
                                    shown="`1730`", check=_ratio_check)
    same_within: float = setting(
        0.02, toml=(int, float), shown="`0.02`", check=_share_check,
        doc="a staff ratio that moved by less than this share of itself in a year is \"about the same\", "
            "not better or worse (stated on every page's policy note)")
    illustrative_data: bool = setting(
        False, toml=(bool,), shown="`false`",
        doc="`true` shows a notice on every page and PDF that the LKS figures are illustrative")
    data_credit: str = setting("", doc="a credit line for the data, shown in every footer and PDF", toml=(str,),
                               shown="empty", check=_shown_text)
    xlsx_sheet: str | None = setting(None, doc="the sheet to read in `.xlsx` returns", toml=(str,),
                                     shown="the first sheet with a recognisable header")
    columns: tuple[tuple[str, str], ...] = setting(
        (), toml=(dict,), values=str, shown="none", check=_column_problems, convert=_sorted_pairs,
        expected="the name of a contract column such as \"qualified_lks_wte\"",
        example={"Chartered staff (FTE)": "qualified_lks_wte"},
        doc="return headers kfh-site does not know, mapped to contract columns: "
            "`\"Chartered staff\" = \"qualified_lks_wte\"` (see [Return files](#return-files))")
    """The ``[columns]`` table: (header as a return file shows it, contract column) pairs,
    sorted, so that ``repr`` (part of the build cache key) does not depend on key order."""
    allow_raw_html: bool = setting(
        False, toml=(bool,), shown="`false`",
        doc="`true` keeps raw HTML in Markdown as written (trusted authors only); by default it is sanitised. "
            "Markdown tables keep their captions and scroll regions either way")
    abbreviations: Mapping[str, str] = setting(
        toml=(dict,), values=str, expected="a string", convert=_with_default_abbreviations,
        factory=lambda: dict(DEFAULT_ABBREVIATIONS), shown=", ".join(sorted(DEFAULT_ABBREVIATIONS)),
        doc="abbreviations explained on every content page, added to (or replacing) the defaults")
    scope: str = setting(
        ENGLAND, toml=(str,), shown="`England`", check=_scope_check, convert=lambda value, root: _scope_name(value),
        doc="whose report: `England`, or one of the seven NHS England regions. A region's report is about that "
            "region: its home page, titles, navigation, breadcrumbs and top PDF (`pdf/<region>.pdf`) are the "
            "region's and its organisations are ranked within it; England and the other regions appear only as a "
            "comparison, and only when every region sent returns")
    """England, or one NHS England region: whose report this is."""
    theme: Theme = setting(
        factory=Theme, shown="NHS blue, none", check=_theme_check,
        example={"accent_colour": "#005eb8", "logo": "logo.png", "logo_alt": "Your team's name"},
        doc="the team's own look, on every page and PDF: an accent colour (refused below 4.5 : 1 against white, "
            "as white text sits on it; the message gives the measured ratio) and a PNG or SVG logo inside the "
            "project with its text alternative")
    contact: Contact = setting(
        factory=Contact, shown="none",
        example={"email": "lks@example.nhs.uk", "phone": "020 7946 0000"},
        doc="how readers reach the team: `email`, and optionally `phone` and `address`, shown in every page's "
            "footer and in the accessibility statement (the accessibility regulations ask for them; "
            "`kfh-site check` warns when there is no email)")
    mergers: tuple[Merger, ...] = setting(
        (), toml=(list,), keys=MERGER_KEYS, shown="none", check=_merger_problems, convert=_to_mergers,
        example=[{"year": "2025/26", "into": "RXX", "from": ["RAA", "RBB"]}],
        doc="organisations that became one: `year` is the new one's first return, `into` its code, `from` the "
            "codes it replaced. Its change and its trend before that year use the predecessors' figures added "
            "up (ratio of sums), labelled as such; the A to Z lists the predecessors with what they became")
    """``[[mergers]]``: organisations that became one, so their change and series join up."""
    workforce: Workforce = setting(
        factory=Workforce, shown="none", check=_workforce_check,
        example={"file": "data-sources/workforce.csv", "month": 12},
        doc="NHS staff from the NHS Workforce Statistics rather than the returns: `file` (a file or a folder of "
            "files of NHS staff FTE by organisation and month) and `month` (which month of each financial year; "
            "the latest the files hold if not set). Returns may then leave NHS staff out; one that gives a figure "
            "more than 5 % from the statistics is warned of (see [NHS staff from the workforce "
            "statistics](#nhs-staff-from-the-workforce-statistics))")
    paths: Paths = setting(factory=Paths, doc="folders, relative to the config file", wrong_type="[paths] must be a table",
                           shown="`data`, `content`, `templates`, `build`")

    @property
    def template_folders(self) -> tuple[Path, ...]:
        """Where templates are looked for, in order: the project's own ``templates/`` (if it
        has one), then the starter's, so a project keeps only the templates it changed."""
        from kfh_site.project_files import starter_folder

        starter = starter_folder("templates").resolve()
        own = self.paths.templates
        return (starter,) if not own.is_dir() or own.resolve() == starter else (own, starter)

    def report_year_problem(self, years: Sequence[str]) -> str | None:
        """Why ``report_year`` cannot be reported from returns holding ``years``, if it cannot."""
        if not self.report_year or self.report_year in years:
            return None
        held = sorted(years)
        shown = held[0] if len(held) == 1 else ", ".join(held[:-1]) + " and " + held[-1]
        return (f"{CONFIG_NAME}: report_year is \"{self.report_year}\", but the returns hold "
                f"{'no year' if not held else shown}. Set report_year to "
                f"{'that year' if len(held) == 1 else 'one of them'}, or delete the line to report the latest "
                f"year in the data{f' ({held[-1]})' if held else ''}.")

    @property
    def base_path(self) -> str:
        """The URL path the site is served under, e.g. ``/kfh-report/``."""
        return url_path(self.base_url)

    @property
    def absolute_base(self) -> str | None:
        """``https://host/sub/`` when the base URL names a host, else None."""
        if re.match(r"^https?://[^/]+", self.base_url, re.I):
            return self.base_url.rstrip("/") + "/"
        return None


# Reading kfh-site.toml against the settings.

def url_path(base_url: str) -> str:
    """``https://host/kfh-report`` -> ``/kfh-report/``; ``/`` for a site at the root."""
    match = re.match(r"^[a-z][a-z0-9+.-]*://[^/]+", base_url, re.I)
    path = (base_url[match.end():] if match else base_url).strip("/")
    return f"/{path}/" if path else "/"


def find_config(start: Path) -> Path:
    """The config file every command uses when given no ``--config``: ``kfh-site.toml`` in
    ``start`` or the nearest folder above it, as git finds its repository."""
    found = look_for_config(start)
    if found is None:
        raise ConfigError(
            f"{start.resolve() / CONFIG_NAME}: no {CONFIG_NAME} here or in any folder above. Run kfh-site in "
            "the project folder or pass --config FILE."
        )
    return found


def look_for_config(start: Path) -> Path | None:
    """As :func:`find_config`, for the commands that can do without one (``check``, ``template``)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder / CONFIG_NAME
    return None


def load_config(path: Path, overrides: Mapping[str, Any] | None = None) -> SiteConfig:
    """Read and check ``kfh-site.toml``; unknown keys are errors with a suggestion."""
    path = path.resolve()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return config_from_mapping(raw, path.parent, str(path), overrides or {})


def config_from_mapping(
    raw: Mapping[str, Any], root: Path, source: str, overrides: Mapping[str, Any]
) -> SiteConfig:
    """Build a SiteConfig from parsed TOML, checking every key and type; every problem is
    reported at once."""
    problems: list[str] = []
    values = _read_table(SiteConfig, raw, "", root, problems)
    if problems:
        raise ConfigError(f"{source}:\n  " + "\n  ".join(problems))
    return apply_overrides(SiteConfig(root=root, **values), overrides)


def _read_table(cls: type, raw: Mapping[str, Any], prefix: str, root: Path, problems: list[str]) -> dict[str, Any]:
    """The keyword arguments for ``cls`` from one TOML table: unknown keys, wrong types and
    failed checks go to ``problems``. A key left out takes its default, converted as a
    written value would be (a default folder, too, is made absolute)."""
    known = _settings(cls)
    names = {prefix + f.name for f, _ in known}
    problems.extend(_unknown_key(prefix + key, names) for key in raw if prefix + key not in names)
    values: dict[str, Any] = {}
    for spec, meta in known:
        if spec.name in raw:
            value = _read_value(prefix + spec.name, meta, raw[spec.name], root, problems)
        else:
            value = _default_value(spec, meta, prefix, root, problems)
        if value is not MISSING:
            values[spec.name] = value
    return values


def _default_value(spec: Field[Any], meta: Setting, prefix: str, root: Path, problems: list[str]) -> Any:
    if meta.table is not None:
        return meta.table(**_read_table(meta.table, {}, f"{prefix}{spec.name}.", root, problems))
    value = spec.default if spec.default_factory is MISSING else spec.default_factory()
    return meta.convert(value, root) if meta.convert and value is not None else value


def _read_value(key: str, meta: Setting, value: Any, root: Path, problems: list[str]) -> Any:
    """One key's value, checked and converted; MISSING when it has a problem."""
    accepted = (dict,) if meta.table else meta.toml
    if not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted):
        problems.append(meta.wrong_type or
                        f"key {key!r}: expected {_wanted(meta, accepted)}, got {value!r}")
        return MISSING
    found = len(problems)
    checked: Any = value
    if meta.values is not None:
        problems.extend(f"key {_table_key(key, k)}: expected {meta.expected or meta.values.__name__}, got {v!r}"
                        for k, v in checked.items() if not isinstance(v, meta.values))
    result = meta.table(**_read_table(meta.table, checked, key + ".", root, problems)) if meta.table else value
    if meta.check is not None:
        problems.extend(meta.check(key, value, root))
    if len(problems) > found:
        return MISSING
    return meta.convert(result, root) if meta.convert else result


def _wanted(meta: Setting, accepted: tuple[type, ...]) -> str:
    """What a value should have been; in a table of free keys ``expected`` is about its values."""
    if meta.expected and meta.values is None:
        return meta.expected
    return " or ".join(t.__name__ for t in accepted)


def apply_overrides(config: SiteConfig, overrides: Mapping[str, Any]) -> SiteConfig:
    """Command-line options win over the file."""
    output = overrides.get("output")
    base_url = overrides.get("base_url")
    if output is not None:
        config = replace(config, paths=replace(config.paths, output=Path(output).resolve()))
    if base_url is not None:
        config = replace(config, base_url=checked_base_url_option(base_url))
    return config


def checked_base_url_option(value: str) -> str:
    """``--base-url`` checked as the base_url setting is: the option must not let in what
    kfh-site.toml would refuse."""
    problems = _base_url_check("base_url", value, Path("."))
    if problems:
        raise ConfigError("--base-url: " + problems[0].removeprefix("key 'base_url': "))
    return value


def _unknown_key(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(known))}"
    return f"unknown key {key!r}{hint}"


# What else is derived from the settings.

def settings_table() -> str:
    """The README's table of settings, one row per key, as it must read."""
    rows = ["| key | default | meaning |", "| --- | --- | --- |"]
    for spec, meta in _settings(SiteConfig):
        rows.append(f"| {_shown_key(spec.name, meta)} | {meta.shown} | {meta.doc} |")
    return "\n".join(rows)


def _shown_key(name: str, meta: Setting) -> str:
    if meta.table is not None:
        return f"`[{name}]` " + ", ".join(f"`{spec.name}`" for spec, _ in _settings(meta.table))
    if meta.keys:
        return f"`[[{name}]]` " + ", ".join(f"`{key}`" for key in meta.keys)
    if meta.values is not None:
        return f"`[{name}]`"
    return f"`{name}`"


def starter_toml(values: Mapping[str, Any]) -> str:
    """The settings of a new project, each with its line of documentation: the keys in
    ``values`` set, those with an example shown commented out, plain keys before tables
    (a key below a table's header would belong to the table)."""
    plain: list[str] = []
    tables: list[str] = []
    for spec, meta in _settings(SiteConfig):
        is_table = bool(meta.table or meta.keys or meta.values)
        if spec.name in values:
            text = _toml_entry(spec.name, values[spec.name], is_table, meta.keys)
        elif meta.example is not None:
            text = "\n".join("# " + line for line in _toml_entry(spec.name, meta.example, is_table, meta.keys).split("\n"))
        else:
            continue
        comment = _comment(meta.doc)
        (tables if is_table else plain).append(f"{comment}\n{text}\n")
    return "\n".join(plain + tables)


def _comment(doc: str) -> str:
    """``doc`` as TOML comment lines, never broken inside a `code span`."""
    kept = re.sub(r"`[^`]*`", lambda code: code.group().replace(" ", "\0"), doc)
    return "\n".join("# " + line.replace("\0", " ") for line in textwrap.wrap(kept, 86))


def _toml_entry(name: str, value: Any, is_table: bool, keys: tuple[str, ...]) -> str:
    if not is_table:
        return f"{_toml_key(name)} = {_toml_value(value)}"
    if keys:
        return "\n".join(f"[[{name}]]\n" + _toml_lines(entry) for entry in value)
    return f"[{name}]\n" + _toml_lines(value)


def _toml_lines(table: Mapping[str, Any]) -> str:
    return "\n".join(f"{_toml_key(key)} = {_toml_value(value)}" for key, value in table.items())


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> str:
    """A value as TOML writes it (strings, numbers, booleans, dates and lists are all a
    settings file holds)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)
