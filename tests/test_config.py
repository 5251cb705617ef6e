"""kfh-site.toml: every key checked, unknown keys named with a suggestion."""

from pathlib import Path

import pytest

from kfh_site.config import load_config
from kfh_site.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kfh-site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_and_paths_relative_to_the_config_file(tmp_path):
    config = load_config(write(tmp_path, 'title = "T"\n[paths]\noutput = "public"\n'))
    assert config.recommended_ratio == 1250 and config.baseline_ratio == 1730
    assert config.paths.output == (tmp_path / "public").resolve()
    assert config.paths.data == (tmp_path / "data").resolve()
    assert config.base_path == "/"


def test_a_mistyped_key_is_named_with_the_closest_known_key(tmp_path):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, "recomended_ratio = 1250\n[paths]\ntemplate = 'x'\n"))
    message = str(caught.value)
    assert "unknown key 'recomended_ratio'; did you mean 'recommended_ratio'?" in message
    assert "unknown key 'paths.template'; did you mean 'paths.templates'?" in message


@pytest.mark.parametrize("line, expected", [
    ("recommended_ratio = 'many'", "key 'recommended_ratio': expected int or float, got 'many'"),
    ("baseline_ratio = 0", "key 'baseline_ratio': expected a number of NHS staff per qualified WTE from 1 to 100,000, got 0"),
    ("illustrative_data = 'yes'", "key 'illustrative_data': expected bool, got 'yes'"),
    ("report_year = '2024-25'", "key 'report_year': expected a year like \"2024/25\", got '2024-25'"),
    ("base_url = 'example.org/x'", "key 'base_url': expected a path such as"),
    ("title = = 1", "not valid TOML"),
])
def test_wrong_values_are_user_errors(tmp_path, line, expected):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, line + "\n"))
    assert expected in str(caught.value)


@pytest.mark.parametrize("base_url, base_path, absolute", [
    ("https://example.github.io/kfh-report/", "/kfh-report/", "https://example.github.io/kfh-report/"),
    ("https://example.github.io/kfh-report", "/kfh-report/", "https://example.github.io/kfh-report/"),
    ("/kfh-report", "/kfh-report/", None),
    ("https://lks.example.nhs.uk", "/", "https://lks.example.nhs.uk/"),
])
def test_base_url_gives_the_sub_path(tmp_path, base_url, base_path, absolute):
    config = load_config(write(tmp_path, f"base_url = '{base_url}'\n"))
    assert config.base_path == base_path
    assert config.absolute_base == absolute


def test_command_line_overrides_win(tmp_path):
    config = load_config(write(tmp_path, "base_url = '/a/'\n"), {"base_url": "/b/", "output": tmp_path / "o"})
    assert config.base_path == "/b/" and config.paths.output == tmp_path / "o"
