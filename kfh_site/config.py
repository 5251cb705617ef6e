"""kfh-site.toml -> SiteConfig. Every policy number lives here, not in code."""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from kfh_site.errors import ConfigError
from kfh_site.returns import COLUMN_NAMES, closest_column, normalise_header

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
    problems.extend(_check_values(values))
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


def _unknown_key(key: str, known: set[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(sorted(known))}"
    return f"unknown key {key!r}{hint}"
