"""A year in the report's title is not said twice, and a region's home page is headed
by the title the team chose."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import CONFIG, make_project, run_cli
from test_pdf import pdf_text

from kfh_site.project.new import new_project
from kfh_site.story.formatting import titled


@pytest.mark.parametrize("title, expected", [
    ("LKS annual report", "LKS annual report, 2024/25"),
    ("LKS annual report 2024/25", "LKS annual report 2024/25"),
    ("LKS annual report 2024-25", "LKS annual report 2024-25"),
    ("LKS annual report 2024–2025", "LKS annual report 2024–2025"),
    ("LKS annual report 2023/24", "LKS annual report 2023/24, 2024/25"),
])
def test_the_year_is_added_to_a_title_only_when_it_lacks_it(title, expected):
    assert titled(title, "2024/25") == expected


def h1(page) -> str:
    return re.sub(r"\s+", " ", re.search(r"<h1[^>]*>(.*?)</h1>", page.read_text(), re.S).group(1)).strip()


def test_a_title_holding_the_year_is_not_followed_by_it_again(tmp_path):
    config = CONFIG.replace('title = "Test report"', 'title = "LKS annual report 2024/25"')
    project = make_project(tmp_path / "project", config)
    assert run_cli(project, "build") == 0
    assert h1(project / "build" / "index.html") == "LKS annual report 2024/25"
    text = pdf_text(project / "build" / "pdf" / "england.pdf")
    assert "LKS annual report 2024/25" in text and "2024/25 2024/25" not in text and "2024/25, 2024/25" not in text


def test_a_regions_home_page_is_headed_by_its_title(tmp_path):
    folder = tmp_path / "london"
    new_project(folder, "London", "Our London library services", today=dt.date(2026, 11, 23))
    assert run_cli(folder, "build", "--no-pdf") == 0
    assert h1(folder / "build" / "index.html") == "Our London library services, 2025/26"
