"""The plain query command lines are read without click (a cold query does not pay for importing it);
whatever that reader accepts, click reads the same way, and what it is unsure of goes to click."""

from __future__ import annotations

import warnings
from pathlib import Path

import click
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iimgraph.cli.commands import cli
from iimgraph.cli.front import read_query_args
from tests.cli import invoke


def click_reading(argv: list[str]) -> dict | None:
    """The values click gives the verb's function, or None when click refuses the line."""
    try:
        ctx = cli.make_context("iimgraph", list(argv))
        with warnings.catch_warnings():  # click 8.2 deprecates protected_args (9.0 keeps them in args)
            warnings.simplefilter("ignore", DeprecationWarning)
            name, *rest = [*ctx.protected_args, *ctx.args]
        command = cli.get_command(ctx, name)
        if command is None:
            return None
        sub = command.make_context(name, rest, parent=ctx)
    except (click.exceptions.Exit, click.UsageError, click.BadParameter, click.Abort):
        return None
    return {"verb": name, **sub.params}


def as_click(args) -> dict:  # type: ignore[no-untyped-def]
    return {"verb": args.verb, "name" if args.verb == "query" else "query": args.argument, **args.values}


LINES = [
    ["query", "find-by-xref", "-p", "xref=OMIM:160750"],
    ["query", "phenotypes", "--all-columns", "-p", "disease=MONDO:0019127"],
    ["query", "-p", "xref=OMIM:160750", "find-by-xref", "--format", "json"],
    ["query", "phenotypes", "--param=disease=MONDO:0019127", "--format=tsv", "--engine", "rdflib", "--timeout", "2.5"],
    ["query", "search", "-p", "text=a b", "-p", "text=c", "--store", "st", "--with", "x.nt", "--with=y.ttl"],
    ["query", "x", "--endpoint", "http://127.0.0.1:1/sparql", "--allow-service", "http://a/", "--allow-service=http://b/"],
    ["sparql", "SELECT * WHERE { ?s ?p ?o }", "--format", "csv"],
    ["sparql", "-", "--timeout=1e3"],
    ["query", "a", "--sources", "."], ["query", "a", "--max-answer-mb", "1"], ["sparql", "q", "--same-origin-redirects"],
    ["query", "a", "--max-answer-mb=0.5", "--endpoint=http://h/s", "--same-origin-redirects"],
]
REFUSED_OR_CLICKS = [
    ["query", "find-by-xref", "--help"], ["query"], ["query", "a", "b"], ["query", "a", "--format", "xml"],
    ["query", "a", "--format"], ["query", "a", "--timeout", "0"], ["query", "a", "--timeout", "nan"],
    ["query", "a", "--timeout", "-1"], ["query", "a", "--engine", "blazegraph"], ["query", "a", "-px=1"],
    ["query", "a", "--", "-p"], ["query", "a", "--nope"], ["sparql", "q", "-p", "x=1"], ["queries"],
    ["--version"], ["query", "a", "-p", "-x"], ["query", "a", "--store", __file__], ["query", "a", "--with", "."],
    ["query", "a", "--sources", __file__], ["query", "a", "--max-answer-mb", "nan"], ["query", "a", "--max-answer-mb", "0"],
    ["sparql", "q", "--same-origin-redirects=1"], ["query", "a", "--all-columns=yes"],
]


@pytest.mark.parametrize("argv", LINES)
def test_plain_lines_are_read_as_click_reads_them(argv):
    fast = read_query_args(argv)
    assert fast is not None, argv
    assert as_click(fast) == click_reading(argv)


@pytest.mark.parametrize("argv", REFUSED_OR_CLICKS)
def test_anything_else_goes_to_click(argv):
    assert read_query_args(argv) is None


@pytest.mark.parametrize("variable", ["IIMGRAPH_ALLOW_SERVICE", "IIMGRAPH_MAX_ANSWER_MB"])
def test_an_option_set_in_the_environment_goes_to_click(monkeypatch, variable):
    monkeypatch.setenv(variable, "1")
    assert read_query_args(["query", "find-by-xref", "-p", "xref=OMIM:160750"]) is None


TOKENS = st.sampled_from(["query", "sparql", "find-by-xref", "--all-columns", "-p", "--param", "x=1", "--param=y=2", "--format",
                          "table", "json", "xml", "--format=csv", "--engine", "rdflib", "oxigraph", "--timeout",
                          "5", "0", "inf", "1e-3", "--endpoint", "http://h/s", "--store", "dir", "--with", "f.nt",
                          "--allow-service", "-", "--", "--help", "-h", "a=b=c", "", " ", "--sources", ".",
                          "--max-answer-mb", "--same-origin-redirects", "--max-answer-mb=2"])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(argv=st.lists(TOKENS, min_size=1, max_size=8))
def test_whatever_the_fast_reader_accepts_click_reads_the_same(argv):
    fast = read_query_args(argv)
    if fast is not None:
        assert as_click(fast) == click_reading(argv), argv


def test_fast_and_click_paths_print_the_same(tmp_path: Path):
    """The same query through the fast reader and through click (the fused -pKEY=VALUE form goes to click)."""
    fast = invoke("query", "find-by-xref", "-p", "xref=OMIM:160750")
    slow = invoke("query", "find-by-xref", "-pxref=OMIM:160750")
    assert fast.returncode == slow.returncode == 0
    assert (fast.stdout, fast.stderr) == (slow.stdout, slow.stderr)
    assert "MONDO:0600024" in fast.stdout and fast.stderr.strip() == "1 row"
    bad_fast = invoke("query", "find-by-xref", "-p", "xref=NOSUCH:1")
    bad_slow = invoke("query", "find-by-xref", "-pxref=NOSUCH:1")
    assert bad_fast.returncode == bad_slow.returncode == 2
    assert bad_fast.stderr == bad_slow.stderr and bad_fast.stderr.startswith("iimgraph: error: ")
