"""The output folder is replaced whole by every build, so kfh-site refuses one that holds
anything but its own previous build; and the operating system's refusals (disk full, no
permission, a file in the way) are messages, never tracebacks or half-written sites."""

from __future__ import annotations

import ctypes
import errno
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import DEADLINE, run_cli, tree_bytes

from kfh_site.cli import main as cli_main
from kfh_site.errors import ContentError
from kfh_site.output.write import OutputPlan

SCRIPT = os.path.join(os.path.dirname(sys.executable), "kfh-site")


def snapshot(folder: Path) -> dict[str, object]:
    """Every file, folder and link under ``folder``, hidden ones too, with its bytes."""
    found: dict[str, object] = {}
    for top, dirs, names in os.walk(folder):
        for name in dirs + names:
            path = Path(top) / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[relative] = ("link", os.readlink(path))
            elif path.is_dir():
                found[relative] = ("folder",)
            else:
                found[relative] = path.read_bytes()
    return found


def kfh_names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if ".kfh-" in p.name}


def refused(project: Path, out: str, capsys) -> str:
    """Build with ``--out out``: refused, exit 1, nothing anywhere near changed."""
    before = snapshot(project.parent)
    assert run_cli(project, "build", "--no-pdf", "--out", out) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert snapshot(project.parent) == before  # not a byte, not a lock, cache or temporary folder
    return err


@pytest.mark.parametrize("out, says", [
    (".", "is the project folder: building there would replace kfh-site.toml, data/, content/ and templates/"),
    ("PROJECT", "is the project folder"),
    ("..", "is a folder above the project folder"),
    ("content", "content is the content folder (content/): a build replaces the whole output folder"),
    ("data", "data is the data folder (data/)"),
    ("templates", "templates is the templates folder (templates/)"),
    ("content/site", "content/site is inside the content folder (content/)"),
    ("data/returns/site", "data/returns/site is inside the data folder (data/)"),
    ("templates/assets", "templates/assets is inside the templates folder (templates/)"),
    ("data/returns/2024-25.csv", "is the return file data/returns/2024-25.csv"),
])
def test_an_output_folder_that_is_or_holds_the_project_is_refused_and_nothing_is_touched(built, capsys, out, says):
    out = str(built) if out == "PROJECT" else out
    err = refused(built, out, capsys)
    assert says in err
    assert "Choose a new or empty folder for the site, such as build/ (--out DIR)" in err
    assert "Nothing was built; the previous build is unchanged." in err


def test_the_filesystem_root_and_the_home_folder_are_refused(project, capsys):
    for out, says in (("/", "/ is a folder above the project folder"),
                      (str(Path.home()), f"{Path.home()} is your home folder")):
        root_before, home_before = kfh_names(Path("/")), kfh_names(Path.home())
        assert says in refused(project, out, capsys)
        assert kfh_names(Path("/")) == root_before and kfh_names(Path.home()) == home_before


def test_a_project_never_built_is_left_exactly_as_it_was(project, capsys):
    refused(project, ".", capsys)
    assert not any(p.name.startswith(".") for p in project.parent.iterdir())


def test_docs_with_a_file_in_it_is_refused_and_the_file_kept(built, capsys):
    contract = built / "docs" / "data-contract.md"
    contract.parent.mkdir()
    contract.write_text("# The data contract\n")
    err = refused(built, "docs", capsys)
    assert ("docs holds files kfh-site did not write (data-contract.md), and a build replaces the whole "
            "folder: move them elsewhere, or delete docs if it is an old build") in err
    assert contract.read_text() == "# The data contract\n"


def test_a_folder_with_someones_notes_is_refused_naming_a_few_of_them(built, capsys):
    notes = built.parent / "notes"
    for name in ("minutes.txt", ".hidden", "2024/plan.docx", "2024/budget.xlsx", "z.txt"):
        (notes / name).parent.mkdir(parents=True, exist_ok=True)
        (notes / name).write_text("mine")
    err = refused(built, str(notes), capsys)
    assert f"{notes} holds files kfh-site did not write (.hidden, 2024/budget.xlsx, 2024/plan.docx and 2 more)" in err


def test_links_pointing_into_the_project_do_not_fool_the_check(built, capsys):
    (built.parent / "alias").symlink_to(built)
    (built / "pages").symlink_to(built / "content")
    assert "is the project folder" in refused(built, str(built.parent / "alias"), capsys)
    assert "is the content folder" in refused(built, "pages", capsys)
    assert "is inside the content folder" in refused(built, "pages/site", capsys)


def test_a_link_inside_the_output_folder_counts_as_someone_elses_file(built, capsys):
    (built / "build" / "shared").symlink_to(built / "content")
    assert "build holds files kfh-site did not write (shared)" in refused(built, "build", capsys)
    assert (built / "content" / "methodology.md").is_file()


