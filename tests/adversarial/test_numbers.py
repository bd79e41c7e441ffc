"""Numbers a user gives, on the command line or in the environment: ``nan``, ``inf``, ``1e400``, a
negative or absurd value each end in one line naming the option or the variable, and exit 2.

Before: ``nan`` passed click's ranges (it compares false with every bound), so ``serve --timeout nan``
started and dropped every query, ``validate --reason-timeout nan`` skipped reasoning in silence, and the
environment limits gave internal errors (``OverflowError``, ``ValueError``) or thread tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import assert_clean_failure, run_cli

BAD = ("nan", "inf", "1e400", "-1", "1e300")

#: option -> a command line that takes it (the value goes where {} is)
OPTIONS = {
    "validate --timeout": ("validate", "--no-reason", "--timeout", "{}"),
    "validate --reason-timeout": ("validate", "--reason-timeout", "{}"),
    "query --timeout": ("query", "subtypes", "--timeout", "{}"),
    "sparql --timeout": ("sparql", "ASK {}", "--timeout", "{}"),
    "sparql --max-answer-mb": ("sparql", "ASK {}", "--max-answer-mb", "{}"),
    "publish --timeout": ("publish", "--endpoint", "http://127.0.0.1:9/store", "--timeout", "{}"),
    "serve --timeout": ("serve", "--port", "0", "--timeout", "{}"),
    "serve --workers": ("serve", "--port", "0", "--workers", "{}"),
    "serve --max-rows": ("serve", "--port", "0", "--max-rows", "{}"),
    "serve --answer-cache-mb": ("serve", "--port", "0", "--answer-cache-mb", "{}"),
    "rank --top": ("rank", "HP:0003326", "--top", "{}"),
}


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("case", sorted(OPTIONS))
def test_a_bad_number_option_is_one_line_naming_it(case: str, value: str):
    args = [value if a == "{}" else a for a in OPTIONS[case]]
    run = run_cli(*args, time_limit=30)
    option = case.split()[1]
    assert_clean_failure(run, mentions=option)


#: variable -> a command line that reads it
VARIABLES = {
    "IIMGRAPH_MAX_INPUT_MB": ("diff", "{a}", "{a}"),
    "IIMGRAPH_MAX_LINE_MB": ("diff", "{a}", "{a}"),
    "IIMGRAPH_MAX_GZIP_RATIO": ("diff", "{a}", "{a}"),
    "IIMGRAPH_MAX_DEPTH": ("diff", "{a}", "{a}"),
    "IIMGRAPH_MAX_ANSWER_MB": ("query", "subtypes", "--endpoint", "http://127.0.0.1:9/sparql"),
    "IIMGRAPH_ANSWER_CACHE_MB": ("serve", "--port", "0"),
}


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize("var", sorted(VARIABLES))
def test_a_bad_number_in_the_environment_is_one_line_naming_it(var: str, value: str, tmp_path: Path):
    data = tmp_path / "a.ttl"
    data.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    args = [a.replace("{a}", str(data)) for a in VARIABLES[var]]
    run = run_cli(*args, env={var: value}, time_limit=30)
    assert_clean_failure(run, mentions=var)


def test_a_fractional_count_is_refused(tmp_path: Path):
    data = tmp_path / "a.ttl"
    data.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    assert_clean_failure(run_cli("diff", str(data), str(data), env={"IIMGRAPH_MAX_DEPTH": "2.5"}),
                         mentions="IIMGRAPH_MAX_DEPTH")


def test_good_numbers_still_work(tmp_path: Path):
    """The control: ordinary values in the same places are accepted."""
    data = tmp_path / "a.ttl"
    data.write_text("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
    env = {"IIMGRAPH_MAX_INPUT_MB": "10", "IIMGRAPH_MAX_LINE_MB": "0.5", "IIMGRAPH_MAX_GZIP_RATIO": "50",
           "IIMGRAPH_MAX_DEPTH": "20"}
    assert run_cli("diff", str(data), str(data), env=env).code == 0
    run = run_cli("sparql", "ASK { ?s ?p ?o }", "--timeout", "30", "--max-answer-mb", "2", "--format", "json")
    assert run.code == 0 and "true" in run.stdout, run.stderr


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -1.0])
def test_the_python_api_checks_its_timeout_too(value: float):
    """The same check for a caller of the library: a nan deadline would never expire."""
    import iimgraph
    from iimgraph.errors import SettingError

    with pytest.raises(SettingError, match="timeout"):
        iimgraph.run_query("subtypes", timeout=value)
