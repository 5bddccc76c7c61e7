"""A local stand-in for the Amazon Braket and S3 REST APIs, for the SDK's real client to talk to.

Everything on the client side is amazon-braket-sdk's and botocore's own code (``AwsSession``,
``AwsDevice``, ``AwsQuantumTask``, the ``braket`` and ``s3`` boto clients, request signing,
error parsing); only the server is replaced by :class:`FakeBraketAPI`, an HTTP server on
127.0.0.1 reached through botocore's ``AWS_ENDPOINT_URL`` setting. Devices are documents built
from the SDK's own schema classes; a task's result is computed by running Braket's default
state-vector simulator on the submitted OpenQASM program, and served from the fake S3 bucket.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

REGION = "us-east-1"
IONQ_ARN = f"arn:aws:braket:{REGION}::device/qpu/ionq/Forte-1"
RIGETTI_ARN = f"arn:aws:braket:{REGION}::device/qpu/rigetti/Ankaa-3"
SV1_ARN = "arn:aws:braket:::device/quantum-simulator/amazon/sv1"
CALIBRATED_AT = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)


@dataclass
class FakeTask:
    """A quantum task on the fake server: the states ``GetQuantumTask`` walks through."""

    arn: str
    device_arn: str
    shots: int
    action: dict[str, Any]
    bucket: str
    directory: str
    states: list[str] = field(default_factory=lambda: ["COMPLETED"])
    failure_reason: str | None = None
    queue_position: str = "1"
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    ended_at: datetime | None = None
    polls: int = 0
    cancelled: bool = False

    def state(self) -> str:
        if self.cancelled:
            return "CANCELLED"
        index = min(self.polls, len(self.states) - 1)
        self.polls += 1
        return self.states[index]


def _coherence(value_us: float) -> dict[str, Any]:
    return {"value": value_us, "standardError": None, "unit": "us"}


def _fidelity(name: str, value: float) -> dict[str, Any]:
    return {"fidelityType": {"name": name}, "fidelity": value, "standardError": None}


def standardized_v1(
    t1_us: list[float], t2_us: list[float], readout: list[float], cz: dict[str, float]
) -> dict[str, Any]:
    """Per-qubit calibration in Braket's standardized (v1) device-properties schema."""
    from braket.device_schema.standardized_gate_model_qpu_device_properties_v1 import (
        StandardizedGateModelQpuDeviceProperties,
    )

    doc = {
        "braketSchemaHeader": {
            "name": "braket.device_schema.standardized_gate_model_qpu_device_properties",
            "version": "1",
        },
        "oneQubitProperties": {
            str(q): {
                "T1": _coherence(t1_us[q]),
                "T2": _coherence(t2_us[q]),
                "oneQubitFidelity": [
                    _fidelity("RANDOMIZED_BENCHMARKING", 0.999),
                    _fidelity("READOUT", readout[q]),
                ],
            }
            for q in range(len(t1_us))
        },
        "twoQubitProperties": {
            pair: {
                "twoQubitGateFidelity": [
                    {"gateName": "CZ", "fidelity": f, "fidelityType": {"name": "INTERLEAVED_RB"}}
                ]
            }
            for pair, f in cz.items()
        },
    }
    # the SDK's own class checks the document is one a real device could publish
    return json.loads(StandardizedGateModelQpuDeviceProperties.parse_obj(doc).json())


def qpu_capabilities(
    arn: str, num_qubits: int, standardized: dict[str, Any] | None, windows: list[dict[str, str]]
) -> str:
    """A gate-model QPU's ``deviceCapabilities``, validated by the SDK's Rigetti schema class."""
    from braket.device_schema.rigetti import RigettiDeviceCapabilities

    doc: dict[str, Any] = {
        "braketSchemaHeader": {
            "name": "braket.device_schema.rigetti.rigetti_device_capabilities",
            "version": "1",
        },
        "service": {
            "braketSchemaHeader": {
                "name": "braket.device_schema.device_service_properties",
                "version": "1",
            },
            "executionWindows": windows,
            "shotsRange": [1, 100000],
            "updatedAt": CALIBRATED_AT.isoformat(),
        },
        "action": {
            "braket.ir.openqasm.program": {
                "actionType": "braket.ir.openqasm.program",
                "version": ["1"],
                "supportedOperations": ["h", "cnot", "cz", "x", "rx", "rz"],
                "supportedResultTypes": [],
            }
        },
        "paradigm": {
            "braketSchemaHeader": {
                "name": "braket.device_schema.gate_model_qpu_paradigm_properties",
                "version": "1",
            },
            "qubitCount": num_qubits,
            "nativeGateSet": ["rx", "rz", "cz"],
            "connectivity": {
                "fullyConnected": False,
                "connectivityGraph": {str(q): [str(q + 1)] for q in range(num_qubits - 1)},
            },
        },
        "deviceParameters": {},
    }
    if standardized is not None:
        doc["standardized"] = standardized
    return RigettiDeviceCapabilities.parse_obj(doc).json()


