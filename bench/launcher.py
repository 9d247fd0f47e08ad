"""Measuring a command fairly: wall time, CPU and its own peak RSS, via a bare launcher (Linux)."""

from __future__ import annotations

# Linux keeps a process's peak RSS across fork and exec, so a command forked from a benchmark
# that holds its pages or models would report the benchmark's size, not its own. So commands
# are forked from a bare `python -I -S` (~8 MiB, below any Python child's own peak) that times
# them and writes "wall cpu maxrss_kib" to argv[1]. ru_maxrss is in KiB on Linux.
LAUNCHER = """\
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as report:
    report.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss}")
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""


class BenchError(Exception):
    """A benchmarked command failed or left the wrong result."""
