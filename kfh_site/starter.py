"""The starter project that ships with kfh-site: its templates and content pages.

In a source checkout (the usual, editable install) they are the repository's own
``templates/`` and ``content/``, which also build the example report; in an installed
wheel they are packaged as ``kfh_site/starter/`` (pyproject.toml maps them there). A
project's own ``templates/`` folder overrides the starter's file by file, so a team
keeps only the templates it changed.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def starter_folder(name: str) -> Path:
    """``templates`` or ``content`` of the starter project."""
    packaged = PACKAGE / "starter" / name
    if packaged.is_dir():
        return packaged
    return PACKAGE.parent / name
