"""What to wrap in qiskit-ibm-runtime and qiskit-aer, and how to read each call.

Every target is feature-detected: a module or class that this SDK version lacks is skipped,
never an ImportError. Targets (module, class, method, primitive label):

- ``SamplerV2.run`` / ``EstimatorV2.run`` (``qiskit_ibm_runtime.sampler`` / ``.estimator``);
- the executor-based ``Sampler.run`` / ``Estimator.run`` (``qiskit_ibm_runtime.executor_sampler``
  / ``.executor_estimator``) and ``Executor.run`` (``qiskit_ibm_runtime.executor``);
- ``backend.run`` of Aer (``AerBackend``), qiskit-ibm-runtime's fake backends
  (``FakeBackendV2``) and qiskit's ``GenericBackendV2``.

Example::

    for target in PRIMITIVE_TARGETS:
        cls = target.load()
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

from qobserve.instrument import backends
from qobserve.instrument.adapter import Args, Describe, Submission, server_of
from qobserve.instrument.inputs import Inputs
from qobserve.instrument.qiskit_adapter import QISKIT
from qobserve.instrument.submit import recorded


class Target(NamedTuple):
    """A method to wrap: ``module.cls.method``, described by ``describe``."""

    module: str
    cls: str
    method: str
    describe: Describe

    def load(self) -> type | None:
        """The class, or None when this SDK version does not have it."""
        try:
            module = importlib.import_module(self.module)
        except Exception:  # ImportError, or a broken optional dependency inside the SDK
            return None
        found = getattr(module, self.cls, None)
        return found if isinstance(found, type) else None


def _options_attr(primitive: Any, *path: str) -> Any:
    value = getattr(primitive, "options", None)
    for name in path:
        value = getattr(value, name, None)
    return value


#: the backend of qiskit's reference primitives, which have none
STATEVECTOR = "statevector"


def _primitive_backend(primitive: Any) -> Any:
    backend = getattr(primitive, "_backend", None)
    if backend is None:
        get = getattr(primitive, "backend", None)
        backend = get() if callable(get) else get
    return backend if backend is not None else STATEVECTOR


def _record_first(
    args: tuple[Any, ...], kwargs: dict[str, Any], names: tuple[str, ...]
) -> tuple[tuple[Any, ...], dict[str, Any], Any]:
    """Arguments to pass on, with the first (positional or one of ``names``) made
    re-readable, and the sequence of its items."""
    if args:
        passed, items = recorded(args[0])
        return (passed, *args[1:]), kwargs, items
    for name in names:
        if name in kwargs:
            passed, items = recorded(kwargs[name])
            return args, {**kwargs, name: passed}, items
    return args, kwargs, []


def _tags(primitive: Any) -> tuple[str, ...]:
    tags = _options_attr(primitive, "environment", "job_tags")
    return tuple(t for t in tags if isinstance(t, str)) if tags else ()


#: result-changing options of qiskit-ibm-runtime primitives: (span attribute or "", path)
_IBM_OPTIONS = (
    ("quantum.options.resilience_level", ("resilience_level",)),
    ("quantum.options.twirling.gates", ("twirling", "enable_gates")),
    ("quantum.options.twirling.measure", ("twirling", "enable_measure")),
    ("", ("twirling", "num_randomizations")),
    ("", ("twirling", "shots_per_randomization")),
    ("quantum.options.dynamical_decoupling", ("dynamical_decoupling", "enable")),
    ("", ("dynamical_decoupling", "sequence_type")),
    ("", ("seed_estimator",)),
    ("", ("simulator", "seed_simulator")),
    ("", ("seed_simulator",)),
    ("", ("default_precision",)),
)


def _primitive_options(primitive: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(options that change the result, their span attributes) of a primitive: IBM's
    resilience, twirling, dynamical decoupling and seeds; the seed or run options of Aer's
    and qiskit's own primitives."""
    options: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for attribute, path in _IBM_OPTIONS:
        value = _options_attr(primitive, *path)
        if value is None or type(value).__name__ == "UnsetType":
            continue
        options[".".join(path)] = value
        if attribute and isinstance(value, (bool, int, float, str)):
            attributes[attribute] = value
    for name in ("seed", "_seed"):  # StatevectorSampler/Estimator, Aer's primitives
        value = getattr(primitive, name, None)
        if isinstance(value, (int, str)):
            options["seed"] = value
    run_options = _options_attr(primitive, "run_options") or _options_attr(
        primitive, "backend_options"
    )
    if isinstance(run_options, dict):
        options["run_options"] = run_options
    return options, attributes


def _execution(primitive: Any) -> tuple[str, str]:
    """IBM execution mode (job, session, batch) and the session or batch id."""
    mode = getattr(primitive, "_mode", None)
    names = {cls.__name__ for cls in type(mode).__mro__}
    if "Batch" in names:
        kind = "batch"
    elif "Session" in names:
        kind = "session"
    elif "_service" in vars(primitive) or mode is not None:
        kind = "job"
    else:
        return "", ""
    session = getattr(mode, "session_id", None) if kind != "job" else None
    return kind, str(session) if session else ""