def simulator_capabilities() -> str:
    """SV1's ``deviceCapabilities`` (the SDK's simulator schema class)."""
    from braket.device_schema.simulators import GateModelSimulatorDeviceCapabilities

    doc = {
        "braketSchemaHeader": {
            "name": "braket.device_schema.simulators.gate_model_simulator_device_capabilities",
            "version": "1",
        },
        "service": {
            "braketSchemaHeader": {
                "name": "braket.device_schema.device_service_properties",
                "version": "1",
            },
            "executionWindows": [
                {
                    "executionDay": "Everyday",
                    "windowStartHour": "00:00",
                    "windowEndHour": "23:59:59",
                }
            ],
            "shotsRange": [0, 100000],
        },
        "action": {
            "braket.ir.openqasm.program": {
                "actionType": "braket.ir.openqasm.program",
                "version": ["1"],
                "supportedOperations": ["h", "cnot", "x", "rx", "rz"],
                "supportedResultTypes": [],
            }
        },
        "paradigm": {
            "braketSchemaHeader": {
                "name": "braket.device_schema.simulators.gate_model_simulator_paradigm_properties",
                "version": "1",
            },
            "qubitCount": 34,
        },
        "deviceParameters": {},
    }
    return GateModelSimulatorDeviceCapabilities.parse_obj(doc).json()


#: The price list the stand-in serves as AWS's Braket offer file (``BRAKET_PRICE_OFFERS_URL``),
#: so the SDK's own cost ``Tracker`` can cross-check qobserve's price model. Constant because
#: the SDK caches the list once per process.
OFFERS: list[dict[str, str]] = [
    {"Product Family": "Quantum Task", "DeviceName": "Forte-1", "PricePerUnit": "0.30"},
    {"Product Family": "Quantum Task-Shot", "DeviceName": "Forte-1", "PricePerUnit": "0.08"},
    {"Product Family": "Quantum Task", "DeviceName": "Ankaa-3", "PricePerUnit": "0.30"},
    {"Product Family": "Quantum Task-Shot", "DeviceName": "Ankaa-3", "PricePerUnit": "0.0009"},
    {
        "Product Family": "Simulator Task",
        "Version": "SV1",
        "operation": "CompleteTask",
        "PricePerUnit": "0.075",
        "Unit": "minutes",
    },
]
PRICE_MODEL = """
backends:
  ionq_forte_1: {per_task: 0.30, per_shot: 0.08}
  rigetti_ankaa_3: {per_task: 0.30, per_shot: 0.0009}
  sv1: {per_minute: 0.075, minimum_billed_seconds: 3}
"""


def _offer_file() -> bytes:
    columns = [
        "Region Code",
        "Product Family",
        "DeviceName",
        "Version",
        "operation",
        "PricePerUnit",
        "Currency",
        "Unit",
    ]
    lines = [
        '"FormatVersion","v1.0"',
        '"Disclaimer","stand-in"',
        '"Publication Date","-"',
        '"Version","-"',
        '"OfferCode","AmazonBraket"',
        ",".join(f'"{c}"' for c in columns),
    ]
    for offer in OFFERS:
        row = {"Region Code": REGION, "Currency": "USD", **offer}
        lines.append(",".join(f'"{row.get(c, "")}"' for c in columns))
    return ("\n".join(lines) + "\n").encode()


ALWAYS = [{"executionDay": "Everyday", "windowStartHour": "00:00", "windowEndHour": "23:59:59"}]


