"""Where people wait for kfh-site: each row of issue 20's table with its target, measured in
one run (targets in CPU seconds where they can be: wall seconds on a shared machine vary
two-fold from run to run).

Run from the repository (each build or check runs in a fresh process, as a user's would):
    .venv/bin/python benchmarks/site_benchmark.py                 # every row but the test suite
    .venv/bin/python benchmarks/site_benchmark.py --suite         # and the whole test suite (CI=true)
    .venv/bin/python benchmarks/site_benchmark.py --only scaling  # how a build grows with N, to 10,000

seconds: the whole command as a user waits for it (start-up and imports included).
CPU: processor seconds of the command and every process it started; on a machine shared
with other work, seconds grow with the load and CPU much less. peak MB: the most memory
the command's processes held at once (proportional set size, summed; see measure.py).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import Measured, cpu_seconds, measure, process_tree  # noqa: E402
from benchmarks.synthetic import HEADER, org_rows, write_returns  # noqa: E402

BIN = Path(sys.executable).parent
KFH_SITE = str(BIN / "kfh-site")
CONFIG = """title = "Benchmark"
publisher = "Benchmark"
base_url = "https://example.github.io/kfh-report/"
published = "2026-11-23"
illustrative_data = true
"""
BASE_URL = "https://example.github.io/kfh-report/"


def make_project(folder: Path, n: int) -> Path:
    """A project with the repository's templates and content and N synthetic organisations."""
    shutil.copytree(ROOT / "templates", folder / "templates")
    shutil.copytree(ROOT / "content", folder / "content")
    (folder / "kfh-site.toml").write_text(CONFIG)
    write_returns(folder / "data", n)
    return folder


