"""A small process that starts the CLI for the hostile-input harness and reports the child's own peak
memory (run as a script by ``conftest.run_cli``).

Why: Linux keeps a process's peak resident size across fork and exec, so a child forked from a
pytest worker that has grown to 1.5 GB reports 1.5 GB whatever the child itself used. Forked from
this small process instead, ``wait4``'s ``ru_maxrss`` is the child's own figure (plus this
process's few MB). The caller's umask is applied to each child; arguments travel as base64 of their bytes. One JSON request per line on stdin, one JSON answer per line on stdout.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time


def run(request: dict) -> dict:  # type: ignore[type-arg]
    start = time.monotonic()
    os.umask(request["umask"])  # the caller's, as a child forked from it would have
    args = [base64.b64decode(a) for a in request["args"]]  # bytes: an argument need not be UTF-8
    proc = subprocess.Popen(args, cwd=request["cwd"], env=request["env"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    chunks: dict[str, bytes] = {}

    def drain(name: str, stream) -> None:  # type: ignore[no-untyped-def]
        chunks[name] = stream.read()

    readers = [threading.Thread(target=drain, args=(n, s)) for n, s in (("out", proc.stdout), ("err", proc.stderr))]
    for reader in readers:
        reader.start()
    try:
        proc.stdin.write(base64.b64decode(request["stdin"]))  # type: ignore[union-attr]
        proc.stdin.close()  # type: ignore[union-attr]
    except BrokenPipeError:
        pass
    timer = threading.Timer(request["time_limit"], proc.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    for reader in readers:
        reader.join()
    return {"code": os.waitstatus_to_exitcode(status), "out": base64.b64encode(chunks["out"]).decode(),
            "err": base64.b64encode(chunks["err"]).decode(), "seconds": time.monotonic() - start,
            "maxrss_kb": usage.ru_maxrss}


def main() -> None:
    for line in sys.stdin:
        sys.stdout.write(json.dumps(run(json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