class FakeBraketAPI:
    """The Braket REST endpoints ``AwsDevice`` and ``AwsQuantumTask`` use, and S3 ``GetObject``.

    ``devices`` maps an ARN to its ``GetDevice`` document (edit it to change a device's status
    or queue); ``next_task`` holds :class:`FakeTask` fields (``states``, ``failure_reason``,
    ...) for the tasks created next; ``fail(operation, status, code, times)`` makes the next
    matching calls answer with an AWS error; ``delay`` holds every answer back (read timeouts).
    """

    def __init__(self) -> None:
        self.devices: dict[str, dict[str, Any]] = {}
        self.tasks: dict[str, FakeTask] = {}
        self.objects: dict[tuple[str, str], bytes] = {}
        self.next_task: dict[str, Any] = {}
        self.delay = 0.0
        self.requests: list[tuple[str, str]] = []
        self._failures: list[list[Any]] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"api": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def add_device(
        self,
        arn: str,
        name: str,
        provider: str,
        capabilities: str,
        *,
        status: str = "ONLINE",
        queue: int = 0,
    ) -> None:
        self.devices[arn] = {
            "deviceArn": arn,
            "deviceName": name,
            "providerName": provider,
            "deviceType": "SIMULATOR" if "quantum-simulator" in arn else "QPU",
            "deviceStatus": status,
            "deviceCapabilities": capabilities,
            "deviceQueueInfo": [
                {
                    "queue": "QUANTUM_TASKS_QUEUE",
                    "queueSize": str(queue),
                    "queuePriority": "Normal",
                },
                {"queue": "QUANTUM_TASKS_QUEUE", "queueSize": "0", "queuePriority": "Priority"},
                {"queue": "JOBS_QUEUE", "queueSize": "0"},
            ],
        }

    def fail(
        self, operation: str, status: int, code: str, times: int = 1, message: str = ""
    ) -> None:
        """Answer the next ``times`` calls of ``operation`` (e.g. ``GetDevice``) with an error."""
        with self._lock:
            self._failures.append([operation, status, code, times, message])

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- request handling ---------------------------------------------------------------------
    def _failure(self, operation: str) -> tuple[int, str, str] | None:
        with self._lock:
            for entry in self._failures:
                if entry[0] == operation and entry[3] > 0:
                    entry[3] -= 1
                    return entry[1], entry[2], entry[4] or f"{entry[2]} from the stand-in"
        return None

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        self.requests.append((method, path))
        if self.delay:
            time.sleep(self.delay)
        parts = [unquote(p) for p in path.strip("/").split("/", 1)]
        operation, handler = self._route(method, parts)
        failure = self._failure(operation)
        if failure is not None:
            status, code, message = failure
            payload = json.dumps({"message": message}).encode()
            return status, {"x-amzn-ErrorType": code, "Content-Type": "application/json"}, payload
        return handler(parts, query, json.loads(body) if body else {})

    def _route(self, method: str, parts: list[str]) -> tuple[str, Any]:
        head = parts[0]
        if method == "GET" and head == "device":
            return "GetDevice", self._get_device
        if method == "POST" and head == "devices":
            return "SearchDevices", self._search_devices
        if method == "POST" and head == "quantum-task":
            return "CreateQuantumTask", self._create_task
        if method == "GET" and head == "quantum-task":
            return "GetQuantumTask", self._get_task
        if method == "PUT" and head == "quantum-task":
            return "CancelQuantumTask", self._cancel_task
        if head == "offers":
            return "Pricing", self._offers
        return "S3", self._s3

    @staticmethod
    def _offers(*_: Any) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "text/csv"}, _offer_file()

    @staticmethod
    def _json(status: int, doc: Any) -> tuple[int, dict[str, str], bytes]:
        return status, {"Content-Type": "application/json"}, json.dumps(doc, default=str).encode()

    def _not_found(self, what: str) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps({"message": f"{what} not found"}).encode()
        return 404, {"x-amzn-ErrorType": "ResourceNotFoundException"}, body

    def _get_device(self, parts: list[str], *_: Any) -> tuple[int, dict[str, str], bytes]:
        device = self.devices.get(parts[1])
        return self._json(200, device) if device else self._not_found(parts[1])

    def _search_devices(
        self, _parts: list[str], _query: Any, body: dict[str, Any]
    ) -> tuple[int, dict[str, str], bytes]:
        wanted = {f["name"]: set(f["values"]) for f in body.get("filters", [])}
        found = []
        for device in self.devices.values():
            values = {
                "deviceArn": device["deviceArn"],
                "deviceName": device["deviceName"],
                "deviceType": device["deviceType"],
                "deviceStatus": device["deviceStatus"],
                "providerName": device["providerName"],
            }
            if all(values.get(k) in v for k, v in wanted.items()):
                found.append(values)
        return self._json(200, {"devices": found})

    def _create_task(
        self, _parts: list[str], _query: Any, body: dict[str, Any]
    ) -> tuple[int, dict[str, str], bytes]:
        number = next(self._ids)
        arn = f"arn:aws:braket:{REGION}:123456789012:quantum-task/task-{number:04d}"
        task = FakeTask(
            arn=arn,
            device_arn=body["deviceArn"],
            shots=int(body["shots"]),
            action=json.loads(body["action"]),
            bucket=body["outputS3Bucket"],
            directory=f"{body['outputS3KeyPrefix']}/{arn.rsplit('/', 1)[1]}",
            **self.next_task,
        )
        with self._lock:
            self.tasks[arn] = task
        return self._json(201, {"quantumTaskArn": arn})

    def _get_task(
        self, parts: list[str], _query: Any, _body: Any
    ) -> tuple[int, dict[str, str], bytes]:
        task = self.tasks.get(parts[1])
        if task is None:
            return self._not_found(parts[1])
        state = task.state()
        doc: dict[str, Any] = {
            "quantumTaskArn": task.arn,
            "status": state,
            "deviceArn": task.device_arn,
            "deviceParameters": "{}",
            "shots": task.shots,
            "outputS3Bucket": task.bucket,
            "outputS3Directory": task.directory,
            "createdAt": task.created_at.isoformat(),
            "actionMetadata": {"actionType": "braket.ir.openqasm.program"},
            "queueInfo": {
                "queue": "QUANTUM_TASKS_QUEUE",
                "queuePriority": "Normal",
                "position": task.queue_position if state == "QUEUED" else "None",
            },
        }
        if state in ("COMPLETED", "FAILED", "CANCELLED"):
            task.ended_at = task.ended_at or datetime.now(UTC)
            doc["endedAt"] = task.ended_at.isoformat()
        if state == "FAILED":
            doc["failureReason"] = task.failure_reason or "the stand-in failed it"
        if state == "COMPLETED":
            self._store_result(task)
        return self._json(200, doc)

    def _cancel_task(
        self, parts: list[str], _query: Any, _body: Any
    ) -> tuple[int, dict[str, str], bytes]:
        arn = parts[1].removesuffix("/cancel")
        task = self.tasks.get(arn)
        if task is None:
            return self._not_found(arn)
        task.cancelled = True
        return self._json(200, {"quantumTaskArn": arn, "cancellationStatus": "CANCELLING"})

    def _store_result(self, task: FakeTask) -> None:
        key = (task.bucket, f"{task.directory}/results.json")
        if key in self.objects:
            return
        from braket.default_simulator import StateVectorSimulator
        from braket.ir.openqasm import Program

        program = Program(source=task.action["source"], inputs=task.action.get("inputs"))
        result = StateVectorSimulator().run(program, shots=task.shots)
        doc = json.loads(result.json())
        doc["taskMetadata"]["id"] = task.arn
        doc["taskMetadata"]["deviceId"] = task.device_arn
        self.objects[key] = json.dumps(doc).encode()

    def _s3(self, parts: list[str], *_: Any) -> tuple[int, dict[str, str], bytes]:
        bucket, _, key = "/".join(parts).partition("/")
        body = self.objects.get((bucket, key))
        if body is None:
            xml = b"<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>"
            return 404, {"Content-Type": "application/xml"}, xml
        return 200, {"Content-Type": "application/json"}, body


class _Handler(BaseHTTPRequestHandler):
    api: FakeBraketAPI

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        status, headers, payload = self.api.answer(
            self.command, url.path, parse_qs(url.query), body
        )
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(ConnectionError):  # a client that timed out and left
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = _handle

    def log_message(self, *_: Any) -> None:  # keep test output quiet
        pass


def point_botocore_at(api: FakeBraketAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point botocore (every client the SDK makes) at the stand-in, with dummy credentials."""
    config = tmp_path / "aws-config"
    config.write_text("[default]\ns3 =\n    addressing_style = path\n")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "BRAKET_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSTANDIN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "stand-in-secret-key")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", api.url)
    monkeypatch.setenv("AMZN_BRAKET_OUT_S3_BUCKET", "amazon-braket-standin")
    monkeypatch.setenv("BRAKET_PRICE_OFFERS_URL", f"{api.url}/offers/AmazonBraket/index.csv")
