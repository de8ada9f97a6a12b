"""A separate process that appends to a store, for the SIGKILL and full-disk tests.

    python -m tests.store.worker DB [--fsize BYTES] [--seed N]

Prints "ready", then for every committed transaction one line with its ids ("3 4 5"), flushed
after the commit returned. With --fsize it runs under RLIMIT_FSIZE (SIGXFSZ ignored, so writes
fail with EFBIG as on a full disk) and prints "error <code>" and exits 3 on the first typed error.
"""

from __future__ import annotations

import asyncio
import random
import resource
import signal
import sys

from nsplink.store import Event, Store, StoreError
from nsplink.store import events as k

from .factory import SITE, created, sent


async def run(path: str, seed: int) -> int:
    rng = random.Random(seed)
    store = await Store.open(path)
    print("ready", flush=True)
    seq = await store.next_seq("a1b2")
    try:
        while True:
            ref = f"a1b2:{seq}"
            batch = [
                created(ref, seq, at=float(seq)),
                Event(
                    k.MESSAGE_QUEUED,
                    float(seq),
                    SITE,
                    ref,
                    personal={"reporter": "J. de Vrieß", "callback": "06-12345678"},
                ),
            ]
            batch += [sent(ref, n, at=float(seq)) for n in range(1, rng.randint(1, 3))]
            groups = [batch] if rng.random() < 0.5 else [[e] for e in batch]
            for group in groups:
                ids = await store.append_many(group)
                print(" ".join(map(str, ids)), flush=True)
            seq += 1
    except StoreError as err:
        print(f"error {err.code}", flush=True)
        return 3
    finally:
        await store.close()


def main(argv: list[str]) -> int:
    path = argv[0]
    seed = int(argv[argv.index("--seed") + 1]) if "--seed" in argv else 0
    if "--fsize" in argv:
        limit = int(argv[argv.index("--fsize") + 1])
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return asyncio.run(run(path, seed))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
