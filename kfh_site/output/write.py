"""The one writer: every output file goes through here.

A build writes into a fresh folder beside the output folder and swaps it in only when
everything succeeded, so a failed or killed build never leaves half a site behind.
Swapping replaces the whole folder, so before anything is touched ``check_output_folder``
makes sure that folder holds nothing but a previous build: never the project, its
sources or anyone's own files. Beside the output, ``.<name>.kfh-written`` lists every
file the last build wrote; nothing is added inside the published folder.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from kfh_site.errors import BuildLockedError, ContentError, OutputError, UnsafePathError
from kfh_site.output.cache import BuildCache

TMP_MARK = ".kfh-tmp-"
OLD_MARK = ".kfh-old-"
RECORD_MARK = ".kfh-written"
FOREIGN_SHOWN = 3       # foreign files named in the message
FOREIGN_LIMIT = 1000    # stop looking after this many: the folder is refused either way
# Files a file manager leaves in any folder it shows (Finder, Windows Explorer): nobody's
# work, so they do not stop a build from replacing a folder it built.
DISPOSABLE = {".DS_Store", "Thumbs.db", "desktop.ini"}


def safe_target(folder: Path, relative: str) -> Path:
    """``folder / relative``, refusing anything that escapes ``folder``."""
    target = folder / _checked(relative)
    if not target.resolve().is_relative_to(folder.resolve()):
        raise UnsafePathError(f"refusing to write {relative!r} outside the output folder")
    return target


def _checked(relative: str) -> str:
    """``relative`` if it is a plain relative path (no ``..``, no empty part, no
    backslash, not absolute); it names a file inside whatever folder it is joined to."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or not relative or any(p in ("..", "", ".") for p in relative.split("/")) \
            or "\\" in relative:
        raise UnsafePathError(f"refusing to write {relative!r} outside the output folder")
    return relative


_HELD_LOCKS: set[int] = set()  # this process's BuildLock handles; a forked child drops its copies


def _drop_locks_in_child() -> None:
    """A forked worker shares the build's open lock file, and an flock lasts while any
    copy is open: were a worker to outlive a killed build, it would keep the next build
    waiting. Closing (never unlocking) the copies leaves the lock to the build process."""
    for handle in _HELD_LOCKS:
        os.close(handle)
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_drop_locks_in_child)


