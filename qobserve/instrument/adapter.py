"""The vendor-neutral job core's interface to an SDK: what a submission is and how its job
is read.

The core (:mod:`qobserve.instrument.submit`, :mod:`qobserve.instrument.jobs`,
:mod:`qobserve.instrument.recorder`) knows nothing about Qiskit, Braket, PennyLane or Cirq.
An SDK is added with

- a **describe** function per wrapped submit method (``SamplerV2.run``, ``backend.run``,
  ``Device.run``, ``Sampler.run_sweep``...): it reads the call's arguments, cheaply, on the
  caller's thread, into a :class:`Submission` (backend, primitive, the submitted
  :class:`Work`, tags, result-changing options), and returns the arguments to pass on;
- an :class:`Adapter`: how the value the SDK returns is read: its job id, whether it runs on
  a local ``Future`` or remotely, which of its methods report the outcome (``result``,
  ``status`` / ``state``, ``cancel``), what a final status is, what an exception of
  ``result()`` means, how many shots a result says were executed, and how the server's
  timestamps and billed usage are fetched.

Calls that return the result itself (PennyLane's ``Device.execute``, Cirq's ``run_sweep``) are
*synchronous*: :attr:`Submission.returns_result`; the core records them when the call returns.

Example::

    class MyAdapter(Adapter):
        sdk = "mysdk"
        def job_id(self, handle): return handle.id
        def final_status(self, value): return {"COMPLETED": DONE}.get(value)

    def describe(device, args, kwargs):
        work = MyWork(args[0], kwargs.get("shots"))
        return Submission(ADAPTER, "task", device.name, "simulator", work), (args, kwargs)
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from qobserve.instrument.timing import Timing

#: final statuses, as :meth:`Adapter.final_status` names them
DONE, ERROR, CANCELLED = "DONE", "ERROR", "CANCELLED"
NO_TIMING = Timing(None, None, None, None)


@dataclass(frozen=True, slots=True)
class Shape:
    """What the submitted circuits look like (None where not measured).

    ``num_qubits`` is the largest number of qubits a circuit acts on, ``device_qubits`` the
    width of the circuits as submitted (an ISA circuit is as wide as its device), ``depth`` the
    deepest circuit, ``two_qubit_gates`` the two-qubit gates over all circuits.
    """

    num_circuits: int
    num_qubits: int | None = None
    depth: int | None = None
    two_qubit_gates: int | None = None
    device_qubits: int | None = None


class Work(Protocol):
    """The submitted work of one job, summarised lazily (off the submit path)."""

    @property
    def num_circuits(self) -> int:
        """Circuits, PUBs, tapes or program items submitted."""
        ...

    def requested_shots(self) -> int | None:
        """Shots the submission asks for, over all its parameter sets; None when the SDK
        decides (an Estimator's precision) or the execution is analytic."""
        ...

    def shape(self) -> Shape:
        """The circuits' :class:`Shape`."""
        ...

    def fingerprint(self, *context: object) -> str:
        """A stable hex digest of everything that changes the result, and ``context``."""
        ...


@dataclass(frozen=True, slots=True)
class Submission:
    """What a describe function read from one submit call.

    ``options`` are the run options that change the result (seeds, resilience level,
    twirling...): they go into the automatic idempotency key. ``attributes`` are extra span
    attributes of the job (``quantum.*``). ``calibration_at`` is the backend's last
    calibration (Unix seconds) at submission; ``execution_mode`` ``job``, ``session`` or
    ``batch`` (IBM), with the session or batch id in ``session_id``. ``server`` is the
    (host, port) of the provider API the job is sent to (``server.address``/``server.port``
    on the CLIENT submit span); None for a job that runs in this process.
    """

    adapter: Adapter
    primitive: str
    backend: str
    backend_type: str
    work: Work
    tags: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    attributes: Mapping[str, Any] = field(default_factory=dict)
    returns_result: bool = False
    calibration_at: float | None = None
    execution_mode: str = ""
    session_id: str = ""
    provider: str = ""
    server: tuple[str, int] | None = None


def package_provider(cls: type, plugin_prefix: str) -> str:
    """The provider a backend class's package names: its top-level package, less the SDK's
    plugin prefix (``qiskit_ionq`` -> ``ionq``, ``cirq_google`` -> ``google``).

    >>> import collections
    >>> package_provider(collections.OrderedDict, "py_")
    'collections'
    """
    top = (getattr(cls, "__module__", "") or "").partition(".")[0]
    stripped = top.removeprefix(plugin_prefix)
    return stripped or top or "unknown"


Args = tuple[tuple[Any, ...], dict[str, Any]]


def server_of(url: object) -> tuple[str, int] | None:
    """(host, port) of an API base URL (the scheme's port when it names none); None for
    anything that is not an http(s) URL.

    >>> server_of("https://quantum.cloud.ibm.com/api/v1"), server_of("http://127.0.0.1:8080")
    (('quantum.cloud.ibm.com', 443), ('127.0.0.1', 8080))
    """
    from urllib.parse import urlsplit

    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    except ValueError:
        return None
    return (parts.hostname, port) if parts.hostname and port else None


#: reads a submit call: (owner, args, kwargs) -> (submission, (args, kwargs) to pass on)
Describe = Callable[[Any, tuple[Any, ...], dict[str, Any]], tuple[Submission, Args]]


class Adapter:
    """How the core reads the job handles of one SDK; override what differs.

    The defaults fit a handle with ``result()``, ``status()`` and ``cancel()`` methods whose
    status names are ``DONE``/``ERROR``/``CANCELLED``, no local future and no server timing.
    """

    #: the SDK's name (``qiskit``, ``braket``, ``pennylane``, ``cirq``)
    sdk: ClassVar[str] = ""
    #: role -> method of the handle hooked per instance: ``result`` returns the result or
    #: raises, ``status`` returns a status :meth:`final_status` reads, ``cancel`` cancels,
    #: and the optional ``progress`` returns what :meth:`progress` reads, on every poll
    #: (``result()``'s own too)
    methods: ClassVar[Mapping[str, str]] = {"result": "result", "status": "status",
                                            "cancel": "cancel"}  # fmt: skip

    def job_id(self, handle: Any) -> str:
        """The provider's id of the job (empty when it has none)."""
        return str(getattr(handle, "id", "") or "")

    def future(self, handle: Any) -> concurrent.futures.Future[Any] | None:  # noqa: ARG002 - the default for SDKs without it; adapters override
        """The local future the job runs on, whose completion the core observes directly."""
        return None

    def is_remote(self, handle: Any) -> bool:  # noqa: ARG002 - the default for SDKs without it; adapters override
        """True when :meth:`server_timing` has something to fetch after completion."""
        return False

    def final_status(self, value: Any) -> str | None:
        """``DONE``, ``ERROR`` or ``CANCELLED`` for a final status value, else None."""
        name = getattr(value, "name", None)
        name = name if isinstance(name, str) else str(value).upper()
        return name if name in (DONE, ERROR, CANCELLED) else None

    def progress(self, value: Any) -> tuple[bool, int | None]:  # noqa: ARG002 - the default for SDKs without it; adapters override
        """(the job is running, its queue position) from what the ``progress`` method
        returned: the core times queue and execution from the transitions it observes, when
        the server has no start time."""
        return False, None

    def status_failure(self, handle: Any) -> BaseException:  # noqa: ARG002 - the default for SDKs without it; adapters override
        """The failure of a job whose status is ``ERROR`` (for its error type)."""
        return RuntimeError("job failed")

    def ends_job(self, exc: BaseException) -> bool:  # noqa: ARG002 - the default for SDKs without it; adapters override
        """True when ``result()`` raising ``exc`` means the job itself ended (failed,
        cancelled, timed out on the server), False for the client's own trouble (a wait that
        expired, a failed poll): the job goes on."""
        return True

    def cancelled(self, value: Any) -> bool:
        """True when ``cancel()`` returning ``value`` means something was cancelled."""
        return value is not False

    def result_final(self, handle: Any, result: Any) -> bool:  # noqa: ARG002 - the default for SDKs without it; adapters override
        """False when ``result()`` returned although the job goes on (Braket's ``None`` after
        its polling timed out): the core then treats the call as a client-side timeout."""
        return True

    def result_failure(self, handle: Any, result: Any) -> BaseException | None:  # noqa: ARG002 - the default for SDKs without it; adapters override
        """The failure a returned result reports (a result object with ``success`` false,
        ``None`` for a failed Braket task), None for a successful one."""
        return None

    def executed_shots(self, result: Any, work: Work) -> int | None:  # noqa: ARG002 - the default for SDKs without it; adapters override
        """Shots the result says were executed (None: take ``work.requested_shots()``)."""
        return None

    def server_timing(self, handle: Any) -> Timing:  # noqa: ARG002 - the default for SDKs without it; adapters override
        """Server timestamps and billed usage, fetched once after completion (a request: the
        core calls it on its finisher thread, never on the caller's)."""
        return NO_TIMING
