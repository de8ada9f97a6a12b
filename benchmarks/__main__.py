"""`make bench`: run every benchmarks/bench_*.py module's `main()` in name order.

Each benchmark prints its figures and its ratio against a reference measured in the same run;
none of them asserts a time. `python -m benchmarks NAME` runs the modules whose name contains NAME.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time

import benchmarks


def main(argv: list[str]) -> int:
    names = sorted(
        m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_")
    )
    if argv:
        names = [n for n in names if any(a in n for a in argv)]
    failed = 0
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        try:
            importlib.import_module(f"benchmarks.{name}").main()
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed += 1
            print(f"!! {name} failed: {type(exc).__name__}: {exc}")
        print(f"--- {name}: {time.perf_counter() - t0:.1f} s wall", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
