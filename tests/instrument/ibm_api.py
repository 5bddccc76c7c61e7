"""A local stand-in for the IBM Quantum REST API, for the SDK's real client to talk to.

Everything on the client side is qiskit-ibm-runtime's own code (``RetrySession``,
``RuntimeClient``, ``RuntimeJobV2``, ``IBMBackend``, ``SamplerV2``); only the server is
replaced by :class:`FakeIBMAPI`, an HTTP server on 127.0.0.1 whose jobs go through the states
a test scripts, and :class:`CloudService`, which stands in for ``QiskitRuntimeService`` (that
needs an IBM Cloud account) with the part of its ``_run`` that submits a job: the same client
call, the same exception wrapping and the same job class.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeJob:
    """A job on the fake server: the states ``GET /jobs/{id}`` walks through, and the rest."""

    backend: str
    states: list[str] = field(default_factory=lambda: ["Completed"])
    reason: str | None = None
    reason_code: int | None = None
    results: str = "{}"
    metrics: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    session_id: str = ""
    polls: int = 0

    def state(self) -> str:
        index = min(self.polls, len(self.states) - 1)
        self.polls += 1
        return self.states[index]


class FakeIBMAPI:
    """The IBM Quantum REST endpoints RuntimeJobV2 and IBMBackend use, served locally.

    ``fail(path_part, status, message, times)`` makes the next matching requests answer with
    an HTTP error (``recover()`` ends that); ``delay`` holds every answer back (for read
    timeouts).
    """

    def __init__(self) -> None:
        self.jobs: dict[str, FakeJob] = {}
        self.sessions: dict[str, dict[str, Any]] = {}  # id -> the creation payload
        self.properties: dict[str, Any] = {}
        self.next_job: FakeJob | None = None
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

    def add_job(self, job: FakeJob) -> str:
        job_id = f"d{next(self._ids):06d}cloud"
        with self._lock:
            self.jobs[job_id] = job
        return job_id

    def fail(self, path_part: str, status: int, message: str = "", times: int = 1) -> None:
        with self._lock:
            self._failures.append([path_part, status, message, times])

    def recover(self) -> None:
        """Answer every request normally again (the failures still pending are dropped)."""
        with self._lock:
            self._failures.clear()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- request handling ---------------------------------------------------------------------
    def answer(self, method: str, path: str, body: bytes) -> tuple[int, Any]:  # noqa: C901 - one branch per route of the stand-in API
        self.requests.append((method, path))
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            for failure in self._failures:
                if failure[0] in path and failure[3] > 0:
                    failure[3] -= 1
                    return failure[1], {"error": {"message": failure[2], "code": failure[1]}}
        parts = path.split("?")[0].strip("/").split("/")
        if parts[0] == "backends" and parts[-1] == "properties":
            return 200, self.properties
        if parts == ["sessions"] and method == "POST":
            session_id = f"s{next(self._ids):06d}cloud"
            with self._lock:
                self.sessions[session_id] = json.loads(body or b"{}")
            return 200, {"id": session_id}
        if parts[0] == "sessions" and len(parts) == 2 and method == "PATCH":  # close
            with self._lock:
                self.sessions[parts[1]]["closed"] = True
            return 204, None
        if parts[0] != "jobs":
            return 404, {"error": {"message": f"no route {path}", "code": 404}}
        if method == "POST" and len(parts) == 1:
            payload = json.loads(body or b"{}")
            job = self.next_job or FakeJob(backend=payload.get("backend", ""))
            self.next_job = None
            job.tags = payload.get("tags") or []
            job.session_id = payload.get("session_id") or ""
            job_id = self.add_job(job)
            return 200, {"id": job_id, "backend": job.backend}
        job = self.jobs.get(parts[1])
        if job is None:
            return 404, {"error": {"message": "Job not found", "code": 1291}}
        if len(parts) == 2:
            state: dict[str, Any] = {"status": job.state()}
            if job.reason:
                state["reason"] = job.reason
            if job.reason_code:
                state["reasonCode"] = job.reason_code
            return 200, {"id": parts[1], "state": state, "backend": job.backend}
        if parts[2] == "results":
            return 200, job.results
        if parts[2] == "metrics":
            return 200, job.metrics
        if parts[2] == "cancel" and method == "POST":
            job.states = ["Cancelled"]
            job.polls = 0
            return 204, None
        return 404, {"error": {"message": f"no route {path}", "code": 404}}


class _Handler(BaseHTTPRequestHandler):
    api: FakeIBMAPI

    def _reply(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, payload = self.api.answer(method, self.path, body)
        data = (
            b""
            if payload is None
            else (
                payload.encode()
                if isinstance(payload, str)
                else json.dumps(payload, default=_iso).encode()
            )
        )
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client timed out and left
            pass

    def do_GET(self) -> None:
        self._reply("GET")

    def do_POST(self) -> None:
        self._reply("POST")

    def do_PATCH(self) -> None:
        self._reply("PATCH")

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


def runtime_client(url: str, *, timeout: float = 5.0) -> Any:
    """qiskit-ibm-runtime's ``RuntimeClient`` talking to ``url``, without retries and with
    no IAM authentication (which needs IBM Cloud)."""
    from qiskit_ibm_runtime.api.client import RuntimeClient
    from qiskit_ibm_runtime.api.rest.runtime import Runtime
    from qiskit_ibm_runtime.api.session import RetrySession

    client = RuntimeClient.__new__(RuntimeClient)
    client._session = RetrySession(
        base_url=url, retries_total=0, retries_connect=0, timeout=(timeout, timeout)
    )
    client._api = Runtime(client._session)
    client._configuration_registry = {}
    client._instance = None
    return client


class CloudService:
    """Stands in for ``QiskitRuntimeService``: submits through the real client and returns
    the real ``RuntimeJobV2``, wrapping API errors as ``QiskitRuntimeService._run`` does."""

    is_local = False

    def __init__(self, client: Any) -> None:
        self.client = client
        self.backends: dict[str, Any] = {}

    def _run(
        self, program_id: str, options: Any, inputs: dict[str, Any],
        session_id: str | None = None, **_unused: Any,  # calibration_id, dry_run, decoder...
    ) -> Any:  # fmt: skip
        from qiskit_ibm_runtime import RuntimeJobV2
        from qiskit_ibm_runtime.api.exceptions import RequestsApiError
        from qiskit_ibm_runtime.exceptions import IBMRuntimeError

        if not isinstance(options, dict):  # RuntimeOptions, from the executor family
            options = dataclasses.asdict(options)
        backend = options["backend"]
        if isinstance(backend, str):  # as QiskitRuntimeService.backend(name) would
            backend = self.backends[backend]
        tags = options.get("job_tags")
        try:
            response = self.client.program_run(
                program_id=program_id, backend_name=backend.name, params=inputs, image=None,
                log_level=None, session_id=session_id, job_tags=tags,
            )  # fmt: skip
        except RequestsApiError as ex:
            raise IBMRuntimeError(f"Failed to run program: {ex}") from None
        return RuntimeJobV2(
            backend=backend, api_client=self.client, job_id=response["id"],
            program_id=program_id, service=self, tags=tags, version=2, session_id=session_id,
        )  # fmt: skip


def session_service(client: Any) -> Any:
    """A :class:`CloudService` that ``Session`` and ``Batch`` take for a real
    ``QiskitRuntimeService`` (they open sessions only on one): they create their session with
    ``POST /sessions`` through the real client and submit their jobs into it."""
    from qiskit_ibm_runtime import QiskitRuntimeService

    cls = type("SessionCloudService", (CloudService, QiskitRuntimeService), {})
    service = cls.__new__(cls)
    CloudService.__init__(service, client)
    service._active_api_client = client
    service._api_clients = {}
    return service


def cloud_backend(
    api: FakeIBMAPI, name: str = "ibm_fakecloud", timeout: float = 5.0, *, sessions: bool = False
) -> Any:
    """A real ``IBMBackend`` (FakeManila's configuration under ``name``) served by ``api``;
    ``sessions``: its service opens real sessions and batches (:func:`session_service`)."""
    from qiskit_ibm_runtime import IBMBackend
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    fake = FakeManilaV2()
    configuration = fake.configuration()
    configuration.backend_name = name
    fake.properties()  # loads the snapshot's properties
    api.properties = dict(fake._props_dict or {}, backend_name=name)
    client = runtime_client(api.url, timeout=timeout)
    service = session_service(client) if sessions else CloudService(client)
    backend = IBMBackend(configuration=configuration, service=service, api_client=client)
    service.backends[name] = backend
    _ = backend.target  # fetch the calibration now, while the server answers
    return backend


def _iso(value: Any) -> str:
    return value.isoformat()  # datetimes in the fake backend's calibration snapshot
