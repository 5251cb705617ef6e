"""kfh-site serve: a live preview that rebuilds on every edit and survives bad ones."""

from __future__ import annotations

import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

SCRIPT = os.path.join(os.path.dirname(sys.executable), "kfh-site")


class Preview:
    """``kfh-site serve`` running in a project, its output read line by line."""

    def __init__(self, project: Path):
        self.process = subprocess.Popen([SCRIPT, "serve", "--port", "0", "--no-pdf"], cwd=project,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        line = self.wait_for(r"^Serving (http://127\.0\.0\.1:\d+/kfh-report/)", timeout=60)
        self.url = re.match(r"^Serving (\S+)", line).group(1)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        pytest.fail(f"no line matching {pattern!r} within {timeout}s; output so far: {self.seen}")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def state(self) -> dict:
        host = self.url.split("/kfh-report/")[0]
        with urllib.request.urlopen(host + "/__kfh-site__/state", timeout=10) as response:
            return json.loads(response.read())

    def wait_state(self, check, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if check(state):
                return state
            time.sleep(0.2)
        pytest.fail(f"state never matched; last: {state}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)


@pytest.fixture
def preview(project):
    running = Preview(project)
    yield running
    running.stop()


def test_serve_builds_serves_under_the_base_path_and_rebuilds_after_an_edit(project, preview):
    status, page = preview.get("methodology.html")
    assert status == 200 and "<h1>Methodology</h1>" in page
    assert "__kfh-site__/state" in page  # the reload script, added as the page is served...
    assert "__kfh-site__" not in (project / "build" / "methodology.html").read_text()  # ...never written
    first = preview.state()["build"]
    methodology = project / "content" / "methodology.md"
    methodology.write_text(methodology.read_text() + "\nA sentence added while the preview runs.\n")
    preview.wait_for(r"^Built .* written")  # the page, and the search index that holds its words
    preview.wait_state(lambda s: s["build"] > first)
    assert "A sentence added while the preview runs." in preview.get("methodology.html")[1]


def test_a_bad_edit_shows_the_error_and_keeps_serving_the_last_good_build(project, preview):
    good = preview.get("organisations/bbb.html")[1]
    returns = project / "data" / "returns" / "2024-25.csv"
    original = returns.read_text()
    returns.write_text(original.replace("BBB,Beta Mental Health NHS Trust,London", "BBB,Beta Mental Health NHS Trust,Londn"))
    preview.wait_for(r"Build failed; still serving the previous build")
    preview.wait_for(r'column region: expected one of the seven NHS England regions, got "Londn"')
    state = preview.wait_state(lambda s: s["error"])
    assert "data/returns/2024-25.csv, row 3, column region" in state["error"]
    assert preview.get("organisations/bbb.html") == (200, good)
    returns.write_text(original)
    preview.wait_state(lambda s: not s["error"])


def test_requests_outside_the_base_path_and_missing_pages(preview):
    host = preview.url.split("/kfh-report/")[0]
    with urllib.request.urlopen(host + "/", timeout=10) as response:  # redirected to the base path
        assert response.url == preview.url
    status, page = preview.get("organisations/nowhere.html")
    assert status == 404 and "Page not found" in page
