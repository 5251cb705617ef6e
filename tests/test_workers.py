"""Pages rendered on several cores: the same bytes as on one, and a failure in a worker
is the same message as in the build's own process."""

from __future__ import annotations

import errno
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import DEADLINE, REPO, make_project, run_cli, tree_bytes

from benchmarks.synthetic import write_returns
from kfh_site.output.workers import map_on_cores
from kfh_site.output.write import BuildLock

ORGANISATIONS = 90  # with the area, index and content pages, several chunks of work for each worker


@pytest.fixture
def many(tmp_path: Path) -> Path:
    project = make_project(tmp_path / "project", with_data=False)
    write_returns(project / "data", ORGANISATIONS)
    return project


def _where(item: int) -> tuple[int, int]:
    return item * item, os.getpid()


_STARTED: list = []  # a barrier the forked workers inherit


def _where_once_both_started(item: int) -> tuple[int, int]:
    """Each worker waits for the other before its first item, so both take part however
    fast either is (a minute's wait at most, then the test fails rather than hangs)."""
    if os.getpid() not in _STARTED[1:]:
        _STARTED.append(os.getpid())
        _STARTED[0].wait(timeout=60)
    return _where(item)


def test_work_is_shared_between_processes_and_comes_back_in_order():
    _STARTED[:] = [multiprocessing.get_context("fork").Barrier(2)]
    results = map_on_cores(_where_once_both_started, list(range(40)), workers=2, chunk=4)
    assert [square for square, _ in results] == [i * i for i in range(40)]
    processes = {pid for _, pid in results}
    assert os.getpid() not in processes and len(processes) == 2


def test_a_little_work_stays_in_this_process():
    assert {pid for _, pid in map_on_cores(_where, list(range(5)), workers=2, chunk=4)} == {os.getpid()}


def test_one_process_and_two_make_the_same_site(many, tmp_path):
    assert run_cli(many, "build", "--no-pdf", "--jobs", "1", "--out", str(tmp_path / "one")) == 0
    assert run_cli(many, "build", "--no-pdf", "--jobs", "2", "--out", str(tmp_path / "two")) == 0
    one, two = tree_bytes(tmp_path / "one"), tree_bytes(tmp_path / "two")
    assert len([p for p in one if p.startswith("organisations/")]) == ORGANISATIONS + 1  # and the A to Z
    assert one == two


def test_a_page_workers_failed_write_is_a_message_and_the_old_build_stays(many, capsys, monkeypatch):
    assert run_cli(many, "build", "--no-pdf") == 0
    before = tree_bytes(many / "build")
    real_open = os.open
    parent = os.getpid()

    def full_disk_in_workers(path, flags, *args, **kwargs):
        if flags & os.O_CREAT and ".kfh-tmp-" in str(path) and os.getpid() != parent:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", full_disk_in_workers)
    assert run_cli(many, "build", "--no-pdf", "--clean", "--jobs", "2", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "kfh-site: could not write build/" in err and "the disk is full" in err
    assert tree_bytes(many / "build") == before
    assert not [p.name for p in many.iterdir() if ".kfh-tmp-" in p.name]


def test_a_template_mistake_met_in_a_worker_is_a_message(many, capsys):
    template = many / "templates" / "organisation.html"
    template.write_text(template.read_text().replace("{{ story.meta }}", "{{ story.no_such_thing }}"))
    assert run_cli(many, "build", "--no-pdf", "--jobs", "2") == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "templates/organisation.html" in err and "no_such_thing" in err
    assert not (many / "build").exists()


def _gone(pid: int) -> bool:
    """``pid`` has exited (a zombie no one has reaped yet counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def _wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


LOCK_THEN_FORK = """
import os, sys, time
from pathlib import Path
from kfh_site.output.write import BuildLock
BuildLock(Path(sys.argv[1])).__enter__()
child = os.fork()
if child == 0:
    os.close(1), os.close(2)  # the test reads this process's output to its end
    time.sleep(600)
    os._exit(0)
print(child, flush=True)
os._exit(0)  # the build process ends without unlocking; the process it forked lives on
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="watches processes through /proc (Linux)")
def test_a_forked_process_does_not_keep_the_build_lock(tmp_path):
    """A worker that outlives a killed build must not keep the next build waiting."""
    run = subprocess.run([sys.executable, "-c", LOCK_THEN_FORK, str(tmp_path / "build")],
                         capture_output=True, text=True, timeout=DEADLINE, cwd=REPO)
    assert run.returncode == 0, run.stderr
    child = int(run.stdout)
    try:
        assert not _gone(child)
        with BuildLock(tmp_path / "build"):
            pass
    finally:
        os.kill(child, signal.SIGKILL)


WORKERS_THAT_WAIT = """
import os, sys, time
from kfh_site.output.workers import map_on_cores
def wait(item):
    os.write(1, f"{os.getpid()}\\n".encode())  # one write: the two workers' lines never mix
    time.sleep(600)
map_on_cores(wait, list(range(4)), workers=2, chunk=1)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_workers_end_with_a_build_killed_on_its_own(tmp_path):
    """``kill -9`` of the build's process alone (not its group) ends its workers too."""
    build = subprocess.Popen([sys.executable, "-c", WORKERS_THAT_WAIT], stdout=subprocess.PIPE, text=True, cwd=REPO)
    workers = {int(build.stdout.readline()), int(build.stdout.readline())}
    try:
        assert len(workers) == 2 and not any(_gone(pid) for pid in workers)
        build.kill()
        build.wait(timeout=DEADLINE)
        _wait_until(lambda: all(_gone(pid) for pid in workers), f"workers {workers} outlived the build")
    finally:
        for pid in workers:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
