"""Print line coverage per package of qobserve from a combined coverage data file.

Run by ``make coverage`` after ``coverage combine``; the floor itself is coverage's
``fail_under`` (pyproject.toml), checked by ``coverage report``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict


def main() -> int:
    raw = subprocess.run(
        [sys.executable, "-m", "coverage", "json", "-q", "--fail-under=0", "-o", "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path, data in json.loads(raw)["files"].items():
        parts = path.split("/")
        package = ".".join(parts[: parts.index("qobserve") + 2]).removesuffix(".py")
        summary = data["summary"]
        totals[package][0] += summary["covered_lines"]
        totals[package][1] += summary["num_statements"]
    print(f"{'package':32} {'lines':>7} {'covered':>8}")
    for package, (covered, lines) in sorted(totals.items()):
        print(f"{package:32} {lines:7} {100 * covered / max(lines, 1):7.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
