"""kfh-site serve: a live preview that rebuilds on every edit and survives bad ones."""

from __future__ import annotations

import json
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import DEADLINE, run_cli, tree_bytes

SCRIPT = os.path.join(os.path.dirname(sys.executable), "kfh-site")


class Preview:
    """``kfh-site serve`` running in a project, its output read line by line. Its
    temporary folders go into ``temp`` so the test can see them come and go."""

    def __init__(self, project: Path, temp: Path, options: tuple[str, ...] = ("--no-pdf",),
                 url: str = r"http://127\.0\.0\.1:\d+/kfh-report/"):
        temp.mkdir(exist_ok=True)
        self.temp = temp
        self.process = subprocess.Popen([SCRIPT, "serve", "--port", "0", *options], cwd=project,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        env={**os.environ, "TMPDIR": str(temp)})
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        line = self.wait_for(rf"^Serving ({url})", timeout=DEADLINE)
        self.url = re.match(r"^Serving (\S+)", line).group(1)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = DEADLINE) -> str:
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
        status, body, _kind = self.get_bytes(path)
        return status, body.decode()

    def get_bytes(self, path: str) -> tuple[int, bytes, str]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=DEADLINE) as response:
                return response.status, response.read(), response.headers["Content-Type"]
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers["Content-Type"]

    def state(self) -> dict:
        host = re.match(r"http://[^/]+", self.url).group()
        with urllib.request.urlopen(host + "/__kfh-site__/state", timeout=DEADLINE) as response:
            return json.loads(response.read())

    def wait_state(self, check, timeout: float = DEADLINE) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if check(state):
                return state
            time.sleep(0.2)
        pytest.fail(f"state never matched; last: {state}")

    def site(self) -> Path:
        """The folder the preview is built in: serve's own, never build/."""
        (folder,) = self.temp.glob("kfh-site-preview-*")
        return folder / "site"

    def stop(self) -> int | None:
        """Stop as a service manager would (SIGTERM); the output left unread goes to ``seen``."""
        self.process.terminate()
        try:
            code: int | None = self.process.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=DEADLINE)
            code = None
        self.reader.join(timeout=DEADLINE)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return code


@pytest.fixture
def preview(project, tmp_path):
    running = Preview(project, tmp_path / "temp")
    yield running
    running.stop()


def test_serve_builds_serves_under_the_base_path_and_rebuilds_after_an_edit(project, preview):
    status, page = preview.get("methodology.html")
    assert status == 200 and "<h1>Methodology</h1>" in page
    assert "__kfh-site__/state" in page  # the reload script, added as the page is served...
    assert "__kfh-site__" not in (preview.site() / "methodology.html").read_text()  # ...never written
    assert not (project / "build").exists()  # and the preview is not the folder you publish
    first = preview.state()["build"]
    methodology = project / "content" / "methodology.md"
    methodology.write_text(methodology.read_text() + "\nA sentence added while the preview runs.\n")
    # The page, and the search index that holds its words.
    preview.wait_for(r"^Built .* \(2024/25, no PDFs: --no-pdf\) into the preview; \d+ written")
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
    with urllib.request.urlopen(host + "/", timeout=DEADLINE) as response:  # redirected to the base path
        assert response.url == preview.url
    status, page = preview.get("organisations/nowhere.html")
    assert status == 404 and "Page not found" in page


def test_serve_leaves_build_byte_identical_and_removes_its_own_folder(built_with_pdfs, tmp_path):
    """A preview without PDFs must not strip the PDFs from the folder you publish."""
    project = built_with_pdfs
    beside = sorted(p.name for p in project.iterdir() if p.name.startswith(".build"))
    before = tree_bytes(project / "build")
    assert any(name.endswith(".pdf") for name in before)
    temp = tmp_path / "temp"
    running = Preview(project, temp)
    try:
        methodology = project / "content" / "methodology.md"
        methodology.write_text(methodology.read_text() + "\nA sentence added while the preview runs.\n")
        running.wait_for(r"^Built .* into the preview; \d+ written")  # the page and the search index
        assert "A sentence added" in running.get("methodology.html")[1]
        assert running.site().is_dir()
    finally:
        code = running.stop()
    assert code == 0 and running.seen[-1] == "Stopped."
    assert tree_bytes(project / "build") == before
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".build")) == beside
    assert list(temp.iterdir()) == []  # the preview's folder went with it


def test_a_busy_port_is_a_one_line_message_before_anything_is_built(project, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([SCRIPT, "serve", "--port", str(port), "--no-pdf"], cwd=project,
                                capture_output=True, text=True, timeout=DEADLINE,
                                env={**os.environ, "TMPDIR": str(tmp_path)})
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (
        f"kfh-site: port {port} on 127.0.0.1 is already in use (another kfh-site serve or web server?): "
        "stop it, or choose another port with --port N (--port 0 picks a free one)\n")
    assert not (project / "build").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("kfh-site-preview-")] == []


