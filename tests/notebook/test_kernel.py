"""qobserve in a real Jupyter kernel: nbclient executes a notebook written here, with real
Qiskit jobs (FakeManilaV2 locally, an IBMBackend against the loopback IBM API), and the rich
outputs are asserted as a front end would receive them."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from qobserve.resources import builtin_catalog
from tests.conftest import ROOT

SETUP = """
import json, threading, warnings
warnings.filterwarnings("ignore")
import qobserve
from qiskit import QuantumCircuit
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_ibm_runtime import RuntimeEncoder, SamplerV2
from qiskit_ibm_runtime.fake_provider import FakeManilaV2
from qobserve.instrument import QiskitInstrumentor
from tests.instrument.ibm_api import FakeIBMAPI, FakeJob, cloud_backend

qobserve.configure(store_path={store!r}, tracing="none", price_model={prices!r},
                   flush_interval=0.05)
QiskitInstrumentor().instrument()
manila = FakeManilaV2()
bell = QuantumCircuit(2); bell.h(0); bell.cx(0, 1); bell.measure_all()
isa = generate_preset_pass_manager(backend=manila, optimization_level=1).run(bell)
encoded = json.dumps(SamplerV2(mode=manila).run([isa], shots=100).result(), cls=RuntimeEncoder)
api = FakeIBMAPI()
cloud = cloud_backend(api)

def server_metrics():  # what the API reports for a job that queued 30 s, ran 2 s, ended now
    from datetime import UTC, datetime, timedelta
    end = datetime.now(UTC)
    at = lambda s: (end - timedelta(seconds=s)).isoformat().replace("+00:00", "Z")
    return {{"timestamps": {{"created": at(32), "running": at(2), "finished": at(0)}},
            "usage": {{"qpu_charge_time_seconds": 2, "status": "complete"}}}}

def live_threads():
    return sorted(t.name for t in threading.enumerate() if t.name.startswith("qobserve-live"))
"""

RUN = """
@qobserve.experiment("bell")
def run_bell():
    SamplerV2(mode=manila).run([isa], shots=100).result()
    return qobserve.current_run()

run = run_bell()
run
"""

JOBS = """
df = qobserve.jobs(experiment="bell")
print(json.dumps(df[["backend", "outcome", "shots"]].to_dict("records")))
print(df["finished_at"].dtype)
df
"""

# interval=60: only the explicit refreshes draw, so the test sees each status once
LIVE = """
api.next_job = FakeJob(backend=cloud.name, results=encoded, metrics=server_metrics(),
                       states=["Queued", "Running", "Completed"])
with qobserve.live_jobs(widget={widget}, interval=60) as view:
    job = SamplerV2(mode=cloud).run([isa], shots=100)
    job.status(); view.refresh()
    job.status(); view.refresh()
    job.result()
print(live_threads())
"""

EXTENSION = """
%load_ext qobserve.notebook
"""

EXTENSION_JOB = """
SamplerV2(mode=manila).run([isa], shots=100).result();
"""

NO_JOBS = """
print(live_threads())
"""

UNLOAD = """
%unload_ext qobserve.notebook
"""

REPORT = """
report = qobserve.report(start={start!r}, end={end!r}, slos={slos!r})
report
"""

SLO = """
report.slos[[s.name for s in report.slos].index("job-success-qpu")]
"""

CAPTURE = """
from qobserve.testing import capture
with capture() as cap:
    run_bell()