class BuildLock:
    """An exclusive lock beside the output folder, so two builds never interleave. It is
    held by the build process alone, not by the workers it forks."""

    def __init__(self, output: Path):
        self.path = output.parent / f".{output.name}.kfh-lock"
        self._handle: int | None = None

    def __enter__(self) -> "BuildLock":
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise output_error(exc, self.path) from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(handle)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise BuildLockedError(
                    f"another kfh-site build is writing to {self.path.parent / self.path.name[1:-9]}; "
                    "wait for it to finish and try again"
                ) from None
            raise output_error(exc, self.path) from None
        self._handle = handle
        _HELD_LOCKS.add(handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._handle is not None:
            _HELD_LOCKS.discard(self._handle)
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            os.close(self._handle)
            self._handle = None


def leftovers(output: Path) -> Iterator[Path]:
    """Folders (and a half-written record) a killed build left beside ``output``."""
    if output.parent.is_dir():
        for path in output.parent.iterdir():
            if path.name.startswith((f".{output.name}{TMP_MARK}", f".{output.name}{OLD_MARK}",
                                     f".{output.name}{RECORD_MARK}.")):
                yield path


@dataclass(frozen=True)
class Unchanged:
    """A file the previous build made from the same inputs: linked into the new build
    without being made again. ``sha`` is its SHA-256."""

    sha: str


@dataclass(frozen=True)
class Written:
    """A file already in the fresh folder (a page worker put it there): written, or
    ``linked`` from the previous build, which held the same bytes. ``sha`` is its SHA-256."""

    sha: str
    linked: bool = False


@dataclass
class OutputPlan:
    """Every file a build will write and what made it, gathered stage by stage.

    A path can be taken once: two sources writing one path would leave whichever came
    last (a content file at ``assets/style.css`` replacing the site's stylesheet), so
    that is a ContentError naming both.
    """

    files: dict[str, bytes | Unchanged | Written] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    folders: dict[str, str] = field(default_factory=dict)  # folder path -> a file that needs it

    def add(self, files: Mapping[str, bytes | Unchanged | Written], source: str | Callable[[str], str]) -> None:
        """Add one stage's ``{path: bytes}``; ``source`` names what made each path."""
        for path in sorted(files):
            made_by = source(path) if callable(source) else source
            taken = self.sources.get(path)
            if taken is not None:
                first, second = sorted((taken, made_by))
                raise ContentError(f"{first} and {second} both make {path}: rename or move one of them")
            if path in self.folders:
                needs = self.folders[path]
                raise ContentError(
                    f"{made_by} makes a file {path}, where {self.sources[needs]} needs a folder for {needs}: "
                    "rename or move one of them")
            parents = [p.as_posix() for p in PurePosixPath(path).parents][:-1]
            for parent in parents:
                if parent in self.sources:
                    raise ContentError(
                        f"{self.sources[parent]} makes a file {parent}, where {made_by} needs a folder "
                        f"for {path}: rename or move one of them")
            for parent in parents:
                self.folders.setdefault(parent, path)
            self.files[path] = files[path]
            self.sources[path] = made_by


@dataclass(frozen=True)
class WriteReport:
    """What the writer did: every file's hash, and which were written rather than linked."""
    hashes: dict[str, str]      # every file: its SHA-256
    written: tuple[str, ...]    # the files whose bytes were written (the rest were linked)


class FreshFolder:
    """The folder a build writes into, beside the output folder, until it is swapped in.

    Made empty by this build (``mkdtemp``) and written only through ``write``, so it holds
    nothing but what the build put there: no link can lead out of it, and a path needs
    only its spelling checked. Removed if the build fails before the swap. Worker
    processes forked during the build write into it too.
    """

    def __init__(self, output: Path):
        self.output = output
        self.path = Path()
        self.swapped = False
        self._folders: set[str] = set()

    def __enter__(self) -> "FreshFolder":
        output = self.output
        try:
            recover(output)
            if output.exists() and not output.is_dir():
                raise OutputError(f"{shown(output)} is a file, not a folder: move or rename it, "
                                  "or choose another output folder with --out.")
            output.parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".{output.name}{TMP_MARK}", dir=output.parent))
            self.path.chmod(0o755)
        except OSError as exc:
            raise output_error(exc, output.parent) from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self.swapped:
            shutil.rmtree(self.path, ignore_errors=True)

    def target(self, relative: str) -> Path:
        """Where ``relative`` goes, its folder made: refuses a path that would leave the folder."""
        target = self.path / _checked(relative)
        folder = relative.rpartition("/")[0]
        if folder and folder not in self._folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        return target

    def put(self, relative: str, data: bytes, reusable: Callable[[str, str], bool] | None = None) -> Written:
        """Put one file in the folder: hard-linked from the previous build if that holds
        the same bytes there (``reusable(path, sha256)``), written otherwise. An
        operating-system error is an OutputError naming the file's output path."""
        sha = hashlib.sha256(data).hexdigest()
        if reusable and reusable(relative, sha):
            try:
                if _link(self.output / relative, self.target(relative)):
                    return Written(sha, linked=True)
            except OSError as exc:
                raise output_error(exc, self.output / relative, self.path, self.output) from None
        self._write(relative, data)
        return Written(sha)

    def _write(self, relative: str, data: bytes) -> None:
        try:
            target = self.target(relative)
            handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(handle, view):]
            finally:
                os.close(handle)
        except OSError as exc:
            raise output_error(exc, self.output / relative, self.path, self.output) from None