def test_a_project_broken_at_start_is_served_as_its_error_until_an_edit_fixes_it(project, tmp_path):
    """Issue 17: serve used to stop at once; now it starts, every page says why the project
    did not build, and the first edit that fixes it shows the site."""
    returns = project / "data" / "returns" / "2024-25.csv"
    original = returns.read_text()
    returns.write_text(original.replace("Beta Mental Health NHS Trust,London", "Beta Mental Health NHS Trust,Londn"))
    running = Preview(project, tmp_path / "temp")
    try:
        assert any('column region: expected one of the seven NHS England regions, got "Londn"' in line
                   for line in running.seen), running.seen
        status, page = running.get("organisations/bbb.html")
        assert status == 503 and "The project did not build" in page and "got &quot;Londn&quot;" in page
        assert "__kfh-site__/state" in page  # it reloads once fixed
        returns.write_text(original)
        running.wait_state(lambda s: s["build"] > 0 and not s["error"])
        assert running.get("organisations/bbb.html")[0] == 200
    finally:
        assert running.stop() == 0
    assert "Traceback" not in "\n".join(running.seen)
    assert [p.name for p in (tmp_path / "temp").iterdir()] == []


def test_a_config_broken_at_start_is_served_as_its_error(project, tmp_path):
    config = project / "kfh-site.toml"
    good = config.read_text()
    config.write_text(good + "abbreviations = {NHS = 5}\n")
    running = Preview(project, tmp_path / "temp", url=r"http://127\.0\.0\.1:\d+/")
    try:
        status, page = running.get("index.html")
        assert status == 503 and "expected a string, got 5" in page
        config.write_text(good)
        running.wait_state(lambda s: s["build"] > 0 and not s["error"])
        assert running.get("index.html")[0] == 200  # links are relative: the site works from /
    finally:
        assert running.stop() == 0


def test_serve_makes_each_pdf_when_it_is_asked_for_the_same_as_build(project, tmp_path):
    """Issue 20: serve made every PDF on every edit (24 s for a one-row edit of the
    example). Its builds now plan the PDFs and make none; each is rendered when the browser
    asks for it, byte for byte the PDF kfh-site build makes, before and after an edit."""
    assert run_cli(project, "build") == 0
    built = project / "build" / "pdf" / "organisations"
    running = Preview(project, tmp_path / "temp", options=())
    try:
        assert any(re.match(r"^Built \d+ files for 5 organisations \(2024/25, 9 PDFs made when opened\) into the preview",
                            line) for line in running.seen), running.seen
        assert not list(running.site().rglob("*.pdf"))  # the preview's build made none
        status, page = running.get("organisations/ccc.html")
        assert status == 200
        assert '<a href="../pdf/organisations/ccc.pdf">Download the PDF (A4)</a>' in page  # its size is not known
        status, pdf, kind = running.get_bytes("pdf/organisations/ccc.pdf")
        assert (status, kind) == (200, "application/pdf")
        assert pdf == (built / "ccc.pdf").read_bytes()
        assert running.get_bytes("pdf/organisations/ccc.pdf")[1] == pdf  # kept, the same
        assert running.get_bytes("pdf/organisations/nowhere.pdf")[0] == 404
        # A data edit: the next PDF asked for is made from the new figures.
        first = running.state()["build"]
        returns = project / "data" / "returns" / "2024-25.csv"
        returns.write_text(returns.read_text().replace("CCC,Gamma Community NHS Trust,North West,Community,2024/25,5000",
                                                       "CCC,Gamma Community NHS Trust,North West,Community,2024/25,6100"))
        running.wait_state(lambda s: s["build"] > first)
        status, edited, _kind = running.get_bytes("pdf/organisations/ccc.pdf")
        assert status == 200 and edited != pdf
    finally:
        assert running.stop() == 0
    assert run_cli(project, "build") == 0
    assert edited == (built / "ccc.pdf").read_bytes()



# --- issue 17: serve never dies of an input, and answers only its own address

@pytest.mark.parametrize("edit", [
    ("templates/base.html", "<head>", "<head>{{ 1/0 }}", "templates/base.html, line 3: ZeroDivisionError"),
    ("templates/base.html", "<head>", '<head>{{ "x" + 1 }}', "TypeError: can only concatenate str"),
    ("data/returns/2024-25.csv", ",5000,", ",1e308,", "expected at most 200,000 for one organisation"),
    ("content/methodology.md", "title: Methodology", "title: &t Methodology\nnav_title: *t", "anchors (&name)"),
])
def test_a_rebuild_that_fails_in_any_way_keeps_the_last_good_build(project, preview, edit):
    name, old, new, message = edit
    good = preview.get("organisations/ccc.html")
    path = project / name
    original = path.read_text()
    assert old in original
    path.write_text(original.replace(old, new, 1))
    preview.wait_for(r"Build failed; still serving the previous build")
    state = preview.wait_state(lambda s: s["error"])
    assert message in state["error"], state
    assert preview.get("organisations/ccc.html") == good
    path.write_text(original)
    preview.wait_state(lambda s: not s["error"])
    assert preview.process.poll() is None
    assert "Traceback" not in "\n".join(preview.seen)


