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

from qobserve.instrument.inputs import Inputs
from qobserve.instrument.jobs import TrackedJob
from qobserve.instrument.submit import Args, Describe, recorded
from qobserve.telemetry import Telemetry


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


def _primitive_backend(primitive: Any) -> Any:
    backend = getattr(primitive, "_backend", None)
    if backend is None:
        get = getattr(primitive, "backend", None)
        backend = get() if callable(get) else get
    return backend


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


def _pubs_describer(kind: str) -> Describe:
    def describe(
        tel: Telemetry, primitive: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[TrackedJob, Args]:
        args, kwargs, items = _record_first(args, kwargs, ("pubs",))
        default_shots = _options_attr(primitive, "default_shots") if kind == "sampler" else None
        inputs = Inputs.from_pubs(kind, items, kwargs.get("shots"), default_shots)
        tags = _options_attr(primitive, "environment", "job_tags")
        tracked = TrackedJob(tel, kind, _primitive_backend(primitive), inputs, tags)
        return tracked, (args, kwargs)

    return describe


def _describe_executor(
    tel: Telemetry, executor: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[TrackedJob, Args]:
    program = args[0] if args else kwargs.get("program")
    tags = _options_attr(executor, "environment", "job_tags")
    tracked = TrackedJob(
        tel, "executor", _primitive_backend(executor), Inputs.from_program(program), tags
    )
    return tracked, (args, kwargs)


def _describe_backend_run(
    tel: Telemetry, backend: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[TrackedJob, Args]:
    args, kwargs, items = _record_first(args, kwargs, ("run_input", "circuits"))
    shots = kwargs.get("shots")
    if not isinstance(shots, int):
        shots = getattr(getattr(backend, "options", None), "shots", None)
    inputs = Inputs.from_circuits(items, shots if isinstance(shots, int) else None)
    return TrackedJob(tel, "backend.run", backend, inputs), (args, kwargs)


_RT = "qiskit_ibm_runtime"
PRIMITIVE_TARGETS: tuple[Target, ...] = (
    Target(f"{_RT}.sampler", "SamplerV2", "run", _pubs_describer("sampler")),
    Target(f"{_RT}.estimator", "EstimatorV2", "run", _pubs_describer("estimator")),
    Target(f"{_RT}.executor_sampler", "Sampler", "run", _pubs_describer("sampler")),
    Target(f"{_RT}.executor_estimator", "Estimator", "run", _pubs_describer("estimator")),
    Target(f"{_RT}.executor", "Executor", "run", _describe_executor),
)
BACKEND_TARGETS: tuple[Target, ...] = (
    Target("qiskit_aer.backends.aerbackend", "AerBackend", "run", _describe_backend_run),
    Target(f"{_RT}.fake_provider.fake_backend", "FakeBackendV2", "run", _describe_backend_run),
    Target(
        "qiskit.providers.fake_provider.generic_backend_v2",
        "GenericBackendV2",
        "run",
        _describe_backend_run,
    ),
)
