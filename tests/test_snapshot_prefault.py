"""A read-only command's snapshot load has the heap's new pages filled in ahead of the loading
thread (``graph.stores.embedded.prefault``), and loads the very same graph.

The heap is the process's real glibc heap (malloc through ctypes) and the page faults are the
kernel's own count for this thread; the graph is a real data dir (the 1k-dataset bench mesh,
ingested through the CLI).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from graph.stores.embedded import prefault, snapshot
from graph.stores.embedded.store import EmbeddedStore

# Run in a fresh interpreter: a heap with free memory (earlier tests') would hand out pages that
# are present already.
FRESH_HEAP = """
import ctypes, json, resource
from graph.stores.embedded import prefault

BLOCK, BLOCKS = 4096, 4096  # 16 MiB: twice over, within one step of the padded heap (PAD)
libc = prefault._LIBC
malloc, memset = libc.malloc, libc.memset
malloc.restype, malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
memset.restype, memset.argtypes = ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]

def fresh_blocks_faults():
    # malloc writes each block's header: each fresh heap page faults here or at the memset
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    blocks = [malloc(BLOCK - 64) for _ in range(BLOCKS)]  # kept: never reused
    for block in blocks:
        assert block
        memset(block, 1, BLOCK - 64)
    return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before

with prefault.HeapPrefault() as heap:
    padded = heap._libc is not None
    unpopulated = fresh_blocks_faults()  # the heap grows by PAD beyond them
    heap.populate()  # as the snapshot's reading thread does after each chunk
    populates = heap._libc is not None
    populated = fresh_blocks_faults()  # within what the heap grew by
print(json.dumps([padded, populates, unpopulated, populated, BLOCKS]))
"""


@pytest.mark.skipif(prefault._LIBC is None, reason="glibc on Linux only")
def test_populated_heap_pages_are_present_when_first_written() -> None:
    done = subprocess.run(
        [sys.executable, "-c", FRESH_HEAP], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    padded, populates, unpopulated, populated, blocks = json.loads(done.stdout)
    if not padded:
        pytest.skip("mallopt refused M_TOP_PAD")
    if not populates:
        pytest.skip("a kernel without MADV_POPULATE_WRITE (before 5.14)")
    assert unpopulated > blocks // 2  # fresh heap pages fault at their first write
    assert populated < blocks // 20, (populated, unpopulated)


def test_a_read_only_load_is_the_same_graph(tmp_path: Path) -> None:
    import generate_mesh

    mesh = tmp_path / "mesh.ndjson"
    with mesh.open("wb") as out:
        for event in generate_mesh.generate(1_000, seed=7):
            out.write(generate_mesh.dumps_line(event))
    data_dir = tmp_path / "store"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "graph",
            "ingest",
            "openlineage",
            str(mesh),
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert snapshot.path_in(data_dir).exists()  # a start loads it (the ingest closed with one)
    graphs = []
    for check_history in (True, False):  # False: a command that only reads, prefaulted
        store = EmbeddedStore(data_dir, check_history=check_history)
        try:
            capture = store._graph.capture()
            chunks = list(iter(lambda: capture.next_chunk(65536), b""))  # noqa: B023 - read here
            capture.close()
            graphs.append((store._graph.stats(), chunks))
        finally:
            store.close()
    assert graphs[0] == graphs[1] and graphs[0][0]["nodes"] > 1000
