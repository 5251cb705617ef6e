"""How long a command takes and what it uses: wall-clock seconds, the CPU seconds of it
and every process it starts, and its peak memory, summed over those processes.

CPU seconds are those of every process the command started: the operating system's own
count for those it waited for (resource.getrusage), or, when more, the sum of what /proc
showed each descendant had used when last seen (Chromium does not wait for all of its
processes, which getrusage would then miss). Memory is sampled from /proc every
tenth of a second while the command runs (Linux): the sum of each process's proportional
set size (PSS), so pages a forked worker shares with its parent are counted once, split
between them, not once per process; a peak shorter than a tenth of a second may be missed.
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Measured:
    seconds: float
    cpu: float
    peak_mb: float | None      # None where /proc is not there to read
    returncode: int
    output: str


def process_tree(root: int) -> set[int]:
    """``root`` and its descendants, now."""
    parents: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        grew, tree = bool(more), tree | more
    return tree


def cpu_seconds(pid: int) -> float:
    """Processor seconds ``pid`` has used so far (user and system), from /proc."""
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return 0.0


def pss_mb(pid: int) -> float:
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0.0


def measure(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Measured:
    """Run ``command`` in ``cwd`` to the end, watching its processes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    peak = [0.0]
    seen: dict[int, float] = {}  # CPU seconds of each descendant, when last seen
    done = threading.Event()
    watching = PROC.joinpath("self", "smaps_rollup").exists()

    def watch() -> None:
        while not done.wait(0.1):
            tree = process_tree(process.pid)
            peak[0] = max(peak[0], sum(pss_mb(pid) for pid in tree))
            seen.update({pid: cpu_seconds(pid) for pid in tree})

    watcher = threading.Thread(target=watch, daemon=True)
    if watching:
        watcher.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    if watching:
        watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = max(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, sum(seen.values()))
    return Measured(seconds, cpu, peak[0] if watching else None, process.returncode, output)
