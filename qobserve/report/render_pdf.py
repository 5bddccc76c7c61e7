"""The report as PDF: the HTML report printed by headless Chromium (its print stylesheet).

Chromium rather than WeasyPrint: it is the engine people read the HTML in, so the PDF has the
same layout, fonts and SVG charts as the screen; it is one Debian package (``chromium``) with
no Python dependency, where WeasyPrint needs Pango and its own CSS subset (no grid). The page
is a local file with no scripts of ours and nothing fetched.

Example::

    render_pdf(render_html(report), Path("reports/slo-report-2026-W47.pdf"))
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from qobserve.exceptions import InputError
from qobserve.servers import find_binary

#: seconds one Chromium run may take before the report gives up on it
TIMEOUT = 120.0


def chromium(args: Sequence[str], page: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium on the HTML text ``page`` with ``args``; its own profile in
    ``workdir`` so that runs in parallel do not share one."""
    binary = find_binary("chromium")
    if binary is None:
        raise InputError("PDF output needs Chromium (apt-get install chromium)", field="--format")
    source = workdir / "page.html"
    source.write_text(page, encoding="utf-8")
    command = [
        binary,
        "--headless",
        "--no-sandbox",  # root in containers; the page is our own file, nothing remote
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={workdir / 'profile'}",
        *args,
        source.as_uri(),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def render_pdf(html: str, target: Path) -> None:
    """Print ``html`` to the PDF file ``target`` (A4, no browser header or footer)."""
    with tempfile.TemporaryDirectory(prefix="qobserve-pdf-") as tmp:
        done = chromium(["--no-pdf-header-footer", f"--print-to-pdf={target}"], html, Path(tmp))
    if done.returncode != 0 or not target.is_file():
        raise InputError(
            f"Chromium could not print the report: {done.stderr.strip()[-300:]}",
            path=str(target),
        )
