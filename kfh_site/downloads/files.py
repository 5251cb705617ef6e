"""The open data files a build publishes (CSV, JSON and the statistics spreadsheet), and
how the data page lists and describes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kfh_site.downloads.ods import ods_bytes
from kfh_site.downloads.statistics import spreadsheet_path, statistics_workbook
from kfh_site.downloads.tables import AREA_COLUMNS, ORG_COLUMNS, About, csv_bytes, json_bytes, open_data_tables
from kfh_site.figures.types import Figures
from kfh_site.output.context import BuildContext, Made
from kfh_site.story.formatting import file_size


@dataclass(frozen=True)
class Download:
    """A download as the data page lists it. ``pattern`` matches its path; a ``{year}``
    in the title is the report year its path names."""

    pattern: str
    title: str
    format: str
    description: str


DOWNLOADS = (
    Download(spreadsheet_path("{year}"), "Library and knowledge services statistics {year}", "ODS",
             "a spreadsheet of every figure for every organisation and area, with a cover "
             "sheet, contents and notes; it opens in Excel, LibreOffice and Google Sheets"),
    Download("downloads/figures.csv", "Figures for every organisation and year", "CSV",
             "one row per organisation per year, with every computed figure"),
    Download("downloads/areas.csv", "Figures for each area", "CSV",
             "one row per area per year: totals, ratio of sums and organisations by status"),
    Download("downloads/figures.json", "All figures", "JSON",
             "the organisation and area rows of both CSV files, with the policy numbers"),
)


def plan(ctx: BuildContext) -> Made:
    """The open data downloads, described by the report's own settings."""
    config = ctx.config
    about = About(config.title, config.publisher, config.published, config.illustrative_data,
                  config.data_credit, scope=config.scope)
    return Made.of(open_data_files(ctx.figures, about), "the open data downloads")


def open_data_files(figures: Figures, about: About) -> dict[str, bytes]:
    """Every download, each written from the same typed rows, read once."""
    tables = open_data_tables(figures)
    organisations, areas = tables["organisations"], tables["areas"]
    meta = {
        "title": about.title,
        "publisher": about.publisher,
        "licence": about.licence,
        "illustrative": about.illustrative,
        "report_year": figures.report_year,
        "recommended_ratio": figures.policy.recommended_ratio,
        "baseline_ratio": figures.policy.baseline_ratio,
        "years": list(figures.years),
    }
    return {
        "downloads/figures.csv": csv_bytes(organisations),
        "downloads/areas.csv": csv_bytes(areas),
        "downloads/figures.json": json_bytes(meta, {"organisations": organisations, "areas": areas}),
        spreadsheet_path(figures.report_year): ods_bytes(statistics_workbook(figures, tables, about)),
    }


def listing(files: Mapping[str, bytes]) -> list[dict[str, Any]]:
    """The downloads among ``files``, in the order the data page lists them, with their
    sizes as the page shows them (``212 KB``): a change of a few bytes leaves the page as
    it was, so an incremental build need not render it again."""
    listed = []
    for download in DOWNLOADS:
        pattern = re.compile(re.escape(download.pattern).replace(re.escape("{year}"), r"(\d{4})-(\d{2})"))
        for path in sorted(files):
            match = pattern.fullmatch(path)
            if match:
                year = f"{match[1]}/{match[2]}" if match.groups() else ""
                listed.append({"path": path, "title": download.title.format(year=year),
                               "format": download.format, "description": download.description,
                               "size": file_size(len(files[path]))})
    return listed


def column_descriptions() -> list[tuple[str, list[tuple[str, str, str]]]]:
    """(file, [(column, heading in the spreadsheet, meaning)]) for the data page."""
    return [
        ("figures.csv", [(c.name, c.heading, c.description) for c in ORG_COLUMNS]),
        ("areas.csv", [(c.name, c.heading, c.description) for c in AREA_COLUMNS]),
    ]
