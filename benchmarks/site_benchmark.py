"""Build speed and memory for N organisations: full, no-op and incremental rebuilds.

Run from the project folder:
    .venv/bin/python benchmarks/site_benchmark.py            # N = 250, 2,500, 10,000
    .venv/bin/python benchmarks/site_benchmark.py --sizes 250
Each build runs in a fresh process, as a user's would; peak memory is the largest
resident set of that process and its PDF workers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import HEADER, org_rows, write_returns  # noqa: E402

RUNNER = """
import json, resource, sys, time
from pathlib import Path
from kfh_site.config import load_config
from kfh_site.site import build
started = time.perf_counter()
config = load_config(Path("kfh-site.toml"))
result = build(config, with_pdf=%(pdf)s, use_cache=%(cache)s)
seconds = time.perf_counter() - started
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"seconds": seconds, "peak_mb": peak / 1024, "files": result.files, "written": result.written,
                  "pdfs": result.pdfs, "pdfs_written": result.pdfs_written, "up_to_date": result.up_to_date}))
"""

CONFIG = """title = "Benchmark"
publisher = "Benchmark"
base_url = "https://example.github.io/kfh-report/"
published = "2026-11-23"
illustrative_data = true
"""


def run(project: Path, pdf: bool, cache: bool = True) -> dict:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", RUNNER % {"pdf": pdf, "cache": cache}], cwd=project,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if out.returncode:
        raise SystemExit(out.stderr)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process"] = time.perf_counter() - started  # what a user waits for, imports included
    return result


def make_project(folder: Path, n: int) -> Path:
    shutil.copytree(ROOT / "templates", folder / "templates")
    shutil.copytree(ROOT / "content", folder / "content")
    (folder / "kfh-site.toml").write_text(CONFIG)
    write_returns(folder / "data", n)
    return folder


def change_one_organisation(project: Path, n: int) -> None:
    import csv
    path = project / "data" / "2024-25.csv"
    rows = org_rows(n, "2024/25")
    rows[n // 2][10] = str(int(rows[n // 2][10]) + 1 if rows[n // 2][10].isdigit() else 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def change_one_page(project: Path) -> None:
    page = project / "content" / "topol-review.md"
    page.write_text(page.read_text() + "\nA sentence added by the benchmark.\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 2500, 10000])
    parser.add_argument("--pdf-up-to", type=int, default=250, help="build PDFs only for N up to this")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print("seconds: the build itself; process: the whole command, Python start-up and imports included")
    header = (f"{'N':>7} {'scenario':<34}{'seconds':>9}{'process':>9}{'peak MB':>9}{'written':>9}"
              f"{'s/org page':>11}{'s/PDF':>8}")
    print(header)
    print("-" * len(header))
    for n in args.sizes:
        pdf = n <= args.pdf_up_to
        with tempfile.TemporaryDirectory() as folder:
            project = make_project(Path(folder), n)
            rows = [("full build, HTML only", run(project, pdf=False, cache=False))]
            if pdf:
                rows.append(("full build with PDFs", run(project, pdf=True, cache=False)))
            rows.append((f"no-op rebuild{' with PDFs' if pdf else ''}", run(project, pdf=pdf)))
            change_one_organisation(project, n)
            rows.append(("one organisation's row changed", run(project, pdf=pdf)))
            change_one_page(project)
            rows.append(("one content page changed", run(project, pdf=pdf)))
            for name, r in rows:
                per_page = r["seconds"] / n if name.startswith("full build, HTML") else None
                per_pdf = None
                if name == "full build with PDFs":
                    html_only = rows[0][1]["seconds"]
                    per_pdf = (r["seconds"] - html_only) / r["pdfs"]
                print(f"{n:>7,} {name:<34}{r['seconds']:>9.2f}{r['process']:>9.2f}{r['peak_mb']:>9.0f}{r['written']:>9,}"
                      f"{(f'{per_page:.5f}' if per_page else ''):>11}{(f'{per_pdf:.4f}' if per_pdf else ''):>8}")


if __name__ == "__main__":
    main()
