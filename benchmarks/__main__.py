"""Run every benchmark (or those named: ``python -m benchmarks core exporter``)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import benchmarks
from benchmarks.harness import Result


def main(argv: list[str]) -> int:
    names = sorted(
        m.name[len("bench_") :]
        for m in pkgutil.iter_modules(benchmarks.__path__)
        if m.name.startswith("bench_")
    )
    chosen = [n for n in names if not argv or n in argv]
    results: list[Result] = []
    for name in chosen:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.bench_{name}")
        for r in module.run():
            results.append(r)
            mark = "ok " if r.ok else "MISS"
            print(
                f"  {mark} {r.name}: {r.value:.4g} {r.unit} (target {r.target}) {r.detail}",
                flush=True,
            )
    missed = [r for r in results if not r.ok]
    print(f"{len(results) - len(missed)} of {len(results)} targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
