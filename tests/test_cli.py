"""The command line as a user meets it: messages, exit codes, no tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import DEADLINE, ROWS_2024, run_cli, write_csv


def test_validate_prints_a_summary_and_exits_0(project, capsys):
    assert run_cli(project, "validate") == 0
    assert capsys.readouterr().out == "OK: 5 organisations, 2 years (2023/24, 2024/25), 3 regions, 2 files\n"


def test_validate_given_paths_lists_every_problem_and_exits_1(project, capsys):
    bad = write_csv(project / "incoming" / "bad.csv", [ROWS_2024[0][:5] + ["-5"] + ROWS_2024[0][6:],
                                                       ["", "", "London"] + ROWS_2024[1][3:]])
    assert run_cli(project, "validate", str(bad.relative_to(project))) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [
        'kfh-site: incoming/bad.csv, row 2, column nhs_staff_wte: expected a number greater than 0, got "-5"',
        "incoming/bad.csv, row 3, column org_code: expected an ODS code of 3 to 6 letters and digits, got a blank cell (this column is required)",
        "incoming/bad.csv, row 3, column org_name: expected the organisation name, got a blank cell (this column is required)",
        "3 problems found in the return data.",
    ]


def test_usage_errors_exit_2(project, capsys):
    assert run_cli(project, "build", "--no-such-option") == 2
    assert run_cli(project) == 2


def test_missing_config_is_a_user_error(tmp_path, capsys):
    assert run_cli(tmp_path, "build") == 1
    assert "no kfh-site.toml here" in capsys.readouterr().err


def test_python_dash_m_and_the_console_script_both_run(project):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, "-m", "kfh_site", "validate"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=DEADLINE)
    assert result.returncode == 0 and result.stdout.startswith("OK: 5 organisations")
    script = os.path.join(os.path.dirname(sys.executable), "kfh-site")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=DEADLINE)
    assert result.returncode == 0 and result.stdout.startswith("kfh-site ")


def test_a_bad_build_from_the_shell_shows_no_traceback(project):
    write_csv(project / "data" / "returns" / "bad.csv", [ROWS_2024[0][:2] + ["Narnia"] + ROWS_2024[0][3:]])
    script = os.path.join(os.path.dirname(sys.executable), "kfh-site")
    result = subprocess.run([script, "build", "--no-pdf"], cwd=project, capture_output=True, text=True, timeout=DEADLINE)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "data/returns/bad.csv, row 2, column region: expected one of the seven NHS England regions" in result.stderr
    assert not (project / "build").exists()


def test_a_build_outside_a_terminal_prints_one_summary_line_and_nothing_else(project):
    script = os.path.join(os.path.dirname(sys.executable), "kfh-site")
    result = subprocess.run([script, "build"], cwd=project, capture_output=True, text=True, timeout=DEADLINE,
                            env={k: v for k, v in os.environ.items() if k != "CI"})
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines() == [
        "Built 62 files for 5 organisations (2024/25, 9 PDFs) into build; 62 written, 0 unchanged."]


def test_build_says_clearly_when_harfbuzz_subsetting_is_missing(project, capsys, monkeypatch):
    import kfh_site.pdf.jobs
    monkeypatch.setattr(kfh_site.pdf.jobs, "harfbuzz_subset_available", lambda: False)
    assert run_cli(project, "build", monkeypatch=monkeypatch) == 0
    err = capsys.readouterr().err
    assert "libharfbuzz-subset is not installed, so PDFs are made about four times slower" in err
    assert "sudo apt-get install libharfbuzz-subset0" in err
    assert run_cli(project, "build", "--no-pdf", monkeypatch=monkeypatch) == 0
    assert "harfbuzz" not in capsys.readouterr().err  # no PDFs, no warning


def test_a_build_without_pdfs_says_so_in_its_summary(project, capsys):
    assert run_cli(project, "build", "--no-pdf") == 0
    assert capsys.readouterr().out.splitlines() == [
        "Built 53 files for 5 organisations (2024/25, no PDFs: --no-pdf) into build; 53 written, 0 unchanged."]


def test_a_port_out_of_range_is_a_usage_error(project, capsys):
    assert run_cli(project, "serve", "--port", "70000") == 2
    assert "must be a port number from 0 to 65535" in capsys.readouterr().err
