"""How long and how much memory validating one very large return takes.

Run:  .venv/bin/python benchmarks/large_return.py [ROWS]   (default 100,000)
Prints seconds and peak resident memory of a child process that only validates.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.synthetic import HEADER, org_rows  # noqa: E402


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.csv"
        import csv
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(org_rows(rows, "2024/25"))
        size = path.stat().st_size
        code = (
            "import sys, time; from pathlib import Path; sys.path.insert(0, %r)\n"
            "from kfh_site.returns import load_returns\n"
            "t = time.perf_counter(); r = load_returns([Path(%r)], Path(%r))\n"
            "print(f'{time.perf_counter() - t:.2f} {len(r.table)}')"
        ) % (str(ROOT), str(path), folder)
        started = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
        seconds, count = out.stdout.split()
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"rows: {int(count):,} ({size / 1024 / 1024:.1f} MB CSV)")
    print(f"validate: {float(seconds):.2f} s (process wall time {wall:.2f} s, with imports)")
    print(f"peak resident memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
