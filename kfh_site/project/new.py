"""``kfh-site new FOLDER``: a working report project a team can build at once and then
make its own: a commented kfh-site.toml, the starter content pages, a small illustrative
return, a templates/ folder that says how to override one template, and a README for
the team.

Nothing it writes may become untrue once the team's real returns are in: no templates
are copied (kfh-site's own are used, so later fixes reach the project), the About the
data page is not copied (the build writes it from the settings and the data), and the
report year is left to the data.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shlex
import shutil
import sys
from pathlib import Path

from kfh_site.config import CONFIG_NAME, starter_toml
from kfh_site.domain import ENGLAND
from kfh_site.errors import KfhError
from kfh_site.project_files import starter_folder
from kfh_site.returns.contract import COLUMNS, REGIONS

# A handful of made-up services, one of each kind, so the first build shows every part of
# the report; their figures are illustrative and say so.
EXAMPLES = (
    ("Acute", "Hospitals NHS Foundation Trust", 9800.0, 6.8),
    ("Mental health", "Mental Health NHS Trust", 4100.0, 2.4),
    ("Community", "Community Health NHS Trust", 2600.0, 2.2),
    ("Ambulance", "Ambulance Service NHS Trust", 4300.0, 0.0),
    ("Integrated care board", "Integrated Care Board", 620.0, 0.6),
)


NOT_COPIED = ("about-the-data.md",)
"""Starter pages a project does not get: the build writes its About the data page from the
settings and the data (html/about.py), so that it never says what is no longer true."""

TEMPLATES_README = """# Templates

kfh-site lays out every page and PDF with its own templates, so a fix to them reaches this
project when kfh-site is upgraded. To change one, copy that file from kfh-site's
`templates/` folder into this folder and edit the copy: a file here replaces kfh-site's
file of the same name, and every other template is still kfh-site's. Delete your copy to
go back to kfh-site's.

Assets work the same way: `assets/site.css` here replaces kfh-site's stylesheet. A logo
and an accent colour need no template: set them under `[theme]` in `kfh-site.toml`.
"""


def financial_year(on: dt.date) -> str:
    """The last whole financial year before ``on`` (April to March): ``2024/25``."""
    start = on.year - 2 if on.month < 4 else on.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def new_project(folder: Path, scope: str = ENGLAND, title: str = "", today: dt.date | None = None) -> list[Path]:
    """Write the project; refuse a folder that holds anything already (nothing is
    overwritten). Returns the files written."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise KfhError(f"{folder}: the folder is not empty; kfh-site new writes a project only into a new or "
                       "empty folder, so that nothing of yours is overwritten")
    today = today or dt.date.today()
    year = financial_year(today)
    previous = f"{int(year[:4]) - 1}/{year[2:4]}"
    area = scope if scope != ENGLAND else "England"
    title = title or f"NHS library and knowledge services in {area}"
    written: list[Path] = []
    folder.mkdir(parents=True, exist_ok=True)
    source = starter_folder("content")
    for path in sorted(source.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.name not in NOT_COPIED:
            target = folder / "content" / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            written.append(target)
    files = {
        CONFIG_NAME: config_text(title, scope, today),
        f"data/returns/{year.replace('/', '-')}.csv": example_return(scope, [previous, year]),
        "templates/README.md": TEMPLATES_README,
        "README.md": team_readme(title, year, kfh_site_command()),
        ".gitignore": "/build/\n/.build.*\n.venv/\n__pycache__/\n",
    }
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def config_text(title: str, scope: str, today: dt.date) -> str:
    """The project's kfh-site.toml: every setting a team is likely to change, documented as
    the README documents it (both come from the one table in config.py). No report_year:
    the pages report the latest year the data holds unless the team sets one."""
    values = {"title": title, "publisher": "Your library and knowledge services team", "base_url": "/",
              "published": today, "illustrative_data": True,
              "recommended_ratio": 1250, "baseline_ratio": 1730, "scope": scope}
    return ("# kfh-site settings for this report. Paths are relative to this file.\n"
            "# Every key is described in kfh-site's README, \"Settings: kfh-site.toml\".\n"
            "# The example return in data/ is made up, so illustrative_data is true: set it to\n"
            "# false once data/ holds your real returns.\n\n" + starter_toml(values))


def example_return(scope: str, years: list[str]) -> str:
    """A small made-up return over two years, in the contract's columns."""
    regions = [scope] if scope != ENGLAND else list(REGIONS[:3])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in COLUMNS])
    number = 0
    for region in regions:
        for org_type, suffix, staff, qualified in EXAMPLES:
            number += 1
            code = f"EX{number:03d}"
            name = f"Example {region} {suffix}".replace("Example England ", "Example ")
            for index, year in enumerate(years):
                growth = 0.97 if index == 0 else 1.0
                q = max(0.0, qualified - (0.4 if index == 0 and qualified else 0.0))
                values = {
                    "org_code": code, "org_name": name, "region": region, "org_type": org_type, "year": year,
                    "nhs_staff_wte": f"{staff * growth:.2f}", "qualified_lks_wte": f"{q:.1f}",
                    "other_lks_wte": f"{q * 0.8:.1f}", "clinical_librarian_wte": "0.0",
                    "knowledge_manager_wte": "0.0",
                    "literature_searches": str(round(max(q, 0.3) * 90)),
                    "training_sessions": str(round(max(q, 0.3) * 35)),
                    "people_trained": str(round(max(q, 0.3) * 280)),
                }
                writer.writerow([values.get(c.name, "") for c in COLUMNS])
    return out.getvalue()