def write_site(output: Path, files: Mapping[str, bytes | Unchanged | Written],
               reusable: Callable[[str, str], bool] | None = None,
               before_swap: Callable[[Path, Mapping[str, str]], None] | None = None,
               fresh: FreshFolder | None = None) -> WriteReport:
    """Write every file into a fresh folder, then swap it in for ``output``.

    ``reusable(path, sha256)`` says the previous build holds these exact bytes at
    ``path``: that file is hard-linked into the fresh folder rather than written
    again, as is every ``Unchanged`` file; a ``Written`` file is in ``fresh`` already.
    ``before_swap(fresh, hashes)`` runs once every file is written, while the previous
    build is still in place (the cache is saved there, so that a failure leaves
    everything as it was). Call with the BuildLock held. Files are written in sorted
    order so that a build is reproducible down to the order of directory entries
    created. An operating-system error (disk full, no permission) is an OutputError
    naming the path; the previous build stays.
    """
    if fresh is None:
        with FreshFolder(output) as folder:
            return write_site(output, files, reusable, before_swap, folder)
    hashes: dict[str, str] = {}
    written: list[str] = []
    where = output
    try:
        for relative in sorted(files):
            data = files[relative]
            where = output / relative
            if isinstance(data, Unchanged):
                hashes[relative] = data.sha
                target = fresh.target(relative)
                if not _link(output / relative, target):
                    shutil.copy2(output / relative, target)
                continue
            if not isinstance(data, Written):
                data = fresh.put(relative, data, reusable)
            hashes[relative] = data.sha
            if not data.linked:
                written.append(relative)
        if before_swap:
            where = output.parent
            before_swap(fresh.path, hashes)
        # Until the swap is done either build may be in place: record both.
        where = record_path(output)
        write_record(output, set(hashes) | recorded_files(output))
        where = output
        swap_in(fresh.path, output)
        fresh.swapped = True
    except OSError as exc:
        raise output_error(exc, where, fresh.path, output) from None
    try:
        write_record(output, set(hashes))
    except OSError:
        pass  # the record written before the swap lists these files too
    return WriteReport(hashes, tuple(written))


def record_path(output: Path) -> Path:
    """Where the list of files the last build wrote is kept: beside the output, never in it."""
    return output.parent / f".{output.name}{RECORD_MARK}"


def write_record(output: Path, paths: Iterable[str]) -> None:
    """List the files kfh-site wrote, so a later build knows which files in the folder are its own."""
    record = record_path(output)
    temporary = record.with_name(f"{record.name}.{os.getpid()}")
    try:
        temporary.write_text(json.dumps({"files": sorted(paths)}, indent=0), encoding="utf-8")
        os.replace(temporary, record)
    finally:
        temporary.unlink(missing_ok=True)


def recorded_files(output: Path) -> set[str]:
    """Every file kfh-site says it wrote into ``output``: the record beside it, and the
    build cache's manifest (which builds before the record existed also left)."""
    found: set[str] = set(BuildCache.beside(output).previous_files)
    try:
        listed = json.loads(record_path(output).read_text(encoding="utf-8"))["files"]
        found.update(p for p in listed if isinstance(p, str))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return found


def check_output_folder(output: Path, root: Path, keep: Sequence[tuple[str, Path]],
                        sources: Sequence[tuple[str, Path]]) -> None:
    """Refuse an output folder the build would damage; touches nothing.

    A build replaces the whole output folder, so it must not be, or hold, the project
    folder or anything in ``keep`` (the config file, source folders, return files, the
    home folder), nor lie inside one of ``sources`` (content, data, templates), nor
    hold files that kfh-site did not write. Paths are resolved first, so a symbolic link
    pointing into the project is seen for what it is. ``keep`` and ``sources`` name each
    path for the message: ``("content/", path)``.
    """
    target = output.resolve()
    _refuse_project_folders(output, target, root, keep, sources)
    if os.path.ismount(target):
        raise OutputError(
            f"{shown(output)} is a mount point, and a build replaces the whole output folder, which cannot be "
            f"done to a mount point. Choose a folder inside it, such as {shown(output / 'site')} (--out DIR).")
    _refuse_a_file_on_the_way(output, target)
    if target.is_dir():
        _refuse_foreign_files(output, target)


