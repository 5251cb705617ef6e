"""kfh-site.toml -> SiteConfig. Every policy number lives here, not in code."""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from kfh_site.domain import ENGLAND, Merger
from kfh_site.errors import ConfigError
from kfh_site.returns.contract import COLUMN_NAMES, REGIONS, closest_column, financial_year, normalise_header
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


@dataclass(frozen=True)
class Paths:
    """Project folders, absolute once loaded."""

    data: Path
    content: Path
    templates: Path
    output: Path


@dataclass(frozen=True)
class Theme:
    """A team's own look: its accent colour and logo, used on every page and PDF."""

    accent_colour: str = NHS_BLUE
    logo: Path | None = None
    logo_alt: str = ""

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


@dataclass(frozen=True)
class Workforce:
    """``[workforce]``: NHS staff from the NHS Workforce Statistics, joined to the returns
    (returns/workforce.py), instead of typed into every return."""

    file: Path | None = None
    """A file, or a folder of files, of NHS staff FTE by organisation and month."""
    month: int | None = None
    """Which month of each financial year (12 is December); the latest the files hold if None."""
    columns: tuple[tuple[str, str], ...] = ()
    """Headers the workforce files use that kfh-site does not know, mapped to its columns."""
    sheet: str | None = None
    """The sheet to read in .xlsx workforce files."""


WORKFORCE_KEYS = ("file", "month", "columns", "sheet")


THEME_KEYS = {"accent_colour": "a colour such as \"#005eb8\"", "logo": "a PNG or SVG file in the project",
              "logo_alt": "the logo's text alternative"}
MERGER_KEYS = ("year", "into", "from")
MIN_ACCENT_CONTRAST = 4.5
"""White text sits on the accent (the header) and links are written in it."""


@dataclass(frozen=True)
class SiteConfig:
    """Settings for one build. Frozen: a build never changes its own settings."""

    root: Path
    paths: Paths
    title: str = "NHS library and knowledge services in England"
    publisher: str = "NHS England"
    report_year: str | None = None
    base_url: str = "/"
    illustrative_data: bool = False
    recommended_ratio: float = 1250
    baseline_ratio: float = 1730
    xlsx_sheet: str | None = None
    published: dt.date = dt.date(2026, 1, 1)
    allow_raw_html: bool = False
    data_credit: str = ""
    abbreviations: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ABBREVIATIONS))
    columns: tuple[tuple[str, str], ...] = ()
    """The ``[columns]`` table: (header as a return file shows it, contract column) pairs,
    sorted, so that ``repr`` (part of the build cache key) does not depend on key order."""
    scope: str = ENGLAND
    """England, or one NHS England region: whose report this is."""
    theme: Theme = field(default_factory=Theme)
    mergers: tuple[Merger, ...] = ()
    """``[[mergers]]``: organisations that became one, so their change and series join up."""
    workforce: Workforce = field(default_factory=Workforce)

    @property
    def template_folders(self) -> tuple[Path, ...]:
        """Where templates are looked for, in order: the project's own ``templates/`` (if it
        has one), then the starter's, so a project keeps only the templates it changed."""
        from kfh_site.project_files import starter_folder

        starter = starter_folder("templates").resolve()
        own = self.paths.templates
        return (starter,) if not own.is_dir() or own.resolve() == starter else (own, starter)

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


_TOP_KEYS = {f.name for f in fields(SiteConfig)} - {"root", "paths"} | {"paths"}
_PATH_KEYS = {f.name for f in fields(Paths)}
_TYPES: dict[str, tuple[type, ...]] = {
    "title": (str,),
    "publisher": (str,),
    "report_year": (str,),
    "base_url": (str,),
    "illustrative_data": (bool,),
    "recommended_ratio": (int, float),
    "baseline_ratio": (int, float),
    "xlsx_sheet": (str,),
    "published": (dt.date, str),
    "allow_raw_html": (bool,),
    "data_credit": (str,),
    "abbreviations": (dict,),
    "columns": (dict,),
    "scope": (str,),
    "theme": (dict,),
    "mergers": (list,),
    "workforce": (dict,),
}
YEAR_PATTERN = re.compile(r"^(\d{4})/(\d{2})$")


