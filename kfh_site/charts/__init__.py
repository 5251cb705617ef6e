"""Figures -> chart specs: each chart laid out in two frames (wide and narrow), with its
text alternative and the table of its numbers.

One spec, two renderings: templates/_charts.html draws a Layout's marks as SVG for the
web page and for the PDF alike; no coordinate is computed in a template.
"""

from __future__ import annotations

from dataclasses import dataclass

from kfh_site.charts.canvas import Layout


@dataclass(frozen=True)
class ChartTable:
    """The numbers a chart shows, as a table printed beside it."""

    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = (1,)


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str        # the text alternative: states the numbers the chart shows
    wide: Layout
    narrow: Layout
    table: ChartTable | None = None
