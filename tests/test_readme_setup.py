"""The README's two set-up commands: each one line, for a fresh Debian or Ubuntu machine,
as root (no sudo there) and as a user with sudo; CI runs the test command exactly.

The commands are run by bash here with apt-get, sudo and python3 standing in as logging
scripts on PATH, so that what runs, in which order and as whom is read, not guessed."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import DEADLINE, REPO
from test_new import readme_command

BUILD_PACKAGES = {"python3-venv", "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0",
                  "fonts-liberation2", "fonts-dejavu-core"}
TEST_PACKAGES = BUILD_PACKAGES | {"chromium", "default-jre-headless", "poppler-utils"}

FAKES = {
    # Each logs its arguments (and whether sudo ran it) to $LOG, one line per call.
    "apt-get": 'echo "apt-get${SUDO_RAN:+ (sudo)} $*" >> "$LOG"',
    "sudo": 'echo "sudo $1" >> "$LOG"; SUDO_RAN=1 exec "$@"',
    "python3": ('echo "python3 $*" >> "$LOG"; mkdir -p .venv/bin\n'
                'for tool in pip kfh-site python; do printf \'#!/bin/sh\\necho "%s $*" >> "$LOG"\\n\' "$tool" '
                '> .venv/bin/$tool; chmod +x .venv/bin/$tool; done'),
}


def fake_machine(tmp_path: Path, with_sudo: bool) -> tuple[Path, dict[str, str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in FAKES.items():
        if name == "sudo" and not with_sudo:
            continue
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    for tool in ("sh", "env", "mkdir", "chmod", "printf", "echo", "dirname"):
        found = next((Path(d) / tool for d in ("/usr/bin", "/bin") if (Path(d) / tool).exists()), None)
        if found and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(found)
    clone = tmp_path / "any-name-for-the-clone"
    clone.mkdir()
    return clone, {"PATH": str(bin_dir), "LOG": str(tmp_path / "log"), "HOME": str(tmp_path)}


@pytest.mark.parametrize("heading, packages, last", [
    ("Set up and build the example site", BUILD_PACKAGES, "kfh-site build"),
    ("Run the tests", TEST_PACKAGES, "python -m pytest"),
])
@pytest.mark.parametrize("with_sudo", [True, False], ids=["user with sudo", "root"])
def test_one_line_does_all_the_set_up_as_root_or_with_sudo(tmp_path, heading, packages, last, with_sudo):
    command = readme_command(heading)
    assert "\n" not in command
    clone, env = fake_machine(tmp_path, with_sudo)
    done = subprocess.run(["/bin/bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True,
                          timeout=DEADLINE)
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "log").read_text().splitlines()
    as_whom = " (sudo)" if with_sudo else ""
    assert (log[0] == "sudo env") is with_sudo
    apt = [line for line in log if line.startswith("apt-get")]
    assert apt[0] == f"apt-get{as_whom} update -q"
    installed = set(apt[1].split(" install -y -q ", 1)[1].split())
    assert installed == packages
    assert [line.split()[0] for line in log if not line.startswith(("apt-get", "sudo"))] == [
        "python3", "pip", last.split()[0]]
    assert log[-1].startswith(last)


def test_ci_runs_the_readmes_test_command_exactly_then_ruff_and_mypy():
    ci = (REPO / ".ci" / "run").read_text()
    lines = [line for line in ci.splitlines() if line.strip() and not line.startswith("#")]
    assert lines[:3] == ["set -euo pipefail", 'cd "$(dirname "$0")/.."', readme_command("Run the tests")]
    checks = lines[3:]   # nothing else installs or tests: only the code checks follow
    assert all(line.startswith((".venv/bin/ruff check ", ".venv/bin/mypy ")) for line in checks), checks
    assert ".venv/bin/ruff check kfh_site tests benchmarks scripts" in checks and ".venv/bin/mypy kfh_site" in checks


def test_the_readme_says_search_needs_the_site_served_and_explains_the_logo_box():
    readme = (REPO / "README.md").read_text()
    assert re.search(r"search works only when the site is served", readme, re.I) or \
        "it does need the site served over HTTP" in readme
    assert "on a small white box" in readme
    assert "opened from disk" in (REPO / "templates" / "assets" / "search.js").read_text()
    assert os.access(REPO / ".ci" / "run", os.R_OK)
