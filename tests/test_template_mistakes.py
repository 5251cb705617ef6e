"""A mistake in a template is named by the template that holds it and its line, in plain
words, never blamed on the template that includes or extends it."""

from __future__ import annotations

import shutil

import pytest
from conftest import REPO, make_project, run_cli


@pytest.mark.parametrize("template, line, mistake, expected", [
    ("base.html", 15, "{{ no_such_thing }}", "templates/base.html, line 15: no_such_thing is not defined"),
    ("_macros.html", 8, "{{ t.no_such_part }}", "templates/_macros.html, line 8: no_such_part is not defined"),
])
def test_a_mistake_names_its_own_template_and_line(tmp_path, capsys, template, line, mistake, expected):
    project = make_project(tmp_path / "project")
    shutil.rmtree(project / "templates")
    (project / "templates").mkdir()
    lines = (REPO / "templates" / template).read_text(encoding="utf-8").splitlines()
    lines[line - 1] += mistake
    (project / "templates" / template).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run_cli(project, "build", "--no-pdf") == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0].startswith(f"kfh-site: {expected}"), err
    assert "organisation.html" not in err and "Traceback" not in err
