"""The process heap's policies (``graph.core.heap``) as the system sees them: page faults counted by
the kernel, in a process of its own (the policies are process-wide)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from graph.core import heap

# Two warm-up rounds (glibc's mmap threshold moves up to the buffers' size once one is freed),
# then the page faults of five rounds of 24 buffers of 1 MiB held, then freed.
_PROBE = """
import resource, sys
from graph.core.heap import keep_freed_memory
if sys.argv[1] == "kept":
    keep_freed_memory()
def one_round():
    held = [b"x" * 2**20 for _ in range(24)]
    del held
one_round(); one_round()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(5):
    one_round()
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""
_ROUND_PAGES = 24 * 2**20 // 4096


def _faults(mode: str) -> int:
    run = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], capture_output=True, text=True, check=True
    )
    return int(run.stdout)


@pytest.mark.skipif(heap._MALLOPT is None, reason="glibc's mallopt only")
def test_a_load_process_reuses_what_it_freed_rather_than_faulting_it_in_again() -> None:
    default = _faults("default")
    kept = _faults("kept")
    # glibc's default gives the freed top of the heap back each round, and faults it in again
    assert default >= 5 * _ROUND_PAGES // 2, default
    assert kept <= _ROUND_PAGES // 10, (kept, default)
