"""Issue 74, finding 2: one reader token from two addresses held the whole server-wide admission
(8 in flight) and an admin on a third address got 429. A principal of the tokens now counts as
one client across its addresses, for slots and for query threads (``graph.serve.admission``);
the shared no-token principals still count per address."""

from __future__ import annotations

import threading
from contextlib import ExitStack

import anyio
import pytest

from graph.serve.admission import Admission, AdmissionLimits, Overloaded


def test_a_principal_holds_its_share_of_slots_across_addresses() -> None:
    admission = Admission(AdmissionLimits(per_client=4, total=8, threads=2))
    with ExitStack() as held:
        for i in range(4):
            held.enter_context(admission.admit(f"reader@10.0.0.{1 + i % 2}"))
        with (
            pytest.raises(Overloaded, match="from this principal"),
            admission.admit("reader@10.0.0.3"),
        ):
            pass
        for _ in range(4):  # the other half is left to everyone else: an admin's queries go in
            held.enter_context(admission.admit("admin@10.0.0.9"))
        with pytest.raises(Overloaded, match="maximum of 8"), admission.admit("other@10.0.0.7"):
            pass
    with ExitStack() as held:  # no token: counted per address, as before
        for i in range(8):
            held.enter_context(admission.admit(f"anonymous@10.0.0.{i // 4}"))


def test_a_principal_works_in_half_the_threads_across_addresses() -> None:
    """Two query threads: the reader's second query (from another address) waits for its first,
    while the admin's runs at once."""
    admission = Admission(AdmissionLimits(per_client=4, total=8, threads=2))
    release = threading.Event()
    running: list[str] = []
    admin_ran = threading.Event()

    def held(who: str) -> None:
        running.append(who)
        release.wait(30)

    def admin() -> None:
        running.append("admin")
        admin_ran.set()

    async def main() -> None:
        async def run(client: str, work: object, *args: object) -> None:
            with admission.admit(client):
                await admission.run(work, *args)  # type: ignore[arg-type]

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(run, "reader@10.0.0.1", held, "reader-1")
            tasks.start_soon(run, "reader@10.0.0.2", held, "reader-2")
            await anyio.sleep(0.5)
            tasks.start_soon(run, "admin@10.0.0.9", admin)
            with anyio.fail_after(10):
                while not admin_ran.is_set():
                    await anyio.sleep(0.05)
            assert running.count("reader-1") + running.count("reader-2") == 1, running
            release.set()

    anyio.run(main)
    assert sorted(running) == ["admin", "reader-1", "reader-2"]
