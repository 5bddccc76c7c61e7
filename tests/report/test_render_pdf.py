"""The HTML report as Chromium lays it out, and the PDF it prints (needs Debian's chromium)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from qobserve.report import write_report
from qobserve.report.render_html import render_html
from qobserve.report.render_pdf import chromium
from tests.conftest import require_binary

from .helpers import latency_slo, success_slo
from .test_sli import build

# measured in the page once Chromium has laid it out, written into the DOM for --dump-dom
PROBE = """<script>
addEventListener("load", () => {
  const cells = [...document.querySelectorAll("table")].slice(0, 1).flatMap(t => {
    const heads = [...t.querySelectorAll("thead th")];
    const first = t.querySelector("tbody tr");
    return heads.map((th, i) => {
      const td = first.children[i], h = th.getBoundingClientRect(), d = td.getBoundingClientRect();
      return {head: th.textContent, align: getComputedStyle(th).textAlign,
              headRight: h.right, cellRight: d.right, cellAlign: getComputedStyle(td).textAlign};
    });
  });
  const charts = [...document.querySelectorAll("svg.chart")].map(svg => ({
    title: svg.getAttribute("aria-label"),
    ticks: [...svg.querySelectorAll("text.tick[text-anchor=end]")].map(t => t.textContent),
    objective: [...svg.querySelectorAll("line.threshold")].map(l => l.getBBox().y),
    dots: [...svg.querySelectorAll("circle")].map(c => c.getBBox().y + 3),
    height: svg.viewBox.baseVal.height,
  }));
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({cells, charts});
  document.body.appendChild(out);
});
</script>"""


@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return build([success_slo(selectors={"backend_type": "qpu|emulator"}, objective=0.5),
                  latency_slo()])  # fmt: skip


def laid_out(html: str, tmp: Path) -> dict:  # type: ignore[type-arg]
    done = chromium(["--dump-dom", "--virtual-time-budget=5000"],
                    html.replace("</body>", PROBE + "</body>"), tmp)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    return json.loads(found[1].replace("&quot;", '"').replace("&amp;", "&"))  # type: ignore[no-any-return]


def test_numeric_headers_sit_over_their_numbers(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    require_binary("chromium")
    cells = laid_out(render_html(report), tmp_path)["cells"]
    by_head = {c["head"]: c for c in cells}
    for head in ("attainment", "objective", "burn rate", "events"):
        c = by_head[head]
        assert c["align"] == "right" and c["cellAlign"] == "right"
        assert abs(c["headRight"] - c["cellRight"]) < 0.5  # same right edge
    assert by_head["SLO"]["align"] == "left"


def test_daily_attainment_axis_shows_the_breach(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    require_binary("chromium")
    charts = laid_out(render_html(report), tmp_path)["charts"]
    daily = next(c for c in charts if c["title"] == "latency: daily attainment")
    # latency (threshold 600 s, objective 75 %) per day of test_sli's week: Mon 1 of 2 fast,
    # Tue 1 of 2, Wed none with a duration, Thu 2 of 2, Fri none, Sat 1 of 1, Sun 1 of 1:
    # 50 % to 100 % and the objective; 10 % headroom below, none above 100 %: 45-100 %,
    # in round steps of 20 points
    ticks = [float(t.rstrip("%")) for t in daily["ticks"]]
    assert ticks == [40.0, 60.0, 80.0, 100.0]
    [objective] = daily["objective"]
    assert 0 < objective < daily["height"]
    assert all(0 < y < daily["height"] for y in daily["dots"])


def test_pdf_is_printed(report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    require_binary("chromium")
    [pdf] = write_report(report, tmp_path, ["pdf"])
    data = pdf.read_bytes()
    assert pdf.name == "slo-report-2026-W46.pdf" and data.startswith(b"%PDF-")
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2  # several A4 pages
