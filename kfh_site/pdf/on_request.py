"""The preview's PDFs, rendered when the browser asks for one rather than on every edit.

``kfh-site serve`` plans every infographic on each rebuild (its path and title, which pages
link to) but renders neither its HTML nor its PDF: both are made when the PDF is first asked
for (a page of HTML for each of 255 PDFs took a quarter of the example's rebuild), by the same
Renderer the build's workers use, from the same HTML and stylesheet, so it is byte for byte
the PDF ``kfh-site build`` makes. Each is kept by its key (a hash of everything it is made
from), so asking again, or after an edit that left it alone, costs nothing. WeasyPrint is
loaded and set up in the background after each rebuild, so the first PDF asked for opens
without that wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kfh_site.pdf.jobs import PdfJob, RenderSettings

if TYPE_CHECKING:
    from kfh_site.pdf.render import Renderer


KEPT = 1000  # PDFs kept in memory (tens of kB each), the oldest dropped first


@dataclass(frozen=True)
class PlannedPdfs:
    """A preview build's infographics: their paths, how to make the HTML and cache key of
    each (called when it is asked for), and how to render them."""

    settings: RenderSettings
    paths: frozenset[str]
    job: Callable[[str], tuple[str, PdfJob]] = field(compare=False)  # path -> (key, job)


class PdfsOnRequest:
    """The PDFs of the current preview build, each rendered once when first asked for.
    Shared by the rebuilds (``plan``) and the server's threads (``get``); one PDF is
    rendered at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._planned: PlannedPdfs | None = None
        self._renderer: Renderer | None = None
        self._made: dict[str, bytes] = {}  # key -> PDF, the oldest first

    def plan(self, planned: PlannedPdfs) -> None:
        """The PDFs of the build now served; WeasyPrint is made ready for them meanwhile."""
        with self._lock:
            self._planned = planned
        threading.Thread(target=self._ready, args=(planned.settings,), daemon=True).start()

    def get(self, path: str) -> bytes | None:
        """The PDF at ``path`` of the build now served (None: there is none); raises
        KfhError when it cannot be rendered, as the build would."""
        from kfh_site.pdf.render import collect

        with self._lock:
            planned = self._planned
            if planned is None or path not in planned.paths:
                return None
            key, job = planned.job(path)
            if key not in self._made:
                outcome = self._renderer_for(planned.settings).render(job)
                self._made[key] = collect([outcome])[job.path].data
                while len(self._made) > KEPT:
                    del self._made[next(iter(self._made))]
            return self._made[key]

    def _ready(self, settings: RenderSettings) -> None:
        try:
            with self._lock:
                self._renderer_for(settings)
        except Exception:  # noqa: BLE001 - only a head start: get() meets, and reports, the same problem
            pass

    def _renderer_for(self, settings: RenderSettings) -> Renderer:
        from kfh_site.pdf.render import Renderer

        if self._renderer is None or self._renderer.settings != settings:
            self._renderer = Renderer(settings)
        return self._renderer