def _calibration(backend: Any) -> float | None:
    """The backend's last calibration (Unix seconds), where it is known without a request:
    fake backends' snapshot, or properties an IBM backend already fetched."""
    props = getattr(backend, "_props_dict", None) or getattr(backend, "_properties", None)
    stamp = props.get("last_update_date") if isinstance(props, dict) else None
    if stamp is None:
        stamp = getattr(props, "last_update_date", None)
    if isinstance(stamp, str):
        from datetime import datetime

        try:
            stamp = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            return None
    timestamp = getattr(stamp, "timestamp", None)
    return float(timestamp()) if callable(timestamp) else None


def _server(backend: Any) -> tuple[str, int] | None:
    """The IBM Quantum API an IBM backend talks to: its ``RuntimeClient``'s session base URL
    (private to qiskit-ibm-runtime, so read defensively: no address rather than no job)."""
    session = getattr(getattr(backend, "_api_client", None), "_session", None)
    return server_of(getattr(session, "base_url", None))


def submission(
    primitive: str, backend: Any, work: Inputs, tags: tuple[str, ...] = (),
    options: dict[str, Any] | None = None, attributes: dict[str, Any] | None = None,
    mode: tuple[str, str] = ("", ""),
) -> Submission:  # fmt: skip
    """The :class:`Submission` of a Qiskit call on ``backend`` (an object)."""
    reference = backend is STATEVECTOR
    kind = "simulator" if reference else backends.backend_type(backend)
    return Submission(
        QISKIT, primitive, backends.backend_name(backend), kind, work,
        tags, options or {}, attributes or {}, calibration_at=_calibration(backend),
        execution_mode=mode[0], session_id=mode[1], server=_server(backend),
        provider="qiskit" if reference else backends.provider(backend),
    )  # fmt: skip


def _pubs_describer(kind: str) -> Describe:
    def describe(
        primitive: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Submission, Args]:
        args, kwargs, items = _record_first(args, kwargs, ("pubs",))
        default_shots = None
        if kind == "sampler":
            default_shots = _options_attr(primitive, "default_shots")
            if not isinstance(default_shots, int):  # qiskit's reference sampler
                default_shots = getattr(primitive, "default_shots", None)
        inputs = Inputs.from_pubs(kind, items, kwargs.get("shots"), default_shots)
        options, attributes = _primitive_options(primitive)
        if "precision" in kwargs:
            options["precision"] = kwargs["precision"]
        backend = _primitive_backend(primitive)
        return (
            submission(
                kind, backend, inputs, _tags(primitive), options, attributes, _execution(primitive)
            ),
            (args, kwargs),
        )

    return describe


def _describe_executor(
    executor: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Submission, Args]:
    program = args[0] if args else kwargs.get("program")
    inputs = Inputs.from_program(program)
    options, attributes = _primitive_options(executor)
    return (
        submission(
            "executor",
            _primitive_backend(executor),
            inputs,
            _tags(executor),
            options,
            attributes,
            _execution(executor),
        ),
        (args, kwargs),
    )


def _describe_backend_run(
    backend: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Submission, Args]:
    args, kwargs, items = _record_first(args, kwargs, ("run_input", "circuits"))
    shots = kwargs.get("shots")
    if not isinstance(shots, int):
        shots = getattr(getattr(backend, "options", None), "shots", None)
    inputs = Inputs.from_circuits(items, shots if isinstance(shots, int) else None)
    # every run option (seed_simulator, memory, noise_model...) may change the result
    options = {k: v for k, v in kwargs.items() if k not in ("run_input", "circuits")}
    return submission("backend.run", backend, inputs, options=options), (args, kwargs)


_RT = "qiskit_ibm_runtime"
PRIMITIVE_TARGETS: tuple[Target, ...] = (
    Target(f"{_RT}.sampler", "SamplerV2", "run", _pubs_describer("sampler")),
    Target(f"{_RT}.estimator", "EstimatorV2", "run", _pubs_describer("estimator")),
    Target(f"{_RT}.executor_sampler", "Sampler", "run", _pubs_describer("sampler")),
    Target(f"{_RT}.executor_estimator", "Estimator", "run", _pubs_describer("estimator")),
    Target(f"{_RT}.executor", "Executor", "run", _describe_executor),
)
_QP = "qiskit.primitives"
_AP = "qiskit_aer.primitives"
#: qiskit's reference and backend primitives, and Aer's: one job per primitive job (the
#: backend jobs a backend primitive makes in its worker are inside it, not jobs of their own)
REFERENCE_TARGETS: tuple[Target, ...] = (
    Target(f"{_QP}.statevector_sampler", "StatevectorSampler", "run", _pubs_describer("sampler")),
    Target(
        f"{_QP}.statevector_estimator", "StatevectorEstimator", "run",
        _pubs_describer("estimator"),
    ),
    Target(f"{_QP}.backend_sampler_v2", "BackendSamplerV2", "run", _pubs_describer("sampler")),
    Target(
        f"{_QP}.backend_estimator_v2", "BackendEstimatorV2", "run", _pubs_describer("estimator")
    ),
    Target(f"{_AP}.sampler_v2", "SamplerV2", "run", _pubs_describer("sampler")),
    Target(f"{_AP}.estimator_v2", "EstimatorV2", "run", _pubs_describer("estimator")),
)  # fmt: skip
#: ``run`` of every ``BackendV2`` subclass, those of providers imported later too
BACKEND_BASE = Target("qiskit.providers.backend", "BackendV2", "run", _describe_backend_run)
