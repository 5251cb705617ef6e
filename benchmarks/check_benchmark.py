"""How long ``kfh-site check`` (axe-core in Chromium included) takes: a 25-organisation
synthetic project and the repository's example, each built with PDFs into a temporary
folder, then checked three times: the first check, a second one where nothing changed,
and one with --all.

Run from the repository:
    .venv/bin/python benchmarks/check_benchmark.py
    .venv/bin/python benchmarks/check_benchmark.py --only synthetic

seconds: the whole command, as a user waits for it. CPU: the seconds of processor time
it and every process it started (Chromium's included) used; on a machine shared with
other work the seconds grow with the load, the CPU much less.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.site_benchmark import make_project  # noqa: E402

KFH_SITE = Path(sys.executable).parent / "kfh-site"


def process_tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds used so far by ``root`` and each of its descendants (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    parents, used = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        grew, tree = bool(more), tree | more
    return {pid: used[pid] for pid in tree if pid in used}


def timed(command: list[str], cwd: Path) -> tuple[float, float | None, str]:
    """Run ``command``; its wall-clock seconds, CPU seconds (None off Linux) and output."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen: dict[int, float] = {}
    done = threading.Event()

    def watch() -> None:  # processes that end are not waited for by Chromium: sample them while they run
        while not done.wait(0.1):
            seen.update(process_tree_cpu(process.pid))

    watcher = threading.Thread(target=watch, daemon=True) if Path("/proc/self/stat").exists() else None
    if watcher:
        watcher.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    if watcher:
        watcher.join()
    return seconds, (sum(seen.values()) if watcher else None), output


def build(project: Path, *args: str) -> None:
    result = subprocess.run([str(KFH_SITE), "build", *args], cwd=project, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stdout + result.stderr)


def counts(site: Path) -> tuple[int, int]:
    return len(list(site.rglob("*.html"))), len(list(site.rglob("*.pdf")))


def check_rows(name: str, project: Path, site: Path, base_url: str) -> None:
    pages, pdfs = counts(site)
    print(f"{name}: {pages} pages, {pdfs} PDFs", flush=True)
    command = [str(KFH_SITE), "check", str(site), "--base-url", base_url]
    for scenario, extra in (("first check", []), ("again, nothing changed", []), ("again with --all", ["--all"])):
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        seconds, cpu, output = timed(command + extra, project)
        verdict = output.rstrip().splitlines()[-1] if output.strip() else "(no output)"
        unchanged = next((line for line in output.splitlines() if line.startswith("Unchanged since")), "")
        skipped = unchanged.split(":", 1)[1].split("(")[0].strip() if unchanged else "none skipped"
        print(f"  {scenario:<26}{seconds:>8.1f}{(f'{cpu:.1f}' if cpu is not None else '-'):>8}{load:>7.1f}"
              f"  {skipped}; {verdict}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["synthetic", "example"], help="one of the two projects")
    parser.add_argument("--organisations", type=int, default=25, help="size of the synthetic project")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"  {'scenario':<26}{'seconds':>8}{'CPU':>8}{'load':>7}  (load: the 1-minute load average before it)")
    with tempfile.TemporaryDirectory() as folder:
        if args.only in (None, "synthetic"):
            project = make_project(Path(folder) / "synthetic", args.organisations)
            build(project)
            check_rows(f"synthetic, {args.organisations} organisations", project, project / "build",
                       "https://example.github.io/kfh-report/")
        if args.only in (None, "example"):
            site = Path(folder) / "example-build"
            build(ROOT, "--out", str(site))
            check_rows("repository example", ROOT, site, "https://example.github.io/kfh-report/")
            shutil.rmtree(site.parent / f".{site.name}.kfh-check", ignore_errors=True)


if __name__ == "__main__":
    main()
