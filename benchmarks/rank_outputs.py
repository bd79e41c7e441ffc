"""The full ranked output of ``iimgraph.rank`` on every published case, one JSON line per case and
variant, so that two versions of the code can be compared with ``diff`` (a change meant to be
mechanical, such as a faster data layout, must leave every line as it was).

usage: python benchmarks/rank_outputs.py OUT.jsonl [--suggest N]

Each case of ``benchmarks/real_cases/iim_cases.jsonl`` and ``lookalike_cases.jsonl`` is ranked without
and with its age, as bench_rank.py calls the model (terms the model refuses dropped); each line holds
every row (rank, disease, log10 LR, both probabilities) and every row's per-finding explanation, with
floats at 6 significant digits. Run it with ``PYTHONPATH`` at each checkout's ``src``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from _common import ROOT  # noqa: F401  (puts the checkout and benchmarks/ on sys.path)
from bench_rank import ModelRunner, load_cases


def rounded(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [rounded(v) for v in value]
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--suggest", type=int, default=0, help="also the suggestions (a second pass)")
    args = parser.parse_args()
    runner = ModelRunner()
    lines = []
    for name in ("iim_cases.jsonl", "lookalike_cases.jsonl"):
        for case in load_cases(name):
            for with_age in (False, True):
                result, dropped, _ = runner(case, with_age=with_age)
                entry: dict[str, Any] = {"case": case["id"], "age": with_age, "dropped": dropped}
                if result is not None:
                    entry["result"] = rounded(dataclasses.asdict(result))
                    if args.suggest:
                        kwargs = {"age": case["age_years"]} if with_age and case.get("age_years") is not None else {}
                        absent = [f.given for f in result.findings if f.status == "absent"]
                        observed = [f.given for f in result.findings if f.status == "observed"]
                        entry["suggestions"] = rounded([dataclasses.asdict(s) for s in runner.rank(
                            observed, absent=absent, suggestions=args.suggest, **kwargs).suggestions])
                lines.append(json.dumps(entry, sort_keys=True))
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} outputs written to {args.out}")


if __name__ == "__main__":
    main()
