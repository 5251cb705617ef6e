"""Seconds per PDF: the naive WeasyPrint loop against kfh-site's PDF stage.

Both render every infographic of the example data, from the same HTML and stylesheet,
on the same machine, in the same run:
- naive: one plain ``HTML(...).write_pdf()`` after another in one process, with a
  fresh stylesheet and font configuration each time (what a first version would do);
- kfh-site: ``kfh_site.pdf.render_pdfs`` (worker pool, WeasyPrint set up once per
  worker, tagging completed in a finisher).

Run from the project folder:  .venv/bin/python benchmarks/pdf_benchmark.py [--limit N] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kfh_site.build.pipeline import compute, read_returns  # noqa: E402
from kfh_site.config import load_config  # noqa: E402
from kfh_site.html.render import make_environment  # noqa: E402
from kfh_site.pdf.jobs import harfbuzz_subset_available  # noqa: E402
from kfh_site.pdf.plan import infographic_jobs  # noqa: E402
from kfh_site.pdf.render import render_pdfs  # noqa: E402
from kfh_site.story.palette import Palette  # noqa: E402
from kfh_site.story.teller import StoryTeller  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="render only the first N infographics")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="workers for kfh-site's way")
    args = parser.parse_args()

    config = load_config(ROOT / "kfh-site.toml")
    figures = compute(config, read_returns(config, None))
    env = make_environment(config.template_folders)
    palette = Palette()
    planned = infographic_jobs(env, config, StoryTeller(figures, palette), palette)
    jobs = planned.jobs[: args.limit]
    base = config.template_folders[0].as_uri() + "/"

    from weasyprint import CSS, HTML

    started = time.perf_counter()
    naive_bytes = 0
    for job in jobs:
        naive_bytes += len(HTML(string=job.html, base_url=base).write_pdf(
            stylesheets=[CSS(string=planned.stylesheet, base_url=base)], pdf_variant="pdf/ua-1"))
    naive = (time.perf_counter() - started) / len(jobs)

    started = time.perf_counter()
    results = render_pdfs(jobs, planned.settings(config), args.jobs)
    ours = (time.perf_counter() - started) / len(jobs)
    ours_bytes = sum(len(r.data) for r in results.values())

    print(f"machine: {os.cpu_count()} CPUs; HarfBuzz subsetting: {'yes' if harfbuzz_subset_available() else 'NO (fontTools fallback)'}")
    print(f"infographics: {len(jobs)} (England, regions, organisations of the example data)")
    print(f"{'way':<34}{'s/PDF':>8}{'total s':>9}{'avg KB':>8}")
    print(f"{'naive loop (1 process)':<34}{naive:>8.4f}{naive * len(jobs):>9.2f}{naive_bytes / len(jobs) / 1024:>8.1f}")
    print(f"{f'kfh-site ({args.jobs} workers)':<34}{ours:>8.4f}{ours * len(jobs):>9.2f}{ours_bytes / len(jobs) / 1024:>8.1f}")
    print(f"speed-up: {naive / ours:.2f}x")


if __name__ == "__main__":
    main()