def url_path(base_url: str) -> str:
    """``https://host/kfh-report`` -> ``/kfh-report/``; ``/`` for a site at the root."""
    match = re.match(r"^[a-z][a-z0-9+.-]*://[^/]+", base_url, re.I)
    path = (base_url[match.end():] if match else base_url).strip("/")
    return f"/{path}/" if path else "/"


def find_config(start: Path) -> Path:
    """The config file in ``start`` (the project folder)."""
    candidate = start / CONFIG_NAME
    if not candidate.is_file():
        raise ConfigError(
            f"{candidate}: no {CONFIG_NAME} here. Run kfh-site in the project folder "
            "or pass --config FILE."
        )
    return candidate


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
    """Build a SiteConfig from parsed TOML, checking every key and type."""
    problems: list[str] = []
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _TOP_KEYS:
            problems.append(_unknown_key(key, _TOP_KEYS))
        elif key != "paths":
            if not isinstance(value, _TYPES[key]) or (
                isinstance(value, bool) and bool not in _TYPES[key]
            ):
                wanted = " or ".join(t.__name__ for t in _TYPES[key])
                problems.append(f"key {key!r}: expected {wanted}, got {value!r}")
            else:
                values[key] = value
    path_values = raw.get("paths", {})
    if not isinstance(path_values, dict):
        problems.append("[paths] must be a table")
        path_values = {}
    for key in path_values:
        if key not in _PATH_KEYS:
            problems.append(_unknown_key(f"paths.{key}", {f"paths.{k}" for k in _PATH_KEYS}))
    problems.extend(_check_values({**values, "_root": root}))
    if problems:
        raise ConfigError(f"{source}:\n  " + "\n  ".join(problems))

    paths = Paths(**{
        name: (root / str(path_values.get(name, name if name != "output" else "build"))).resolve()
        for name in _PATH_KEYS
    })
    if "published" in values and isinstance(values["published"], str):
        values["published"] = dt.date.fromisoformat(values["published"])
    if "abbreviations" in values:
        values["abbreviations"] = {**DEFAULT_ABBREVIATIONS, **values["abbreviations"]}
    if "columns" in values:
        values["columns"] = tuple(sorted(values["columns"].items()))
    if "scope" in values:
        values["scope"] = _scope_name(values["scope"])
    if "theme" in values:
        theme = values["theme"]
        values["theme"] = Theme(theme.get("accent_colour", NHS_BLUE).lower(),
                                (root / theme["logo"]).resolve() if theme.get("logo") else None,
                                theme.get("logo_alt", ""))
    if "mergers" in values:
        values["mergers"] = tuple(
            Merger(financial_year(str(m["year"])) or str(m["year"]), str(m["into"]).strip().upper(),
                   tuple(str(c).strip().upper() for c in m["from"]))
            for m in values["mergers"])
    if "workforce" in values:
        table = values["workforce"]
        values["workforce"] = Workforce(
            _outside_or_in(str(table["file"]), root), table.get("month"),
            tuple(sorted(table.get("columns", {}).items())), table.get("sheet"))
    config = SiteConfig(root=root, paths=paths, **values)
    return apply_overrides(config, overrides)


def apply_overrides(config: SiteConfig, overrides: Mapping[str, Any]) -> SiteConfig:
    """Command-line options win over the file."""
    output = overrides.get("output")
    base_url = overrides.get("base_url")
    if output is not None:
        config = replace(config, paths=replace(config.paths, output=Path(output).resolve()))
    if base_url is not None:
        config = replace(config, base_url=base_url)
    return config


