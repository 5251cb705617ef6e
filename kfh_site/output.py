"""The one writer: every output file goes through here.

A build writes into a fresh folder beside the output folder and swaps it in only when
everything succeeded, so a failed or killed build never leaves half a site behind.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterator, Mapping

from kfh_site.errors import BuildLockedError, KfhError

TMP_MARK = ".kfh-tmp-"
OLD_MARK = ".kfh-old-"


class UnsafePathError(Exception):
    """An output path that would land outside the build folder: a bug, never user input."""


def safe_target(folder: Path, relative: str) -> Path:
    """``folder / relative``, refusing anything that escapes ``folder``."""
    pure = PurePosixPath(relative)
    if pure.is_absolute() or not relative or any(p in ("..", "") for p in pure.parts) or "\\" in relative:
        raise UnsafePathError(f"refusing to write {relative!r} outside the output folder")
    target = folder.joinpath(*pure.parts)
    if not target.resolve().is_relative_to(folder.resolve()):
        raise UnsafePathError(f"refusing to write {relative!r} outside the output folder")
    return target


class BuildLock:
    """An exclusive lock beside the output folder, so two builds never interleave."""

    def __init__(self, output: Path):
        self.path = output.parent / f".{output.name}.kfh-lock"
        self._handle: int | None = None

    def __enter__(self) -> "BuildLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(handle)
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise BuildLockedError(
                    f"another kfh-site build is writing to {self.path.parent / self.path.name[1:-9]}; "
                    "wait for it to finish and try again"
                ) from None
            raise
        self._handle = handle
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._handle is not None:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            os.close(self._handle)
            self._handle = None


def leftovers(output: Path) -> Iterator[Path]:
    """Folders a killed build left beside ``output``."""
    if output.parent.is_dir():
        for path in output.parent.iterdir():
            if path.name.startswith((f".{output.name}{TMP_MARK}", f".{output.name}{OLD_MARK}")):
                yield path


@dataclass(frozen=True)
class Unchanged:
    """A file the previous build made from the same inputs: linked into the new build
    without being made again. ``sha`` is its SHA-256."""

    sha: str


@dataclass(frozen=True)
class WriteReport:
    hashes: dict[str, str]      # every file: its SHA-256
    written: tuple[str, ...]    # the files whose bytes were written (the rest were linked)


def write_site(output: Path, files: Mapping[str, bytes | Unchanged],
               reusable: Callable[[str, str], bool] | None = None) -> WriteReport:
    """Write every file into a fresh folder, then swap it in for ``output``.

    ``reusable(path, sha256)`` says the previous build holds these exact bytes at
    ``path``: that file is hard-linked into the fresh folder rather than written
    again, as is every ``Unchanged`` file. Call with the BuildLock held. Files are written in sorted order so that a
    build is reproducible down to the order of directory entries created.
    """
    recover(output)
    if output.exists() and not output.is_dir():
        raise KfhError(f"{output}: the output path exists and is not a folder")
    output.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{output.name}{TMP_MARK}", dir=output.parent))
    hashes: dict[str, str] = {}
    written: list[str] = []
    try:
        fresh.chmod(0o755)
        for relative in sorted(files):
            target = safe_target(fresh, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            data = files[relative]
            if isinstance(data, Unchanged):
                hashes[relative] = data.sha
                if not _link(output / relative, target):
                    shutil.copy2(output / relative, target)
                continue
            hashes[relative] = digest = hashlib.sha256(data).hexdigest()
            if not (reusable and reusable(relative, digest) and _link(output / relative, target)):
                target.write_bytes(data)
                written.append(relative)
        swap_in(fresh, output)
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    return WriteReport(hashes, tuple(written))


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


def recover(output: Path) -> None:
    """Put back a build a killed swap left aside, then remove a killed build's leftovers."""
    for stale in sorted(leftovers(output)):
        kept = stale / "build"
        if not output.exists() and stale.name.startswith(f".{output.name}{OLD_MARK}") and kept.is_dir():
            os.rename(kept, output)
        shutil.rmtree(stale, ignore_errors=True)
