"""Figures -> chart specs: each chart laid out in two frames (wide and narrow), with its
text alternative and the table of its numbers.

One spec, two renderings: templates/_charts.html draws a Layout's marks as SVG for the
web page and for the PDF alike; no coordinate is computed in a template.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from kfh_site.story.charts.canvas import Layout


@dataclass(frozen=True)
class ChartTable:
    """The numbers a chart shows, as a table printed beside it."""

    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[int, ...] = (1,)
    note: str = ""          # said once under the table (rows left out, and why)

    @functools.cached_property
    def head_cells(self) -> tuple[tuple[str, bool], ...]:
        """Each column's heading and whether the column holds numbers (right-aligned)."""
        return tuple((h, i in self.numeric) for i, h in enumerate(self.head))

    @functools.cached_property
    def body_rows(self) -> tuple[tuple[str, tuple[tuple[str, bool], ...]], ...]:
        """Each row as its label (the first cell) and its other cells, each with whether
        it is a number: what the templates' table loops over, with no loop bookkeeping."""
        return tuple((row[0], tuple((cell, i in self.numeric) for i, cell in enumerate(row[1:], start=1)))
                     for row in self.rows)

    def only(self, columns: tuple[int, ...]) -> ChartTable:
        """The same table with fewer columns, for a place with less room (a half-width
        PDF column); the web page keeps them all."""
        return ChartTable(self.caption, tuple(self.head[i] for i in columns),
                          tuple(tuple(row[i] for i in columns) for row in self.rows),
                          tuple(n for n, i in enumerate(columns) if i in self.numeric), self.note)


@dataclass(frozen=True)
class Chart:
    """One chart as page and PDF draw it: its two layouts and the words that stand for it."""
    id: str
    title: str
    description: str        # the text alternative: states the numbers the chart shows
    wide: Layout
    narrow: Layout
    table: ChartTable | None = None
