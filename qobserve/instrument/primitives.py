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
from qobserve.instrument.adapter import Args, Describe, Submission
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


def _tags(primitive: Any) -> tuple[str, ...]:
    tags = _options_attr(primitive, "environment", "job_tags")
    return tuple(t for t in tags if isinstance(t, str)) if tags else ()


def submission(
    primitive: str, backend: Any, work: Inputs, tags: tuple[str, ...] = ()
) -> Submission:
    """The :class:`Submission` of a Qiskit call on ``backend`` (an object)."""
    return Submission(
        QISKIT, primitive, backends.backend_name(backend), backends.backend_type(backend), work,
        tags,
    )  # fmt: skip


def _pubs_describer(kind: str) -> Describe:
    def describe(
        primitive: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Submission, Args]:
        args, kwargs, items = _record_first(args, kwargs, ("pubs",))
        default_shots = _options_attr(primitive, "default_shots") if kind == "sampler" else None
        inputs = Inputs.from_pubs(kind, items, kwargs.get("shots"), default_shots)
        return (
            submission(kind, _primitive_backend(primitive), inputs, _tags(primitive)),
            (args, kwargs),
        )

    return describe


def _describe_executor(
    executor: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Submission, Args]:
    program = args[0] if args else kwargs.get("program")
    inputs = Inputs.from_program(program)
    return (
        submission("executor", _primitive_backend(executor), inputs, _tags(executor)),
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
    return submission("backend.run", backend, inputs), (args, kwargs)


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
