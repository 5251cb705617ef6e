"""Pages rendered on several cores: the same bytes as on one, and a failure in a worker
is the same message as in the build's own process."""

from __future__ import annotations

import errno
import multiprocessing
import os
from pathlib import Path

import pytest

from benchmarks.synthetic import write_returns
from conftest import make_project, run_cli, tree_bytes
from kfh_site.workers import map_on_cores

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
