"""Run one command and report its wall time and peak memory: the child side of measure.py.

Started fresh for every run, so the measured command is forked from this small
process and not from the benchmark runner: Linux carries the parent's resident
size into a child's peak (``ru_maxrss``) across fork and exec, and the runner
holds far more than a command under test. The floor this leaves is this
script's own size, about 8 MB.

Usage: python -S launch.py REPORT.json COMMAND [ARG…]
"""

import json
import os
import sys
import time


def main() -> None:
    report, argv = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    with open(report, "w") as out:
        json.dump({"seconds": seconds, "peak_kb": usage.ru_maxrss, "status": code}, out)
    sys.exit(code if code >= 0 else 128 - code)


if __name__ == "__main__":
    main()
