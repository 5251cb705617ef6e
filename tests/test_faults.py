"""Faults: a killed build, two builds at once, hostile names and paths."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from kfh_site.output import BuildLock, UnsafePathError, safe_target, write_site

from conftest import REPO, ROWS_2024, run_cli, tree_bytes, write_csv

SCRIPT = os.path.join(os.path.dirname(sys.executable), "kfh-site")


def start_build(project: Path) -> subprocess.Popen:
    # A session of its own, so the kill reaches the PDF workers too, as a killed terminal would.
    return subprocess.Popen([SCRIPT, "build", "--jobs", "2"], cwd=project, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def test_a_build_killed_at_any_moment_leaves_the_old_build_intact(project):
    assert run_cli(project, "build", "--no-pdf") == 0
    before = tree_bytes(project / "build")
    # The example's 247 organisations, so the build takes long enough to be killed
    # in each stage, and a build that got through would differ from the old one.
    shutil.rmtree(project / "data")
    shutil.copytree(REPO / "data", project / "data")
    for delay in (0.3, 1.5, 4.0):  # loading, rendering pages, rendering PDFs
        process = start_build(project)
        time.sleep(delay)
        assert process.poll() is None, "the build finished before it could be killed"
        kill(process)
        assert tree_bytes(project / "build") == before, f"build changed after a kill at {delay}s"
    # Kill again the moment the fresh folder appears, while files are being written. The
    # swap is one atomic exchange, so build/ is then the whole old build or, if the kill
    # landed just after the exchange, the whole new one: never a mixture.
    process = start_build(project)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if any(".kfh-tmp-" in p.name for p in project.iterdir()):
            kill(process)
            break
    else:
        process.wait(timeout=60)
    after_kill = tree_bytes(project / "build")
    if after_kill != before:
        assert run_cli(project, "build", "--clean", "--out", str(project.parent / "new")) == 0
        assert after_kill == tree_bytes(project.parent / "new")
    # The next build cleans up whatever the killed ones left and succeeds.
    assert run_cli(project, "build", "--no-pdf") == 0
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".build")) == [".build.kfh-cache", ".build.kfh-lock"]
    assert (project / "build" / "organisations" / "rj1.html").is_file()


def test_a_second_build_at_the_same_time_is_told_to_wait(project, capsys):
    with BuildLock(project / "build"):
        assert run_cli(project, "build", "--no-pdf") == 1
    err = capsys.readouterr().err
    assert "another kfh-site build is writing to" in err and "wait for it to finish" in err
    assert not (project / "build").exists()
    assert run_cli(project, "build", "--no-pdf") == 0  # the lock goes with the build that held it


@pytest.mark.parametrize("path", ["../outside.html", "/etc/passwd", "a/../../b.html", "", "a\\..\\b"])
def test_output_paths_cannot_leave_the_output_folder(tmp_path, path):
    with pytest.raises(UnsafePathError):
        safe_target(tmp_path, path)


def test_the_writer_refuses_a_bad_path_and_leaves_nothing_behind(tmp_path):
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "old.html").write_text("old")
    with pytest.raises(UnsafePathError):
        write_site(tmp_path / "build", {"index.html": b"new", "../escape.html": b"x"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build"]
    assert (tmp_path / "build" / "old.html").read_text() == "old"


def test_hostile_names_are_text_in_html_and_in_pdfs(project):
    hostile = '<script>alert(1)</script><img src=x onerror=alert(2)> "Trust" & Co'
    write_csv(project / "data" / "returns" / "2024-25.csv",
              ROWS_2024 + [["XSS1", hostile, "London", "<b>Acute</b>", "2024/25", "100", "1",
                            "", "", "", "", "", "", "", "", "", "", "", ""]])
    assert run_cli(project, "build") == 0
    for page in (project / "build").rglob("*.html"):
        html = page.read_text().replace('<script src="assets/search.js" defer></script>', "")  # search's own
        assert "<script" not in html and "onerror=alert" not in html.replace("onerror=alert(2)&gt;", ""), page
    org = (project / "build" / "organisations" / "xss1.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; &#34;Trust&#34; &amp; Co" in org
    text = " ".join(PdfReader(project / "build" / "pdf" / "organisations" / "xss1.pdf").pages[0].extract_text().split())
    assert '<script>alert(1)</script><img src=x onerror=alert(2)> "Trust" & Co' in text


def test_two_builds_started_together_one_waits_its_turn_and_the_build_is_whole(project, tmp_path):
    first = subprocess.Popen([SCRIPT, "build"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen([SCRIPT, "build"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    results = [(p.wait(timeout=300), p.stdout.read(), p.stderr.read()) for p in (first, second)]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    refused = next(err for code, _, err in results if code == 1)
    assert "another kfh-site build is writing to" in refused and "Traceback" not in refused
    assert run_cli(project, "build", "--clean", "--out", str(tmp_path / "clean")) == 0
    assert tree_bytes(project / "build") == tree_bytes(tmp_path / "clean")