def _refuse_project_folders(output: Path, target: Path, root: Path, keep: Sequence[tuple[str, Path]],
                            sources: Sequence[tuple[str, Path]]) -> None:
    choose = "Choose a new or empty folder for the site, such as build/ (--out DIR)"
    if _within(root, target):
        where = "the project folder" if _within(target, root) else "a folder above the project folder"
        raise OutputError(
            f"{shown(output)} is {where}: building there would replace kfh-site.toml, data/, content/ "
            f"and templates/ with the site. {choose}.")
    for name, path in keep:
        if _within(path, target):
            what = "is" if _within(target, path) else "holds"
            raise OutputError(f"{shown(output)} {what} {name}: a build replaces the whole output folder, "
                              f"so it would be deleted. {choose}.")
    for name, folder in sources:
        if _within(target, folder):
            raise OutputError(
                f"{shown(output)} is inside {name}: the site's files would be mixed with your own, and "
                f"a later build could read them as input. {choose}.")


def _refuse_a_file_on_the_way(output: Path, target: Path) -> None:
    """The output folder, or the nearest folder above it that exists, must be a folder."""
    for parent in (target, *target.parents):
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                if parent == target:
                    raise OutputError(f"{shown(output)} is a file, not a folder: move or rename it, "
                                      "or choose another output folder with --out.")
                raise OutputError(f"{shown(parent)} is a file, so the output folder {shown(output)} cannot "
                                  "be made inside it: move or rename the file, or choose another folder with --out.")
            break


def _refuse_foreign_files(output: Path, target: Path) -> None:
    foreign = foreign_files(target, recorded_files(target))
    if foreign:
        named = ", ".join(foreign[:FOREIGN_SHOWN])
        more = len(foreign) - FOREIGN_SHOWN
        if more > 0:
            named += f" and {more}{'+' if len(foreign) >= FOREIGN_LIMIT else ''} more"
        raise OutputError(
            f"{shown(output)} holds files kfh-site did not write ({named}), and a build replaces the "
            f"whole folder: move them elsewhere, or delete {shown(output)} if it is an old build, "
            "or choose another folder with --out.")


def foreign_files(folder: Path, recorded: set[str]) -> list[str]:
    """Files and links under ``folder`` (hidden ones too) that are not in ``recorded``,
    sorted; a folder that cannot be read counts as foreign."""
    found: list[str] = []

    def unreadable(error: OSError) -> None:
        if error.filename and Path(error.filename) != folder:
            found.append(Path(error.filename).relative_to(folder).as_posix() + "/")

    for top, dirs, names in os.walk(folder, onerror=unreadable):
        dirs.sort()
        base = Path(top)
        links = [d for d in dirs if (base / d).is_symlink()]
        for name in sorted(names + links):
            relative = (base / name).relative_to(folder).as_posix()
            if relative not in recorded and not _disposable(name, (*names, *dirs)):
                found.append(relative)
        if len(found) >= FOREIGN_LIMIT:
            break
    return sorted(found)


def _disposable(name: str, beside: Sequence[str]) -> bool:
    """A file manager's own file: ``.DS_Store``, ``Thumbs.db``, ``desktop.ini``, or the
    ``._NAME`` macOS keeps a file's attributes in, only where ``NAME`` is there too (a
    user may name a file ``._thesis.docx``; macOS never makes one alone)."""
    if name in DISPOSABLE:
        return True
    return name.startswith("._") and len(name) > 2 and name[2:] in beside


