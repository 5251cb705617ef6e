"""The files of a project folder that a build may read and publish.

A build copies and renders what it finds under content/, templates/ and data/. A link
there could publish anything the build's user can read (``/proc/self/environ`` holds CI's
secrets), so every file is resolved first and must lie inside the folder it was found in;
a device, pipe or socket is refused too, since reading one can hang or never end.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kfh_site.errors import ProjectFileError


def files_in(folder: Path, root: Path) -> list[Path]:
    """Every regular file below ``folder`` (as found, not resolved), in a stable order.

    Every link that leads outside ``folder`` and every special file is named in one error,
    so a user fixes them all at once. A link to a folder inside it is not followed (its
    files are found where they really are), which also keeps a link loop finite.
    """
    if not folder.is_dir():
        return []
    base = folder.resolve()
    found: list[Path] = []
    problems: list[str] = []
    for top, dirs, names in os.walk(folder):
        here = Path(top)
        for name in sorted(dirs):
            path = here / name
            if path.is_symlink():
                dirs.remove(name)
                problem = _outside(path, base, root)
                if problem:
                    problems.append(problem)
        for name in names:
            path = here / name
            problem = _outside(path, base, root) or _special(path, root)
            if problem:
                problems.append(problem)
            else:
                found.append(path)
    if problems:
        raise ProjectFileError("\n".join(sorted(problems)))
    return sorted(found)


def checked_file(path: Path, folder: Path, root: Path) -> Path:
    """``path`` when it is a regular file that lies inside ``folder`` once resolved."""
    problem = _outside(path, folder.resolve(), root) or _special(path, root)
    if problem:
        raise ProjectFileError(problem)
    return path


def _outside(path: Path, base: Path, root: Path) -> str | None:
    target = path.resolve()
    if target.is_relative_to(base):
        return None
    return (f"{_shown(path, root)} is a link to {target}, outside {_shown(base, root)}/; kfh-site publishes only "
            f"files inside the project, so copy the file into {_shown(base, root)}/ instead of linking to it")


def _special(path: Path, root: Path) -> str | None:
    try:
        mode = path.stat().st_mode
    except OSError as error:
        return f"{_shown(path, root)} cannot be read: {error.strerror or error}"
    if stat.S_ISREG(mode):
        return None
    return (f"{_shown(path, root)} is not an ordinary file (a device, pipe or socket); "
            "kfh-site reads only ordinary files: remove it from the project")


def _shown(path: Path, root: Path) -> str:
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return str(path)


# The starter project that ships with kfh-site: in a source checkout (the usual, editable
# install) its templates and content are the repository's own templates/ and content/; in
# a wheel they are packaged as kfh_site/starter/ (pyproject.toml maps them there).

PACKAGE = Path(__file__).resolve().parent


def starter_folder(name: str) -> Path:
    """``templates`` or ``content`` of the starter project."""
    packaged = PACKAGE / "starter" / name
    if packaged.is_dir():
        return packaged
    return PACKAGE.parent / name
