"""Run the ``kgx`` command line offline, with extra CURIE prefixes declared: run by the Python of the
virtualenv kgx is installed in (``tests/tools/kgx-requirements.txt``), not the project's.

kgx reads the Biolink model and its JSON-LD prefix context from the network when it starts. Here
bmt's Toolkit reads the model the ``biolink-model`` package ships, and kgx's contexts are the prefix
map shipped in that same package (the ``biolink`` context the validator checks CURIE prefixes
against) and prefixcommons' own copies of the other two it names. ``--declare FILE`` (a JSON-LD
context, repeatable) adds the prefixes a file declares, as a user of kgx declares the prefixes of
their own identifiers: kgx's ``validate`` command has no option for it.

    python kgx_offline.py [--declare CONTEXT.jsonld ...] validate -i tsv NODES.tsv EDGES.tsv
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _context(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    data = data.get("@context", data)
    return {k: v for k, v in data.items() if isinstance(v, str) and not k.startswith("@") and v.endswith(("/", "_", "#"))}


def main(argv: list[str]) -> int:
    declared: dict[str, str] = {}
    while argv[:1] == ["--declare"]:
        declared.update(_context(Path(argv[1])))
        argv = argv[2:]

    import biolink_model
    import prefixcommons
    from bmt import toolkit

    model = Path(next(iter(biolink_model.__path__)))
    toolkit.Toolkit.__init__.__defaults__ = (str(model / "schema" / "biolink_model.yaml"), {"predicate mappings": []})
    from kgx import config

    config.get_config()
    biolink = json.loads((model / "prefixmaps" / "biolink-model-prefix-map.json").read_text(encoding="utf-8"))
    config.jsonld_context_map["biolink"] = {**biolink, **{k: v for k, v in declared.items() if k not in biolink}}
    registry = Path(prefixcommons.__file__).parent / "registry"
    for name in ("monarch_context", "obo_context"):
        config.jsonld_context_map[name] = json.loads((registry / f"{name}.jsonld").read_text(encoding="utf-8"))["@context"]
    from kgx.cli import cli

    sys.argv = ["kgx", *argv]
    return cli()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