def test_rebuilding_into_the_previous_build_and_into_an_empty_folder_works(built, capsys):
    methodology = built / "content" / "methodology.md"
    methodology.write_text(methodology.read_text() + "\nOne more sentence.\n")
    assert run_cli(built, "build", "--no-pdf") == 0
    assert "One more sentence." in (built / "build" / "methodology.html").read_text()
    (built / "docs").mkdir()
    assert run_cli(built, "build", "--no-pdf", "--out", "docs") == 0
    assert run_cli(built, "build", "--no-pdf", "--out", "docs", "--clean") == 0
    assert tree_bytes(built / "docs") == tree_bytes(built / "build")
    assert not (built / "docs" / ".docs.kfh-written").exists()  # the record sits beside the site, not in it
    assert (built / ".docs.kfh-written").is_file()


def test_files_a_file_manager_leaves_do_not_stop_a_rebuild(built):
    """Looking at build/ in Finder or Windows Explorer leaves files there; they are nobody's work."""
    for name in (".DS_Store", "organisations/.DS_Store", "Thumbs.db", "desktop.ini", "._index.html"):
        (built / "build" / name).write_bytes(b"\0")
    assert run_cli(built, "build", "--no-pdf", "--clean") == 0
    assert not (built / "build" / ".DS_Store").exists()


def test_with_its_record_and_cache_deleted_a_previous_build_is_refused_with_what_to_do(built, capsys):
    (built / ".build.kfh-written").unlink()
    for cached in sorted((built / ".build.kfh-cache").rglob("*"), reverse=True):
        cached.rmdir() if cached.is_dir() else cached.unlink()
    (built / ".build.kfh-cache").rmdir()
    err = refused(built, "build", capsys)
    assert "build holds files kfh-site did not write (404.html, a-million-decisions.html, about-the-data.html and" in err
    assert "delete build if it is an old build" in err


def test_a_build_made_before_the_record_existed_is_accepted_from_the_cache(built):
    (built / ".build.kfh-written").unlink()
    (built / "content" / "methodology.md").write_text((built / "content" / "methodology.md").read_text() + "\nMore.\n")
    assert run_cli(built, "build", "--no-pdf") == 0
    assert (built / ".build.kfh-written").is_file()


def test_the_shell_sees_a_message_not_a_traceback(built):
    before = snapshot(built)
    result = subprocess.run([SCRIPT, "build", "--no-pdf", "--out", "."], cwd=built, capture_output=True,
                            text=True, timeout=DEADLINE)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith(f"kfh-site: {built} is the project folder") and "Traceback" not in result.stderr
    assert snapshot(built) == before


# --- the operating system says no ------------------------------------------------------------


def refuse_writes(monkeypatch, code: int, where: str = ".kfh-tmp-") -> None:
    """Make every write of a file under a path containing ``where`` fail with ``code``."""
    write_bytes, write_text = Path.write_bytes, Path.write_text

    def failing(original):
        def write(self, *args, **kwargs):
            if where in str(self):
                raise OSError(code, os.strerror(code), str(self))
            return original(self, *args, **kwargs)
        return write

    monkeypatch.setattr(Path, "write_bytes", failing(write_bytes))
    monkeypatch.setattr(Path, "write_text", failing(write_text))
    real_open = os.open

    def failing_open(path, flags, *args, **kwargs):  # the writer's own files, opened to be made
        if flags & os.O_CREAT and where in str(path):
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_open)


def assert_previous_build_intact(project: Path, before: dict[str, bytes], err: str) -> None:
    assert "Traceback" not in err
    assert "Nothing was built; the previous build is unchanged." in err
    assert tree_bytes(project / "build") == before
    assert not [p.name for p in project.iterdir() if ".kfh-tmp-" in p.name or ".kfh-old-" in p.name]