def _check_values(values: Mapping[str, Any]) -> list[str]:
    problems = []
    for key in ("recommended_ratio", "baseline_ratio"):
        if key in values and not values[key] > 0:
            problems.append(f"key {key!r}: expected a number greater than 0, got {values[key]!r}")
    if "report_year" in values and not YEAR_PATTERN.match(values["report_year"]):
        problems.append(f"key 'report_year': expected a year like \"2024/25\", got {values['report_year']!r}")
    if isinstance(values.get("published"), str):
        try:
            dt.date.fromisoformat(values["published"])
        except ValueError:
            problems.append(f"key 'published': expected a date like 2026-11-23, got {values['published']!r}")
    problems.extend(_column_problems(values.get("columns", {})))
    if "scope" in values and _scope_name(values["scope"]) is None:
        close = difflib.get_close_matches(values["scope"], [ENGLAND, *REGIONS], n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(f"key 'scope': expected England or one of the seven NHS England regions "
                        f"({', '.join(REGIONS)}), got {values['scope']!r}{hint}")
    if "theme" in values:
        problems.extend(_theme_problems(values["theme"], values.get("_root")))
    if "mergers" in values:
        problems.extend(_merger_problems(values["mergers"]))
    if "workforce" in values:
        problems.extend(_workforce_problems(values["workforce"], values.get("_root")))
    base_url = values.get("base_url")
    if base_url is not None and not (base_url.startswith("/") or re.match(r"^https?://", base_url)):
        problems.append(
            f"key 'base_url': expected a path such as \"/kfh-report/\" or a URL such as "
            f"\"https://example.github.io/kfh-report/\", got {base_url!r}"
        )
    return problems


def _column_problems(columns: Mapping[str, Any]) -> list[str]:
    """Each ``[columns]`` entry maps a header to a contract column, and one header to one column."""
    problems = []
    targets: dict[str, tuple[str, object]] = {}
    for header, column in columns.items():
        key = f"'columns.{json.dumps(header, ensure_ascii=False)}'"
        if not isinstance(column, str):
            problems.append(f"key {key}: expected the name of a contract column such as "
                            f"\"qualified_lks_wte\", got {column!r}")
        elif column not in COLUMN_NAMES:
            close = closest_column(column) or next(iter(difflib.get_close_matches(column, COLUMN_NAMES, n=1)), None)
            hint = f"; did you mean {close!r}?" if close else f"; the columns are {', '.join(COLUMN_NAMES)}"
            problems.append(f"key {key}: {column!r} is not a column of the data contract{hint}")
        if not normalise_header(header):
            problems.append(f"key {key}: the header has no letters or digits to match")
            continue
        other = targets.setdefault(normalise_header(header), (header, column))
        if other[1] != column:
            problems.append(f"key {key}: the header {other[0]!r} is the same once case, spaces and "
                            f"punctuation are set aside, and maps to {other[1]!r}; keep one")
    return problems


def _scope_name(value: str) -> str | None:
    """``london`` -> ``London``: the scope as the data contract names it, or None."""
    for name in (ENGLAND, *REGIONS):
        if " ".join(value.split()).lower() == name.lower():
            return name
    return None


def _theme_problems(theme: Mapping[str, Any], root: Path | None) -> list[str]:
    problems = [_unknown_key(f"theme.{key}", {f"theme.{k}" for k in THEME_KEYS}) for key in theme
                if key not in THEME_KEYS]
    for key, wanted in THEME_KEYS.items():
        if key in theme and not isinstance(theme[key], str):
            problems.append(f"key 'theme.{key}': expected {wanted}, got {theme[key]!r}")
    colour = theme.get("accent_colour")
    if isinstance(colour, str):
        if not re.fullmatch(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}", colour):
            problems.append(f"key 'theme.accent_colour': expected a colour such as \"#005eb8\", got {colour!r}")
        elif (ratio := contrast(colour)) < MIN_ACCENT_CONTRAST:
            problems.append(
                f"key 'theme.accent_colour': {colour} has a contrast of {ratio:.1f} : 1 against white; the site "
                f"writes white text on it and links in it, which needs {MIN_ACCENT_CONTRAST} : 1 or more. "
                "Choose a darker colour.")
    logo = theme.get("logo")
    if isinstance(logo, str) and root is not None:
        path = (root / logo).resolve()
        if not path.is_relative_to(root.resolve()):
            problems.append(f"key 'theme.logo': {logo!r} is outside the project folder; copy the logo into it")
        elif not path.is_file():
            problems.append(f"key 'theme.logo': there is no file {logo!r} in the project")
        elif path.suffix.lower() not in (".png", ".svg"):
            problems.append(f"key 'theme.logo': {logo!r} is not a PNG or SVG file")
        if not (isinstance(theme.get("logo_alt"), str) and theme["logo_alt"].strip()):
            problems.append("key 'theme.logo_alt': a logo needs a text alternative, such as the organisation's "
                            "name (logo_alt = \"NHS North West library and knowledge services\")")
    return problems


def _merger_problems(mergers: list[Any]) -> list[str]:
    """Each ``[[mergers]]`` entry names its year, the new code and the codes it replaced;
    no code merges twice."""
    problems: list[str] = []
    merged: dict[str, int] = {}
    for number, entry in enumerate(mergers, start=1):
        name = f"[[mergers]] entry {number}"
        if not isinstance(entry, dict):
            problems.append(f"{name}: expected a table with year, into and from")
            continue
        problems += [_unknown_key(f"mergers.{key}", {f"mergers.{k}" for k in MERGER_KEYS}) + f" ({name})"
                     for key in entry if key not in MERGER_KEYS]
        missing = [key for key in MERGER_KEYS if key not in entry]
        if missing:
            problems.append(f"{name}: missing {', '.join(missing)} (year = the new organisation's first return, "
                            "into = its code, from = the codes it replaced)")
            continue
        if not financial_year(str(entry["year"])):
            problems.append(f"{name}: year: expected a financial year such as \"2025/26\", got {entry['year']!r}")
        sources = entry["from"]
        if not isinstance(sources, list) or not sources or not all(isinstance(c, str) for c in sources):
            problems.append(f"{name}: from: expected a list of organisation codes, such as [\"RAA\", \"RBB\"]")
            continue
        into = str(entry["into"]).strip().upper()
        for code in (c.strip().upper() for c in sources):
            if code == into:
                problems.append(f"{name}: {code} cannot merge into itself")
            elif code in merged:
                problems.append(f"{name}: {code} is merged twice (also in entry {merged[code]})")
            else:
                merged[code] = number
    return problems


def _outside_or_in(path: str, root: Path) -> Path:
    """A path relative to the config file, or absolute."""
    return (root / Path(path).expanduser()).resolve()


def _workforce_problems(table: Mapping[str, Any], root: Path | None) -> list[str]:
    from kfh_site.returns.contract import WORKFORCE

    problems = [_unknown_key(f"workforce.{key}", {f"workforce.{k}" for k in WORKFORCE_KEYS})
                for key in table if key not in WORKFORCE_KEYS]
    file = table.get("file")
    if not isinstance(file, str) or not file.strip():
        problems.append("key 'workforce.file': expected the NHS workforce file, or a folder of them, such as "
                        "\"data-sources/workforce.csv\"")
    elif root is not None and not _outside_or_in(file, root).exists():
        problems.append(f"key 'workforce.file': there is no file or folder {file!r} "
                        f"(looked for {_outside_or_in(file, root)})")
    month = table.get("month")
    if month is not None and (isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12):
        problems.append(f"key 'workforce.month': expected a month number from 1 to 12 (12 is December), got {month!r}")
    sheet = table.get("sheet")
    if sheet is not None and not isinstance(sheet, str):
        problems.append(f"key 'workforce.sheet': expected the name of a sheet, got {sheet!r}")
    columns = table.get("columns", {})
    if not isinstance(columns, dict):
        problems.append("key 'workforce.columns': expected a table of headers, such as "
                        "[workforce.columns] \"Total FTE\" = \"staff_fte\"")
    else:
        names = tuple(WORKFORCE.by_name)
        for header, column in columns.items():
            if column not in names:
                problems.append(f"key 'workforce.columns.{json.dumps(header, ensure_ascii=False)}': expected one of "
                                f"{', '.join(names)}, got {column!r}")
    return problems


def _unknown_key(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(known))}"
    return f"unknown key {key!r}{hint}"
