"""Seconds to write each open data download for N organisations over two years.

Run from the project folder:
    .venv/bin/python benchmarks/downloads_benchmark.py            # N = 250, 2,500, 10,000
    .venv/bin/python benchmarks/downloads_benchmark.py --sizes 10000
Returns are made by benchmarks/synthetic.py, read and worked out as a build does; each
download is then written from the same typed rows (read once, timed as "rows"), as
downloads.open_data_files does. Each time is the best of --repeat runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import write_returns  # noqa: E402
from kfh_site.domain import Policy  # noqa: E402
from kfh_site.downloads import tables as downloads  # noqa: E402
from kfh_site.downloads.ods import ods_bytes  # noqa: E402
from kfh_site.downloads.statistics import statistics_workbook  # noqa: E402
from kfh_site.figures.compute import compute_figures  # noqa: E402
from kfh_site.figures.types import Figures  # noqa: E402
from kfh_site.returns.table import load_returns  # noqa: E402

Result = TypeVar("Result")


def figures_for(n: int) -> Figures:
    with tempfile.TemporaryDirectory() as folder:
        files = write_returns(Path(folder) / "data", n)
        returns = load_returns(files, Path(folder), None)
    return compute_figures(returns.table, Policy(1250, 1730))


def best(repeat: int, work: Callable[[], Result]) -> tuple[float, Result]:
    """The shortest of ``repeat`` runs, and what the work made."""
    times = []
    for _ in range(max(1, repeat)):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return min(times), result


def report(n: int, repeat: int) -> None:
    figures = figures_for(n)
    seconds, (organisations, areas) = best(repeat, lambda: (downloads.organisations_table(figures),
                                                            downloads.areas_table(figures)))
    tables = {"organisations": organisations, "areas": areas}
    meta = {"title": "Benchmark", "years": list(figures.years)}
    about = downloads.About("Benchmark", "Benchmark", dt.date(2026, 11, 23), True)
    work: list[tuple[str, Callable[[], bytes]]] = [
        ("figures.csv", lambda: downloads.csv_bytes(organisations)),
        ("areas.csv", lambda: downloads.csv_bytes(areas)),
        ("figures.json", lambda: downloads.json_bytes(meta, {"organisations": organisations, "areas": areas})),
        ("lks-statistics-2024-25.ods", lambda: ods_bytes(statistics_workbook(figures, tables, about))),
    ]
    print(f"\nN = {n:,} organisations x {len(figures.years)} years ({len(organisations.rows):,} rows)")
    print(f"  {'download':<32}{'seconds':>9}{'size':>12}")
    print(f"  {'rows (every value read once)':<32}{seconds:>9.3f}")
    total = seconds
    for name, write in work:
        seconds, data = best(repeat, write)
        total += seconds
        print(f"  {name:<32}{seconds:>9.3f}{len(data) / 1024:>9,.0f} KB")
    print(f"  {'all downloads':<32}{total:>9.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 2500, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    for n in args.sizes:
        report(n, args.repeat)


if __name__ == "__main__":
    main()
