"""The reference cost the simulator benchmarks divide by, measured in the same run: a bare
heapq push/pop per event, the least an event-driven simulator can do."""

from __future__ import annotations

import heapq
import random
import time


def bare_heap(n: int) -> float:
    """CPU seconds for `n` pushes and pops on a heap kept at 64 entries."""
    rnd = random.Random(0)
    heap: list[tuple[float, int, None]] = []
    t0 = time.process_time()
    for i in range(n):
        heapq.heappush(heap, (rnd.random(), i, None))
        if len(heap) > 64:
            heapq.heappop(heap)
    while heap:
        heapq.heappop(heap)
    return time.process_time() - t0
