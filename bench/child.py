"""What the one-shot benches (metric import, table export) share: they run in a child process, so its
peak RSS is theirs alone, and report their own memory and CPU time."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from pathlib import Path


def memory() -> dict:
    """This process's resident and peak resident memory in MB (`VmRSS`, `VmHWM`)."""
    status = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            status[key] = round(int(value.split()[0]) / 1024, 1)
    return status


def cpu_s() -> float:
    """This process's CPU time (user + system), seconds: the machine is shared, wall time is not work."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_in_child(command: str, rows: int) -> dict:
    """`python -m bench <command> --rows <rows>` in a child process; its last line of JSON, or a failed
    answer with the child's error output."""
    output = subprocess.run(
        [sys.executable, "-m", "bench", command, "--rows", str(rows)],
        check=False,
        capture_output=True,
        text=True,
    )
    try:
        return json.loads(output.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"rows": rows, "met": False, "error": output.stderr[-2000:]}
