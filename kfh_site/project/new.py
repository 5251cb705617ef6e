"""``kfh-site new FOLDER``: a working report project a team can build at once and then
make its own: a commented kfh-site.toml, the starter content pages and templates, a
small illustrative return and a README for the team.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
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
    for name in ("content", "templates"):
        source = starter_folder(name)
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                target = folder / name / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
                written.append(target)
    files = {
        CONFIG_NAME: config_text(title, scope, year, today),
        f"data/returns/{year.replace('/', '-')}.csv": example_return(scope, [previous, year]),
        "README.md": team_readme(title, year),
        ".gitignore": "/build/\n/.build.*\n.venv/\n__pycache__/\n",
    }
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def config_text(title: str, scope: str, year: str, today: dt.date) -> str:
    """The project's kfh-site.toml: every setting a team is likely to change, documented as
    the README documents it (both come from the one table in config.py)."""
    values = {"title": title, "publisher": "Your library and knowledge services team", "base_url": "/",
              "report_year": year, "published": today, "illustrative_data": True,
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


def team_readme(title: str, year: str) -> str:
    return f'''# {title}

This folder is a kfh-site report project: it turns the library and knowledge services
statistics returns in `data/` and the pages in `content/` into an accessible website and
a PDF infographic for every organisation and area.

## Build it

With kfh-site installed (see kfh-site's README), in this folder:

```sh
kfh-site build          # the site and PDFs into build/
kfh-site serve          # a live preview at http://127.0.0.1:8000/, rebuilt on every edit
kfh-site check          # links, headings, PDFs and accessibility, before you publish
```

## Make it yours

1. Put your returns (CSV or XLSX, one row per organisation per year) in `data/` and
   delete the made-up `data/returns/{year.replace('/', '-')}.csv`; set
   `illustrative_data = false` in `kfh-site.toml`. `kfh-site template return.xlsx`
   writes a blank return for services to fill in, and `kfh-site validate` checks
   returns and lists every problem with its row and column.
2. Edit `kfh-site.toml`: the title, publisher, `base_url` (where the site will be served)
   and, if you like, a `[theme]` with your accent colour and logo.
3. Edit or add Markdown pages in `content/` (a `title` is all a page needs). Change the
   templates in `templates/` only if you must: any you delete are taken from kfh-site.

## Publish it

`build/` is a static site for any host (GitHub Pages, GitLab Pages, a web server), at the
root or a sub-path. Set `base_url` to its address, build, check, and upload `build/`.
'''