cap
"""


class RecordingClient(NotebookClient):  # type: ignore[misc]
    """Keeps every iopub message, updates included (the saved notebook has only the last)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messages: list[tuple[int, dict[str, Any]]] = []

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        self.messages.append((cell_index, msg))
        return super().process_message(msg, cell, cell_index)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, RecordingClient]:
    tmp = tmp_path_factory.mktemp("nb")
    prices = tmp / "prices.json"
    prices.write_text(json.dumps({"backends": {"ibm_fakecloud": {"per_qpu_second": 1.5}}}))
    now = datetime.now(UTC)
    sources = [
        SETUP.format(store=str(tmp / "events.db"), prices=str(prices)),
        RUN,
        JOBS,
        LIVE.format(widget=False),
        LIVE.format(widget=True),
        EXTENSION,
        EXTENSION_JOB,
        NO_JOBS,
        REPORT.format(
            start=(now - timedelta(days=1)).isoformat(),
            end=(now + timedelta(hours=1)).isoformat(),
            slos=str(builtin_catalog() / "jobs.yaml"),
        ),
        SLO,
        CAPTURE,
        UNLOAD,
        NO_JOBS,
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    client = RecordingClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    return nb, client


def outputs(nb: Any, index: int) -> list[Any]:
    return list(nb.cells[index].outputs)


def rich(nb: Any, index: int, mime: str = "text/html") -> str:
    found = [o["data"][mime] for o in outputs(nb, index) if mime in o.get("data", {})]
    assert found, (index, outputs(nb, index))
    return str(found[-1])


def stdout(nb: Any, index: int) -> str:
    return "".join(o["text"] for o in outputs(nb, index) if o.get("name") == "stdout")


def cells_of(html_text: str) -> list[list[str]]:
    """Rows of the HTML tables in ``html_text`` as lists of cell texts."""
    rows = re.findall(r"<tr>(.*?)</tr>", html_text)
    return [[html.unescape(c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)] for r in rows]


def test_a_run_shows_its_jobs(executed: tuple[Any, RecordingClient]) -> None:
    nb, _ = executed
    page = rich(nb, 1)
    assert "experiment bell" in page
    assert ["fake_manila", "success", "1", "$0.00"] in cells_of(page)


def test_jobs_is_a_dataframe_of_the_configured_store(executed: tuple[Any, RecordingClient]) -> None:
    nb, _ = executed
    records, dtype = stdout(nb, 2).splitlines()
    assert json.loads(records) == [{"backend": "fake_manila", "outcome": "success", "shots": 100.0}]
    assert dtype.strip() == "datetime64[ns, UTC]"
    assert "<table" in rich(nb, 2)  # pandas' own rich display


def html_messages(client: RecordingClient, index: int) -> list[str]:
    """The HTML each display, update or widget state message of cell ``index`` carried."""
    out = []
    for i, msg in client.messages:
        if i != index:
            continue
        content = msg["content"]
        if msg["msg_type"] in ("display_data", "update_display_data"):
            out.append(content["data"].get("text/html", ""))
        elif msg["msg_type"] in ("comm_open", "comm_msg"):
            value = content.get("data", {}).get("state", {}).get("value")
            if isinstance(value, str):
                out.append(value)
    return out


@pytest.mark.parametrize("index", [3, 4], ids=["html", "widget"])
def test_live_view_updates_then_leaves_the_final_table(
    executed: tuple[Any, RecordingClient], index: int
) -> None:
    nb, client = executed
    shown = html_messages(client, index)
    live = [cells_of(h) for h in shown if "in flight" in h]
    statuses = [row[2] for rows in live for row in rows[1:] if row[1] == "ibm_fakecloud"]
    assert statuses[:2] == ["QUEUED", "RUNNING"]
    assert live[0][0] == ["job", "backend", "status", "queued", "running", "cost so far"]
    # the final table: what the job became, with the price model's 1.5 $/s for 2 QPU seconds
    final = rich(nb, index)
    assert "1 jobs in this cell · $3.00" in final
    row = cells_of(final)[1]
    assert row[1:4] == ["ibm_fakecloud", "success", "none"] and row[-1] == "$3.00"
    assert row[4:6] == ["30.0 s", "2.0 s"]  # queue and execution from the server's timestamps
    # the widget is closed at the end: only the plain table stays in the saved notebook
    views = [o for o in outputs(nb, index) if "application/vnd.jupyter.widget-view+json" in
             o.get("data", {})]  # fmt: skip
    assert len(views) == (1 if index == 4 else 0)
    assert stdout(nb, index).strip() == "[]"  # no thread outlives its cell


def test_extension_shows_the_view_only_in_cells_with_jobs(
    executed: tuple[Any, RecordingClient],
) -> None:
    nb, _ = executed
    final = rich(nb, 6)
    rows = cells_of(final)
    assert len(rows) == 2 and rows[1][1:3] == ["fake_manila", "success"]
    assert [o for o in outputs(nb, 7) if o.get("output_type") == "display_data"] == []
    # the running cell's own watcher, none left over from earlier cells; none once unloaded
    assert stdout(nb, 7).strip() == "['qobserve-live-jobs']"
    assert stdout(nb, 12).strip() == "[]"


def test_report_shows_inline(executed: tuple[Any, RecordingClient]) -> None:
    nb, _ = executed
    page = rich(nb, 8)
    assert page.startswith('<iframe class="qobserve-report"')
    doc = html.unescape(re.search(r'srcdoc="([^"]*)"', page)[1])  # type: ignore[index]
    assert doc.startswith("<!DOCTYPE html>") and 'id="slo-job-success-qpu"' in doc
    assert rich(nb, 8, "text/markdown").startswith("# SLO report ")


def test_slo_result_shows_the_weeks_figures(executed: tuple[Any, RecordingClient]) -> None:
    nb, _ = executed
    page = rich(nb, 9)
    # jobs on fake_manila (emulator) and ibm_fakecloud (qpu): setup 1, run 1, live 2,
    # extension 1, all successful
    assert "job-success-qpu:" in page
    rows = cells_of(page)
    assert rows[0][:4] == ["attainment", "burn rate", "good", "bad"]
    assert rows[1][:4] == ["100.00%", "0.00x", "5", "0"]
    assert "| attainment |" in rich(nb, 9, "text/markdown")


def test_capture_shows_what_it_recorded(executed: tuple[Any, RecordingClient]) -> None:
    nb, _ = executed
    page = rich(nb, 10)
    assert "1 experiment runs, 1 jobs" in page
    assert ["fake_manila", "success", "1", "$0.00"] in cells_of(page)
