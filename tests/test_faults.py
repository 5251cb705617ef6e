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
from conftest import DEADLINE, REPO, ROWS_2024, run_cli, tree_bytes, write_csv
from pypdf import PdfReader

from kfh_site.errors import UnsafePathError
from kfh_site.output.write import BuildLock, safe_target, write_site

SCRIPT = os.path.join(os.path.dirname(sys.executable), "kfh-site")


def start_build(project: Path) -> subprocess.Popen:
    # --clean: every attempt does the whole build (no cache shortcut), so each stage is
    # there to be caught. A session of its own, so the kill reaches the PDF workers too,
    # as a killed terminal would.
    return subprocess.Popen([SCRIPT, "build", "--jobs", "2", "--clean"], cwd=project, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kill(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=DEADLINE)


def wait_for(process: subprocess.Popen, observed, what: str) -> bool:
    """Poll ``observed(process)`` with short sleeps: True once it holds, False if the build
    ended first. The deadline is generous: a slow machine only waits longer."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        if observed(process):
            return True
        time.sleep(0.01)
    kill(process)
    pytest.fail(f"the build neither reached {what} nor ended within {DEADLINE} seconds")


def holds_lock(pid: int, lock: Path) -> bool:
    """The build holds its lock: it is past the output check, loading the returns."""
    try:
        return any(os.readlink(fd) == str(lock) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


def pdf_workers(pid: int) -> list[int]:
    """Child processes running the same program as ``pid``: the PDF worker pool."""
    try:
        program = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if parent == pid and (entry / "cmdline").read_bytes() == program:
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def files_being_written(project: Path) -> bool:
    """A fresh folder beside build/ already holds some of the new build's files."""
    for fresh in project.glob(".build.kfh-tmp-*"):
        for _top, _dirs, names in os.walk(fresh):
            if names:
                return True
    return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="watches the build through /proc (Linux)")
def test_a_build_killed_at_any_moment_leaves_the_old_build_intact(project, tmp_path):
    assert run_cli(project, "build", "--no-pdf") == 0
    old = tree_bytes(project / "build")
    # The example's 247 organisations, with PDFs: a build that got through differs from
    # the old one, so a mixture of the two would show.
    shutil.rmtree(project / "data")
    shutil.copytree(REPO / "data", project / "data")
    shutil.copytree(REPO / "data-sources", project / "data-sources")  # its NHS staff, joined by [workforce]
    with (project / "kfh-site.toml").open("a", encoding="utf-8") as config:
        config.write('\n[workforce]\nfile = "data-sources/example-workforce.csv"\nmonth = 12\n')
    new: dict[str, bytes] = {}

    def whole_new_build() -> dict[str, bytes]:
        if not new:
            assert run_cli(project, "build", "--clean", "--out", str(tmp_path / "new")) == 0
            new.update(tree_bytes(tmp_path / "new"))
        return new

    lock = project / ".build.kfh-lock"
    stages = {
        "loading the returns": lambda process: holds_lock(process.pid, lock),
        "rendering PDFs": lambda process: bool(pdf_workers(process.pid)),
        "writing files": lambda process: files_being_written(project),
    }
    for stage, observed in stages.items():
        before = tree_bytes(project / "build")
        process = start_build(project)
        if wait_for(process, observed, stage):
            kill(process)
        # The swap is one atomic exchange, so build/ is the whole old build or, had the
        # build got that far, the whole new one: never a mixture.
        after = tree_bytes(project / "build")
        assert after == before or after == whole_new_build(), f"build/ is a mixture after a kill while {stage}"
    # The next build cleans up whatever the killed ones left and succeeds.
    assert run_cli(project, "build", "--no-pdf") == 0
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".build")) == [
        ".build.kfh-cache", ".build.kfh-lock", ".build.kfh-written"]
    assert (project / "build" / "organisations" / "rj1.html").is_file()
    assert old != tree_bytes(project / "build")


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


def flock_held(pid: int, lock: Path) -> bool:
    """``pid`` holds the flock on ``lock``, as the kernel lists it in /proc/locks."""
    try:
        inode, locks = lock.stat().st_ino, Path("/proc/locks").read_text()
    except OSError:
        return False
    # "1: FLOCK  ADVISORY  WRITE 4242 00:1f:123456 0 EOF": kind, pid, device:inode.
    return any(fields[1:2] == ["FLOCK"] and fields[4:5] == [str(pid)] and fields[5].endswith(f":{inode}")
               for fields in (line.split() for line in locks.splitlines()) if len(fields) > 5)


@pytest.mark.skipif(not Path("/proc/locks").is_file(), reason="sees the lock through /proc (Linux)")
def test_two_builds_started_together_one_waits_its_turn_and_the_build_is_whole(project, tmp_path):
    """The second build starts while the first holds the lock. The first is paused there
    (SIGSTOP), so they meet however fast or slow either one starts on this machine."""
    first = subprocess.Popen([SCRIPT, "build"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert wait_for(first, lambda process: flock_held(process.pid, project / ".build.kfh-lock"), "its lock")
    os.kill(first.pid, signal.SIGSTOP)
    try:
        second = subprocess.Popen([SCRIPT, "build"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        second_result = (second.wait(timeout=DEADLINE), second.stdout.read(), second.stderr.read())
    finally:
        os.kill(first.pid, signal.SIGCONT)
    results = [(first.wait(timeout=DEADLINE), first.stdout.read(), first.stderr.read()), second_result]
    assert results[1][0] == 1, results  # the one that came second is the one refused
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    refused = next(err for code, _, err in results if code == 1)
    assert "another kfh-site build is writing to" in refused and "Traceback" not in refused
    assert run_cli(project, "build", "--clean", "--out", str(tmp_path / "clean")) == 0
    assert tree_bytes(project / "build") == tree_bytes(tmp_path / "clean")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_pdf_template_chart_without_a_text_alternative_is_a_message(project, capsys, jobs):
    """A template mistake found while tagging the PDFs, in a worker process or not."""
    template = project / "templates" / "infographic.html"
    html = template.read_text()
    # The charts' text alternative: the alt of their images, dropped.
    unlabelled = html.replace(' alt="{{ c.description }}"', "")
    assert unlabelled.count("c.description") == html.count("c.description") - 1
    template.write_text(unlabelled)
    assert run_cli(project, "build", "--jobs", jobs) == 1
    err = capsys.readouterr().err
    assert err.startswith("kfh-site: templates/infographic.html: every chart or image in the PDF infographics "
                          "needs a text alternative (aria-label on the svg, alt on an img)")
    assert "\n  pdf/england.pdf: a figure at " in err and "has no text alternative" in err
    assert "and 4 more PDFs" in err  # nine PDFs, five named
    assert "Traceback" not in err and not (project / "build").exists()
