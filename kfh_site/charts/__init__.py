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

    def only(self, columns: tuple[int, ...]) -> ChartTable:
        """The same table with fewer columns, for a place with less room (a half-width
        PDF column); the web page keeps them all."""
        return ChartTable(self.caption, tuple(self.head[i] for i in columns),
                          tuple(tuple(row[i] for i in columns) for row in self.rows),
                          tuple(n for n, i in enumerate(columns) if i in self.numeric))


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str        # the text alternative: states the numbers the chart shows
    wide: Layout
    narrow: Layout
    table: ChartTable | None = None
