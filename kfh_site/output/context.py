"""The build context: what every output kind is handed, and what each hands back.

A build reads and checks its inputs, then hands one :class:`BuildContext` to each output
kind in turn (assets, downloads, PDFs, pages, search), as Pelican hands its context to
each generator. Each kind offers ``plan(ctx) -> Made``: its files, whom to name when
two of them clash, and what it tells the kinds after it (the PDFs' sizes for the pages
that link them, the pages for search). The context sits on this floor, below the output
kinds, because they render on every core and write as they go: the writer, the cache
and the workers are services they use.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kfh_site.config import SiteConfig
from kfh_site.figures.types import Figures
from kfh_site.output.cache import BuildCache
from kfh_site.output.progress import Progress
from kfh_site.output.write import FreshFolder, OutputPlan, Unchanged, Written
from kfh_site.story.formatting import date, titled
from kfh_site.story.palette import Palette
from kfh_site.story.teller import StoryTeller

if TYPE_CHECKING:
    import jinja2

FileData = bytes | Unchanged | Written
"""A planned file: its bytes, or where the build put it already (see write.py)."""
MadeBy = str | Callable[[str], str]
"""What made a file, named in a clash: one name, or a name for each path."""


@dataclass(frozen=True)
class Made:
    """One output kind's files, in groups that each name what made them, and what the
    kind tells the kinds after it (``about``)."""

    parts: tuple[tuple[Mapping[str, FileData], MadeBy], ...]
    about: Any = None

    @classmethod
    def of(cls, files: Mapping[str, FileData], made_by: MadeBy, about: Any = None) -> Made:
        """Files that one thing made."""
        return cls(((files, made_by),), about)


@dataclass(frozen=True)
class RenderedPages:
    """The pages of a build: each one written into the fresh folder or unchanged since the
    last build, its render key, and what search indexes of each page written (by SHA-256)."""

    files: dict[str, FileData]
    keys: dict[str, str]
    search_text: dict[str, str]


def template_context(config: SiteConfig, figures: Figures) -> dict[str, Any]:
    """What every template, page or PDF, is given about the report as a whole."""
    return {
        "site": config,
        "policy": figures.policy,
        "report_year": figures.report_year,
        "report_heading": titled(config.title, figures.report_year),
        "scope": figures.scope,
        "reporting": len(figures.reporting),
        "published_text": date(config.published),
    }


@dataclass(frozen=True)
class BuildContext:
    """Everything an output kind needs, made once per build. ``plan`` gathers the files
    of the kinds planned so far and ``about`` what each told the ones after it."""

    config: SiteConfig
    figures: Figures
    teller: StoryTeller
    env: jinja2.Environment
    palette: Palette
    cache: BuildCache
    fresh: FreshFolder
    progress: Progress | None
    jobs: int | None
    content: Sequence[Any] = ()
    """The content pages (``html.content.Page``), read and checked before anything is made;
    typed loosely as they belong to html, a floor above."""
    plan: OutputPlan = field(default_factory=OutputPlan)
    about: dict[str, Any] = field(default_factory=dict)

    def add(self, kind: str, made: Made) -> None:
        """Take one kind's files into the plan (a clash is an error naming both makers)."""
        for files, made_by in made.parts:
            self.plan.add(files, made_by)
        self.about[kind] = made.about

    @functools.cached_property
    def template_context(self) -> Mapping[str, Any]:
        """The shared template context, built once for the pages and the PDFs."""
        return template_context(self.config, self.figures)

    def made_bytes(self) -> dict[str, bytes]:
        """The files planned so far that are held in memory (the downloads, the PDFs)."""
        return {path: data for path, data in self.plan.files.items() if isinstance(data, bytes)}
