"""Shared builders for the simulator tests (imported by name: this folder is on sys.path)."""

from __future__ import annotations

from typing import Any

from nsplink.radio.sim import Medium, Propagation

PORT = 256
# no shadowing, no fading: link tables give exact SNRs and deterministic reach
QUIET = Propagation(shadowing_db=0.0, fading_db=0.0)


def chain(n: int, *, snr: float = 5.0, seed: int = 1, trace: bool = False) -> Medium:
    """Nodes 1..n in a line; each hears only its direct neighbours."""
    m = Medium(seed=seed, propagation=QUIET, trace=trace)
    for i in range(1, n + 1):
        m.add_node(i)
    for i in range(1, n):
        m.set_link(i, i + 1, snr_db=snr)
    return m


def collect(m: Medium) -> dict[int, list[Any]]:
    """Record every node's app-side events."""
    got: dict[int, list[Any]] = {n: [] for n in m.nodes}
    for num, node in m.nodes.items():
        node.on_event = got[num].append
    return got


def of(events: list[Any], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]
