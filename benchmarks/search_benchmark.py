"""What the search stage costs for N organisations: a new index, and the two ways a
rebuild reuses the last one.

Run from the project folder:
    .venv/bin/python benchmarks/search_benchmark.py            # N = 250, 2,500, 10,000
    .venv/bin/python benchmarks/search_benchmark.py --sizes 250
Each size builds a synthetic site (HTML only) once, then times the stage on its pages:
- clean: every page trimmed and indexed (a clean build);
- one name changed: one organisation page is new, the rest kept: Pagefind indexes every
  page again, from the text the cache kept (no page is read);
- same pages: no indexed page changed (a change to figures only): the index is reused;
- same text: every page changed but not what search indexes (the page frame): reused.
Pagefind CPU is its own process's, in the clean case; the wall times include it.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.site_benchmark import make_project  # noqa: E402


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(stage, pages, output, cache, new: bool = False) -> float:
    """Seconds the search stage takes; checks that it made a new index or reused the last."""
    from kfh_site.output.write import Unchanged

    started = time.perf_counter()
    files = stage(pages, output, cache)
    seconds = time.perf_counter() - started
    assert new != all(isinstance(v, Unchanged) for v in files.values())
    return seconds


def main() -> None:
    from kfh_site.build.site import build
    from kfh_site.config import load_config
    from kfh_site.output.cache import BuildCache
    from kfh_site.output.write import Unchanged
    from kfh_site.search import index as search

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 2500, 10000])
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    header = (f"{'N':>7} {'pages':>7} {'HTML MB':>8} {'given MB':>9} {'index files':>12} {'index MB':>9}"
              f" {'clean s':>8} {'Pagefind CPU s':>15} {'one name s':>11} {'same pages s':>13} {'same text s':>12}")
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as folder:
            project = make_project(Path(folder), n)
            config = load_config(project / "kfh-site.toml")
            build(config, with_pdf=False)
            output = config.paths.output
            pages = {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*.html")}
            indexed = search.indexed_pages(pages)
            given = sum(len(search.searchable_html(pages[p])) for p in indexed)

            cpu, started = children_cpu(), time.perf_counter()
            files = search.index_files({p: pages[p] for p in indexed})
            clean, pagefind_cpu = time.perf_counter() - started, children_cpu() - cpu

            kept = {p: Unchanged(sha) for p, (sha, *_) in BuildCache.beside(output).previous_files.items()
                    if p.endswith(".html")}
            renamed = dict(kept)
            page = f"organisations/s{n // 2:05d}.html"
            renamed[page] = pages[page].replace(b"Synthetic NHS Trust", b"Renamed NHS Trust")
            one_name = timed(search.search_index, renamed, output, BuildCache.beside(output), new=True)
            same_pages = timed(search.search_index, kept, output, BuildCache.beside(output))
            reframed = {p: html.replace(b"</footer>", b"<!-- a new frame --></footer>") for p, html in pages.items()}
            same_text = timed(search.search_index, reframed, output, BuildCache.beside(output))

            print(f"{n:>7,} {len(indexed):>7,} {sum(len(pages[p]) for p in indexed) / 1e6:>8.1f} {given / 1e6:>9.1f}"
                  f" {len(files):>12,} {sum(map(len, files.values())) / 1e6:>9.1f} {clean:>8.2f}"
                  f" {pagefind_cpu:>15.2f} {one_name:>11.2f} {same_pages:>13.2f} {same_text:>12.2f}")


if __name__ == "__main__":
    main()
