"""A real instrumented workload (Qiskit on Aer, through SamplerV2 and backend.run) with a
canary secret everywhere a user may put one: an experiment's parameters, job tags, run
options, an idempotency key, exception messages, a QOBSERVE_* variable and the environment.

Usage: python canary_workload.py STORE METRICS_PORT PUSHGATEWAY TRACING OTLP_URL OUT_PREFIX
(the canaries come from CANARY_SERVICE_TOKEN, a secret-named variable, and CANARY_TEXT, a
secret given in text only); writes OUT_PREFIX.metrics (its /metrics) and OUT_PREFIX.log
(every record of the ``qobserve`` logger, DEBUG included).
"""

import contextlib
import logging
import os
import sys
import urllib.request

from qiskit import QuantumCircuit
from qiskit_aer import AerSimulator
from qiskit_ibm_runtime import SamplerV2

import qobserve
from qobserve.instrument import QiskitInstrumentor, idempotency_key

store, port, gateway, tracing, otlp, out_prefix = sys.argv[1:7]
qobserve_logs = logging.FileHandler(f"{out_prefix}.log")
qobserve_logs.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
logging.getLogger("qobserve").addHandler(qobserve_logs)
logging.getLogger("qobserve").setLevel(logging.DEBUG)
env_token = os.environ["CANARY_SERVICE_TOKEN"]  # a secret the environment holds
text_token = os.environ["CANARY_TEXT"]  # a secret only ever written in text

logger_provider = None
if otlp:  # job events as OTLP log records too
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor

    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(
        SimpleLogRecordProcessor(OTLPLogExporter(endpoint=f"{otlp}/v1/logs"))
    )
qobserve.configure(
    service_name="canary",
    tracing=tracing,
    otlp_endpoint=otlp or None,
    store_path=store,
    metrics_port=int(port),
    push_gateway=gateway,
    push_instance="canary-runner",
    logger_provider=logger_provider,
)
QiskitInstrumentor().instrument()
bell = QuantumCircuit(2)
bell.h(0)
bell.cx(0, 1)
bell.measure_all()
aer = AerSimulator()


@qobserve.experiment("canary")
def sweep(token: str, *, tags: list[str]) -> None:
    sampler = SamplerV2(mode=aer)
    sampler.options.environment.job_tags = tags
    sampler.options.simulator.seed_simulator = 7
    sampler.options.experimental = {"label": token}  # a run option
    with idempotency_key(f"nightly-{token}"):
        sampler.run([bell], shots=16).result()
    SamplerV2(mode=aer, options={"environment": {"job_tags": tags}}).run([bell], shots=8).result()
    aer.run(bell, shots=8, seed_simulator=3).result()
    raise PermissionError(
        f"401 for {{'token': '{text_token}'}}, token: '{text_token}', apikey {text_token}; "
        f"env {token}"
    )


with contextlib.suppress(PermissionError):
    sweep(
        env_token,
        tags=[f"owner:{env_token}", f"idempotency:tag-{env_token}", f"apikey {text_token}"],
    )
qobserve.flush()
with (
    urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp,
    open(f"{out_prefix}.metrics", "wb") as out,
):
    out.write(resp.read())