def change_one_organisation(project: Path, n: int, by: int = 1) -> None:
    """One organisation's literature searches, up by ``by``: one cell of one return."""
    path = project / "data" / "2024-25.csv"
    rows = org_rows(n, "2024/25")
    cell = rows[n // 2][10]
    rows[n // 2][10] = str(int(cell) + by if cell.isdigit() else by)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def run(project: Path, *args: str) -> Measured:
    result = measure([KFH_SITE, *args], project)
    if result.returncode:
        raise SystemExit(f"kfh-site {' '.join(args)} failed in {project}:\n{result.output}")
    return result


class Table:
    """Rows printed as they are measured, with the target each must meet."""

    def __init__(self) -> None:
        print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
              f"{platform.system()} {platform.release()}")
        print(f"{'what':<58}{'seconds':>8}{'CPU s':>8}{'peak MB':>9}{'load':>6}  target")
        print("-" * 110)

    def row(self, what: str, result: Measured, target: str, met: bool | None = None, note: str = "") -> None:
        peak = f"{result.peak_mb:.0f}" if result.peak_mb is not None else "-"
        verdict = "" if met is None else ("met" if met else "NOT MET")
        print(f"{what:<58}{result.seconds:>8.2f}{result.cpu:>8.1f}{peak:>9}{os.getloadavg()[0]:>6.1f}"
              f"  {target} {verdict}{('  ' + note) if note else ''}", flush=True)


def html_10000(table: Table, folder: Path) -> None:
    project = make_project(folder / "n10000", 10000)
    result = run(project, "build", "--no-pdf", "--clean")
    table.row("10,000 organisations x 2 years, HTML only", result, "<= 15 CPU s, < 1 GB",
              result.cpu <= 15 and (result.peak_mb or 0) < 1024, f"{result.cpu / 10000 * 1000:.2f} CPU ms per org")


def example_with_pdfs(table: Table, folder: Path) -> Path:
    out = folder / "example-build"
    result = run(ROOT, "build", "--clean", "--out", str(out))
    pdfs = len(list(out.rglob("*.pdf")))
    table.row(f"the example, clean, with all PDFs ({pdfs} PDFs)", result, "<= 30 CPU s", result.cpu <= 30,
              "every process counted")
    return out


def pdf_cost(table: Table, folder: Path) -> None:
    """What a PDF adds to a build: the example built with and without PDFs, on one core
    (--jobs 1), the difference divided by the number of PDFs."""
    without = run(ROOT, "build", "--clean", "--no-pdf", "--jobs", "1", "--out", str(folder / "one-core-html"))
    out = folder / "one-core-pdf"
    with_pdfs = run(ROOT, "build", "--clean", "--jobs", "1", "--out", str(out))
    pdfs = len(list(out.rglob("*.pdf")))
    per_pdf = Measured((with_pdfs.seconds - without.seconds) / pdfs, (with_pdfs.cpu - without.cpu) / pdfs,
                       None, 0, "")
    table.row(f"one PDF (example --jobs 1, with PDFs minus without, / {pdfs})", per_pdf, "<= 0.10 CPU s",
              per_pdf.cpu <= 0.10, f"{per_pdf.cpu:.3f} CPU s; benchmarks/pdf_benchmark.py says where it goes")


def incremental(table: Table, folder: Path) -> Path:
    project = make_project(folder / "n25", 25)
    run(project, "build")
    result = run(project, "build")
    table.row("no-op rebuild (25 organisations, with PDFs)", result, "< 0.4 s", result.seconds < 0.4)
    change_one_organisation(project, 25)
    result = run(project, "build")
    written = result.output.strip().splitlines()[-1].split("; ")[-1]
    table.row("one row changed (25 organisations, with PDFs)", result, "< 1.5 s", result.seconds < 1.5, written)
    return project


def tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid``, the children it has waited for, and its children now."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        waited = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        waited = 0.0
    return waited + sum(cpu_seconds(p) for p in process_tree(pid))


def serve_edit(table: Table, folder: Path) -> None:
    """kfh-site serve on a copy of the example: one data row edited until the browser's
    next poll sees the new build, then the edited organisation's PDF asked for."""
    project = folder / "example-serve"
    project.mkdir()
    for name in ("data", "data-sources", "content", "templates"):
        shutil.copytree(ROOT / name, project / name)
    shutil.copy(ROOT / "kfh-site.toml", project)
    process = subprocess.Popen([KFH_SITE, "serve", "--port", "0"], cwd=project, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        url = ""
        for line in process.stdout:
            if match := re.match(r"^Serving (\S+)", line):
                url = match.group(1)
                break
        if not url:
            raise SystemExit("kfh-site serve did not start")
        state = url.split("/kfh-report/")[0] + "/__kfh-site__/state"

        def build_number() -> int:
            with urllib.request.urlopen(state, timeout=600) as response:
                return json.loads(response.read())["build"]

        # Settled: no rebuild for 3 s (WeasyPrint set up, as a user reads the first page).
        first, since = build_number(), time.monotonic()
        while time.monotonic() - since < 3:
            time.sleep(0.2)
            if build_number() != first:
                first, since = build_number(), time.monotonic()
        returns = project / "data" / "returns" / "2024-25.csv"
        lines = returns.read_text(encoding="utf-8").splitlines(keepends=True)
        cells = next(csv.reader([lines[1]]))
        code = cells[0]
        cells[10] = str(int(cells[10].replace(",", "")) + 7) if cells[10].replace(",", "").isdigit() else "7"
        edited = io.StringIO()
        csv.writer(edited, lineterminator="\n").writerow(cells)
        lines[1] = edited.getvalue()
        returns.write_text("".join(lines), encoding="utf-8")
        cpu, started = tree_cpu(process.pid), time.perf_counter()
        while build_number() == first:
            time.sleep(0.05)
        seen = Measured(time.perf_counter() - started, tree_cpu(process.pid) - cpu, None, 0, "")
        table.row("serve, the example: one data row edited, until the page reloads", seen, "< 3 s",
                  seen.seconds < 3, "the browser polls every 0.5 s on top")
        cpu, started = tree_cpu(process.pid), time.perf_counter()
        with urllib.request.urlopen(url + f"pdf/organisations/{code.lower()}.pdf", timeout=600) as response:
            size = len(response.read())
        opened = Measured(time.perf_counter() - started, tree_cpu(process.pid) - cpu, None, 0, "")
        table.row("serve, the example: that organisation's PDF opened", opened, "< 2 s", opened.seconds < 2,
                  f"{size / 1024:.0f} kB, made on request")
    finally:
        process.terminate()
        process.wait(timeout=600)


def checks(table: Table, small: Path, example: Path) -> None:
    for what, project, site, target, limit in (
            ("kfh-site check with axe, 25 organisations", small, small / "build", "< 15 s", 15),
            ("kfh-site check with axe, the example", ROOT, example, "< 90 s", 90)):
        pages, pdfs = len(list(site.rglob("*.html"))), len(list(site.rglob("*.pdf")))
        first = measure([KFH_SITE, "check", str(site), "--base-url", BASE_URL], project)
        table.row(f"{what} ({pages} pages, {pdfs} PDFs)", first, target, first.seconds < limit,
                  "first check" + ("" if first.returncode == 0 else ", it found problems"))
        again = measure([KFH_SITE, "check", str(site), "--base-url", BASE_URL], project)
        table.row("  again, nothing changed", again, "")
        every = measure([KFH_SITE, "check", str(site), "--base-url", BASE_URL, "--all"], project)
        table.row("  again with --all (everything checked)", every, "")
        shutil.rmtree(site.parent / f".{site.name}.kfh-check", ignore_errors=True)


def suite(table: Table) -> None:
    result = measure([str(BIN / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"], ROOT,
                     env={**os.environ, "CI": "true"})
    summary = result.output.strip().splitlines()[-1] if result.output.strip() else ""
    table.row("the test suite (every test, CI=true)", result, "< 10 min", result.returncode == 0 and result.seconds < 600,
              summary.strip("= "))


def scaling(table: Table, folder: Path, sizes: list[int]) -> None:
    per_org = []
    for n in sizes:
        project = make_project(folder / f"scale{n}", n)
        result = run(project, "build", "--no-pdf", "--clean")
        per_org.append(result.cpu / n)
        last = n == sizes[-1]
        table.row(f"{n:,} organisations, HTML only", result,
                  "linear" + (", <= 15 CPU s, < 1 GB" if n == 10000 else ""),
                  (per_org[-1] <= 1.25 * min(per_org) and (n != 10000 or (result.cpu <= 15 and (result.peak_mb or 0) < 1024)))
                  if last else None,
                  note=f"{result.seconds / n * 1000:.2f} ms, {result.cpu / n * 1000:.2f} CPU ms per org")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="store_true", help="also time the whole test suite (minutes)")
    parser.add_argument("--only", choices=["html", "pdf", "incremental", "serve", "check", "suite", "scaling"],
                        help="one row (or the scaling rows) only")
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 2500, 10000], help="for the scaling rows")
    args = parser.parse_args()
    table = Table()

    def wanted(name: str) -> bool:
        return args.only == name or (args.only is None and name not in ("html", "suite"))

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        if wanted("html"):
            html_10000(table, folder)
        example = example_with_pdfs(table, folder) if wanted("pdf") or wanted("check") else None
        if wanted("pdf"):
            pdf_cost(table, folder)
        small = incremental(table, folder) if wanted("incremental") or wanted("check") else None
        if wanted("serve"):
            serve_edit(table, folder)
        if wanted("check") and example and small:
            checks(table, small, example)
        if wanted("scaling"):
            scaling(table, folder, args.sizes)
        if (args.suite and args.only is None) or args.only == "suite":
            suite(table)


if __name__ == "__main__":
    main()
