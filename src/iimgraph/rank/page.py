"""The site's ranking form (``rank.html``): findings in, the ranking from ``/rank`` on ``serve`` out."""

from __future__ import annotations

from iimgraph.rank.model import NOTICE


def rank_page(*, version: str) -> str:
    from iimgraph.pages import _doc, e

    body = (
        "<header><h1>Which IIM subtype fits these findings?</h1>\n"
        f'<p class="warning"><strong>{e(NOTICE)}.</strong></p>\n'
        "<p>Give the patient's findings as HPO terms (CURIEs such as <code>HP:0003701</code>, IRIs, or labels and "
        "synonyms such as <code>mechanic's hands</code> or <code>anti-Jo-1 antibody positivity</code>), separated "
        "by commas. Each subtype with curated annotations gets a likelihood ratio per finding and a post-test "
        "probability; the explanation names the annotation and the source each ratio rests on. The model is "
        "described in <code>docs/rank.md</code>; <code>iimgraph rank</code> does the same from a shell.</p>\n"
        '<p id="offline" class="warning" hidden>Ranking needs <code>iimgraph serve</code>: this page was opened '
        "as a file. Start <code>iimgraph serve</code> and open http://127.0.0.1:7878/rank.html.</p>\n</header>\n"
        '<form id="rank-form" class="run">\n'
        '<label for="rank-hpo">observed</label> <input id="rank-hpo" name="hpo" type="text" size="60" '
        'value="HP:0003701, HP:0006530, HP:0034152" required>\n'
        '<label for="rank-absent">absent</label> <input id="rank-absent" name="absent" type="text" size="30">\n'
        '<label for="rank-onset">onset</label> <input id="rank-onset" name="onset" type="text" size="12">\n'
        '<label for="rank-top">top</label> <input id="rank-top" name="top" type="number" min="1" value="5">\n'
        '<button type="submit">Rank</button></form>\n'
        '<div class="result" id="rank-result" aria-live="polite"></div>\n'
    )
    head = '<script src="assets/rank.js" defer></script>\n'
    return _doc("IIM graph: rank subtypes by findings", body, root="", version=version, head=head)