@pytest.mark.parametrize("code, says", [
    (errno.ENOSPC, "the disk is full. Free some space on it and build again."),
    (errno.EACCES, "permission denied. Choose a folder you may write to (--out DIR), or ask for write access."),
    (errno.EROFS, "the disk is read-only. Choose a folder on another disk with --out DIR."),
])
def test_a_write_the_system_refuses_is_a_message_and_the_old_build_stays(built, capsys, monkeypatch, code, says):
    before = tree_bytes(built / "build")
    refuse_writes(monkeypatch, code)
    assert run_cli(built, "build", "--no-pdf", "--clean", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    # Pages are written first, as they are rendered: the home page is the first file.
    assert f"kfh-site: could not write build/index.html: {says}" in err
    assert_previous_build_intact(built, before, err)


def test_a_full_disk_while_saving_the_cache_leaves_everything_as_it_was(built, capsys, monkeypatch):
    before = tree_bytes(built / "build")
    (built / "content" / "methodology.md").write_text((built / "content" / "methodology.md").read_text() + "\nMore.\n")
    refuse_writes(monkeypatch, errno.ENOSPC, where="manifest.json.")
    assert run_cli(built, "build", "--no-pdf", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert "could not write .build.kfh-cache/manifest.json." in err and "the disk is full" in err
    assert_previous_build_intact(built, before, err)
    monkeypatch.undo()
    assert run_cli(built, "build", "--no-pdf", monkeypatch=monkeypatch) == 0
    assert "More." in (built / "build" / "methodology.html").read_text()


def test_a_read_only_output_parent_is_a_message(built, capsys, monkeypatch):
    """Simulated (tests often run as root, whom chmod does not stop): the lock file and
    the temporary folder beside the output cannot be made."""
    before = tree_bytes(built / "build")
    real_open = os.open

    def read_only_open(path, flags, *args, **kwargs):
        if str(path).endswith(".kfh-lock"):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", read_only_open)
    assert run_cli(built, "build", "--no-pdf", "--clean", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert "kfh-site: could not write .build.kfh-lock: the disk is read-only." in err
    assert_previous_build_intact(built, before, err)
    monkeypatch.setattr(os, "open", real_open)

    def no_permission(*args, **kwargs):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(built))

    monkeypatch.setattr(tempfile, "mkdtemp", no_permission)
    assert run_cli(built, "build", "--no-pdf", "--clean", monkeypatch=monkeypatch) == 1
    err = capsys.readouterr().err
    assert f"kfh-site: could not write {built}: permission denied." in err
    assert_previous_build_intact(built, before, err)


CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2  # linux/capability.h: what lets root ignore permissions


def drop_permission_override() -> None:
    """Take from this process (when root) the capabilities that let it write where file
    permissions say no, so that a folder's permissions stop it as they stop anyone."""
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    libc = ctypes.CDLL(None, use_errno=True)
    header, data = Header(0x20080522, 0), (Data * 2)()  # _LINUX_CAPABILITY_VERSION_3
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    mask = ~((1 << CAP_DAC_OVERRIDE) | (1 << CAP_DAC_READ_SEARCH)) & 0xFFFFFFFF
    data[0].effective &= mask
    data[0].permitted &= mask
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def run_without_override(project: Path, *args: str) -> tuple[int, str]:
    """``kfh-site ARGS`` in ``project``, in a forked copy of this process whose permission
    override (root's) is dropped first; its exit code and what it wrote."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 99
        try:
            os.close(read)
            sys.stderr = sys.stdout = os.fdopen(write, "w")
            drop_permission_override()
            os.chdir(project)
            code = cli_main(list(args))
            sys.stderr.flush()
        except BaseException as exc:  # shown in the test's failure, not lost in the child
            print(f"child failed: {exc!r}", file=sys.stderr, flush=True)
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        said = pipe.read()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), said


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="drops root's override with Linux capabilities")
def test_a_really_read_only_output_parent_is_a_message(project):
    """A folder nobody may write to, for real, even when the tests run as root."""
    parent = project.parent / "readonly"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        code, err = run_without_override(project, "build", "--no-pdf", "--out", str(parent / "site"))
        assert code == 1, err
        assert "permission denied" in err and str(parent) in err and "Traceback" not in err
        assert list(parent.iterdir()) == []
    finally:
        parent.chmod(0o755)


def test_a_file_where_the_output_folder_must_go_is_a_message(project, capsys):
    (project / "build").write_text("not a folder")
    assert run_cli(project, "build", "--no-pdf") == 1
    assert ("kfh-site: build is a file, not a folder: move or rename it, or choose another output folder "
            "with --out.") in capsys.readouterr().err
    assert run_cli(project, "build", "--no-pdf", "--out", "build/site") == 1
    assert "build is a file, so the output folder build/site cannot be made inside it" in capsys.readouterr().err
    assert (project / "build").read_text() == "not a folder"
    assert not [p for p in project.iterdir() if ".kfh-" in p.name]


# --- one writer, one file at each path --------------------------------------------------------


def test_two_sources_making_one_path_is_an_error_naming_both(built, capsys):
    (built / "content" / "assets").mkdir()
    (built / "content" / "assets" / "style.css").write_text("body { color: red }")
    methodology = built / "content" / "methodology.md"
    methodology.write_text(methodology.read_text() + "\n![Our stylesheet](assets/style.css)\n")
    before = tree_bytes(built / "build")
    assert run_cli(built, "build", "--no-pdf") == 1
    err = capsys.readouterr().err
    assert ("kfh-site: content/assets/style.css and templates/assets/style.css both make assets/style.css: "
            "rename or move one of them") in err
    assert tree_bytes(built / "build") == before


def test_a_content_file_named_like_a_page_is_an_error_naming_both(built, capsys):
    (built / "content" / "index.html").write_bytes(b"GIF89a")
    methodology = built / "content" / "methodology.md"
    methodology.write_text(methodology.read_text() + "\n![A picture](index.html)\n")
    assert run_cli(built, "build", "--no-pdf") == 1
    assert "content/index.html and kfh-site's own page index.html both make index.html" in capsys.readouterr().err


def test_the_plan_refuses_a_file_where_another_output_needs_a_folder():
    plan = OutputPlan()
    plan.add({"downloads/figures.csv": b"x"}, "the open data downloads")
    with pytest.raises(ContentError, match="content/downloads makes a file downloads, where the open data "
                                           "downloads needs a folder for downloads/figures.csv"):
        plan.add({"downloads": b"y"}, "content/downloads")
    plan = OutputPlan()
    plan.add({"pdf": b"y"}, "content/pdf")
    with pytest.raises(ContentError, match="content/pdf makes a file pdf, where the PDF infographics needs a folder"):
        plan.add({"pdf/england.pdf": b"x"}, "the PDF infographics")
