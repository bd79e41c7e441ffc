"""``escape.markdown`` skips the link search where no link can be: the same text as the search gives, always."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from iimgraph import escape as esc


def _searched(text: str) -> str:
    """``markdown`` as it was: every cell through the link search."""
    text = " ".join(esc.escape(text).split())
    out, last = [], 0
    for match in esc._URL.finditer(text):
        if match.group().startswith(esc.PROJECT_BASES):
            continue
        out.append(esc._literal(text[last:match.start()]))
        out.append(esc.code_span(match.group()))
        last = match.end()
    out.append(esc._literal(text[last:]))
    return "".join(out)


_pieces = st.sampled_from(["HP:9000000 is not in", " ", "a@b.c", "http://x.org/y", "WWW.example.org", "JavaScript:x",
                           "vbscript:", "DATA:", "ſ", "K", "İ", "ı", "javaſcript:alert", "wWw.", "x:y", "://", "|", "`",
                           "<b>", "\u202e", "\x00", "https://w3id.org/iimgraph/term/x", "é"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_pieces, st.text(max_size=6)), max_size=8).map("".join))
def test_same_as_the_link_search(text: str) -> None:
    assert esc.markdown(text) == _searched(text)


def test_a_message_without_link_marks_skips_the_search() -> None:
    assert not esc._may_link("HP:9000000 is not in the packaged reference snapshot (reference/*.tsv)")
    for text in ("see www.x.org", "mail a@b.c", "javascript:x", "Data:x", "http://x", "javaſcript:x"):
        assert esc._may_link(text)
        assert esc.markdown(text) == _searched(text)