def kfh_site_command() -> str:
    """How to run this kfh-site from any folder: plain ``kfh-site`` when that is the one on
    PATH, else the full path of the one running now (a venv's, which set-up never puts
    on PATH)."""
    running = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if running is None or running.name != "kfh-site" or not running.is_file():
        running = Path(sys.executable).parent / "kfh-site"
    on_path = shutil.which("kfh-site")
    if on_path and Path(on_path).resolve() == running.resolve():
        return "kfh-site"
    return shlex.quote(str(running)) if running.is_file() else "kfh-site"


def team_readme(title: str, year: str, command: str = "kfh-site") -> str:
    """The new project's README: how the team builds, checks and publishes its report."""
    on_path = "" if command == "kfh-site" else f'''
`{command}` is the kfh-site these commands run; it works from any folder. To type plain
`kfh-site` instead, put its folder on your PATH (add the line to `~/.bashrc` to keep it):

```sh
export PATH={shlex.quote(os.path.dirname(shlex.split(command)[0]))}:"$PATH"
```
'''
    return f'''# {title}

This folder is a kfh-site report project: it turns the library and knowledge services
statistics returns in `data/` and the pages in `content/` into an accessible website and
a PDF infographic for every organisation and area.

## Build it

In this folder:

```sh
{command} build          # the site and PDFs into build/
{command} serve          # a live preview at http://127.0.0.1:8000/, rebuilt on every edit
{command} check          # links, headings, PDFs and accessibility, before you publish
```
{on_path}
## Make it yours

1. Put your returns (CSV or XLSX, one row per organisation per year) in `data/` and
   delete the made-up `data/returns/{year.replace('/', '-')}.csv`; set
   `illustrative_data = false` in `kfh-site.toml`. `{command} template return.xlsx`
   writes a blank return for services to fill in, and `{command} validate` checks
   returns and lists every problem with its row and column. The pages report the
   latest year in the data; set `report_year` to report an earlier one.
2. Edit `kfh-site.toml`: the title, publisher, `base_url` (where the site will be served)
   and, if you like, a `[theme]` with your accent colour and logo.
3. Edit or add Markdown pages in `content/` (a `title` is all a page needs). The About
   the data page is written by kfh-site from your settings and data (whether the figures
   are illustrative, the years they cover, your data credit); add
   `content/about-the-data.md` to write your own instead. To change how pages look, see
   `templates/README.md`.

## Publish it

`build/` is a static site for any host (GitHub Pages, GitLab Pages, a web server), at the
root or a sub-path. Set `base_url` to its address, build, check, and upload `build/`.
'''