def raw_request(url: str, request: bytes) -> bytes:
    port = int(re.match(r"http://127\.0\.0\.1:(\d+)", url).group(1))
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_odd_paths_are_bad_requests_and_the_server_carries_on(preview):
    port = re.match(r"http://127\.0\.0\.1:(\d+)", preview.url).group(1)
    for path in (b"/%00", b"/kfh-report/%00.html", b"/kfh-report/a%0ab.html", b"/kfh-report/%ff%fe.html",
                 b"/kfh-report/" + b"a" * 5000 + b".html", b"kfh-report/index.html"):
        answer = raw_request(preview.url, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1:" + port.encode()
                             + b"\r\nConnection: close\r\n\r\n")
        assert answer.split(b"\r\n", 1)[0] in (b"HTTP/1.0 400 Bad request", b"HTTP/1.0 400 Bad Request"), (path, answer[:200])
    assert preview.get("methodology.html")[0] == 200


def test_only_requests_for_the_printed_address_are_answered(preview):
    """A page on another site that points its own name at 127.0.0.1 (DNS rebinding) sends
    that name as the Host: refused, so it cannot read the preview."""
    port = re.match(r"http://127\.0\.0\.1:(\d+)", preview.url).group(1)
    for host in (b"evil.example:" + port.encode(), b"localhost:" + port.encode(), b"127.0.0.1", b""):
        answer = raw_request(preview.url, b"GET /kfh-report/methodology.html HTTP/1.1\r\nHost: " + host
                             + b"\r\nConnection: close\r\n\r\n")
        assert answer.startswith(b"HTTP/1.0 421"), (host, answer[:100])
        assert b"Methodology" not in answer
    answer = raw_request(preview.url, b"GET /kfh-report/methodology.html HTTP/1.1\r\nHost: 127.0.0.1:" + port.encode()
                         + b"\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 200") and b"<h1>Methodology</h1>" in answer


def test_a_browser_that_goes_away_mid_answer_is_no_news(preview):
    port = int(re.match(r"http://127\.0\.0\.1:(\d+)", preview.url).group(1))
    for _ in range(20):
        connection = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        connection.sendall(f"GET /kfh-report/search/pagefind/pagefind.js HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
                           .encode())
        connection.close()  # a reset, before the answer is read
    assert preview.get("methodology.html")[0] == 200
    assert preview.stop() == 0
    output = "\n".join(preview.seen)
    assert "Traceback" not in output and "BrokenPipe" not in output and "ConnectionReset" not in output, output


def test_a_link_to_the_root_does_not_send_the_watch_through_the_file_system(project, preview):
    first = preview.state()["build"]
    (project / "content" / "r").symlink_to("/")
    state = preview.wait_state(lambda s: s["error"])
    assert "content/r is a link to /, outside content/" in state["error"], state
    assert preview.process.poll() is None
    (project / "content" / "r").unlink()
    preview.wait_state(lambda s: not s["error"] and s["build"] > first)
    output = "\n".join(preview.seen)
    assert "PermissionError" not in output and "/proc" not in output and "Traceback" not in output


def test_ctrl_c_stops_serve_quietly(preview):
    import signal

    preview.process.send_signal(signal.SIGINT)
    assert preview.process.wait(timeout=DEADLINE) == 0
    preview.reader.join(timeout=DEADLINE)
    while not preview.lines.empty():
        preview.seen.append(preview.lines.get())
    assert preview.seen[-1] == "Stopped."
    assert not any("KeyboardInterrupt" in line or "Traceback" in line for line in preview.seen), preview.seen


def test_a_link_to_the_root_there_when_serve_starts_is_its_error_not_a_walk_of_the_file_system(project, tmp_path):
    (project / "content" / "r").symlink_to("/")
    running = Preview(project, tmp_path / "temp")
    try:
        status, page = running.get("index.html")
        assert status == 503 and "content/r is a link to /, outside content/" in page
        (project / "content" / "r").unlink()
        running.wait_state(lambda s: s["build"] > 0 and not s["error"])
        assert running.get("index.html")[0] == 200
    finally:
        assert running.stop() == 0
    output = "\n".join(running.seen)
    assert "PermissionError" not in output and "/proc" not in output and "Traceback" not in output, output
