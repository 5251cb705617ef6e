"""[contact]: how readers reach the team, in the footer and the accessibility statement; a
statement written from what the build knows, with its review date; check warns without it."""

from __future__ import annotations

from conftest import CONFIG, make_project, run_cli
from test_site import text_of

CONTACT = CONFIG + '\n[contact]\nemail = "lks@example.nhs.uk"\nphone = "020 7946 0000"\naddress = "1 Example Street, Leeds"\n'


def test_the_contact_is_in_every_footer_and_the_accessibility_statement(tmp_path):
    project = make_project(tmp_path / "project", CONTACT)
    (project / "content" / "accessibility.md").unlink(missing_ok=True)
    assert run_cli(project, "build", "--no-pdf") == 0
    for page in ("index.html", "data.html", "organisations/aaa1.html"):
        html = (project / "build" / page).read_text()
        assert 'href="mailto:lks@example.nhs.uk"' in html and "020 7946 0000" in html, page
    statement = text_of(project / "build" / "accessibility.html")
    assert "email: lks@example.nhs.uk" in statement and "telephone: 020 7946 0000" in statement
    assert "post: 1 Example Street, Leeds" in statement
    assert "It was last reviewed on 23 November 2026" in statement
    non_accessible = statement.rsplit("Non-accessible content", 1)[1].rsplit("Preparation of", 1)[0]
    assert "scroll sideways inside their own box" in non_accessible
    assert "PDF" not in non_accessible          # no PDFs were made, so none is described


def test_the_statement_says_which_pdf_charts_have_a_table_beside_them(tmp_path):
    project = make_project(tmp_path / "project", CONTACT)
    (project / "content" / "accessibility.md").unlink(missing_ok=True)
    assert run_cli(project, "build") == 0
    statement = text_of(project / "build" / "accessibility.html")
    assert "only the trend chart has a table of its numbers beside it" in statement
    assert "a table of the same numbers follows it" not in statement


def test_check_warns_when_there_is_no_contact(tmp_path, capsys):
    project = make_project(tmp_path / "project")
    assert run_cli(project, "build", "--no-pdf") == 0
    capsys.readouterr()
    run_cli(project, "check", "--no-browser")
    assert "Warning: kfh-site.toml has no [contact] email" in capsys.readouterr().out
    (project / "kfh-site.toml").write_text(CONTACT)
    assert run_cli(project, "build", "--no-pdf") == 0
    capsys.readouterr()
    run_cli(project, "check", "--no-browser")
    assert "[contact]" not in capsys.readouterr().out


def test_an_email_that_is_not_one_is_refused(tmp_path, capsys):
    project = make_project(tmp_path / "project", CONFIG + '\n[contact]\nemail = "the library"\n')
    assert run_cli(project, "build", "--no-pdf") == 1
    assert "key 'contact.email': expected an email address" in capsys.readouterr().err