def _within(path: Path, folder: Path) -> bool:
    """``path`` is ``folder`` or lies inside it, however either is spelled: links are
    resolved, and a folder reached by a second name (a bind mount, a case-insensitive
    file system) is recognised by its device and inode."""
    path, folder = path.resolve(), folder.resolve()
    if path.is_relative_to(folder):
        return True
    try:
        identity = folder.stat()
    except OSError:
        return False
    for candidate in (path, *path.parents):
        try:
            if os.path.samestat(candidate.stat(), identity):
                return True
        except OSError:
            continue
    return False


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it
    (the current folder itself is named in full: "." says little in a message)."""
    try:
        relative = os.path.relpath(path)
    except (OSError, ValueError):
        return str(path)
    return str(path) if relative == "." or relative.startswith("..") else relative


_ADVICE = {
    errno.ENOSPC: "the disk is full. Free some space on it and build again",
    errno.EDQUOT: "your disk quota is used up. Free some space and build again",
    errno.EACCES: "permission denied. Choose a folder you may write to (--out DIR), or ask for write access",
    errno.EPERM: "the operating system does not allow it. Choose a folder you may write to (--out DIR)",
    errno.EROFS: "the disk is read-only. Choose a folder on another disk with --out DIR",
    errno.ENOTDIR: "a file is in the way where a folder must be. Move or rename that file",
    errno.EEXIST: "something is in the way there. Move or rename it",
    errno.EISDIR: "a folder is in the way where a file must be. Move or rename that folder",
    errno.ENOTEMPTY: "a folder is in the way there. Move or rename it",
    errno.ENAMETOOLONG: "the path is too long. Choose an output folder with a shorter path (--out DIR)",
}


def output_error(exc: OSError, path: Path, fresh: Path | None = None, output: Path | None = None) -> OutputError:
    """An operating-system error while writing, as a message naming the path and what to do.

    A path inside the fresh folder is shown as the output path it was to become.
    """
    name = Path(exc.filename) if isinstance(exc.filename, str) and exc.filename else path
    if fresh is not None and output is not None and name.is_relative_to(fresh):
        name = output / name.relative_to(fresh)
    advice = _ADVICE.get(exc.errno or 0, f"{exc.strerror or exc}")
    return OutputError(f"could not write {shown(name)}: {advice}.")


def _link(existing: Path, target: Path) -> bool:
    try:
        os.link(existing, target)
        return True
    except OSError:  # another filesystem, or links not allowed: write it instead
        return False


def swap_in(fresh: Path, output: Path) -> None:
    """Replace ``output`` with ``fresh``; the old folder is removed only afterwards.

    On Linux the two folders are exchanged in one atomic step (renameat2), so there
    is no moment at which ``output`` is missing. Elsewhere the old folder is moved
    aside first and put back by the next build if this one dies in between.
    """
    if not output.exists():
        os.rename(fresh, output)
        return
    if _exchange(fresh, output):
        shutil.rmtree(fresh, ignore_errors=True)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{output.name}{OLD_MARK}", dir=output.parent))
    os.rename(output, old / "build")
    os.rename(fresh, output)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def remove_leftovers(output: Path) -> None:
    """Everything a killed build left beside ``output``: its fresh folder, the old one set
    aside (put back if the output is missing), a half-written record, partial cache files.
    Called with the build lock held, so no running build's files are among them."""
    try:
        recover(output)
        BuildCache.beside(output, enabled=False).tidy()
    except OSError as exc:
        raise output_error(exc, output.parent) from None


def recover(output: Path) -> None:
    """Put back a build a killed swap left aside, then remove a killed build's leftovers."""
    for stale in sorted(leftovers(output)):
        kept = stale / "build"
        if not output.exists() and stale.name.startswith(f".{output.name}{OLD_MARK}") and kept.is_dir():
            os.rename(kept, output)
        if stale.is_dir() and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
