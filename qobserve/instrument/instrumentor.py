"""``QiskitInstrumentor``: one call makes existing Qiskit code observable.

Example::

    from qobserve.instrument import QiskitInstrumentor

    QiskitInstrumentor().instrument()
    job = SamplerV2(mode=FakeManilaV2()).run([isa_circuit])   # traced, measured, stored
    QiskitInstrumentor().uninstrument()                        # every original back
"""

from __future__ import annotations

import importlib
from collections.abc import Collection
from typing import Any

from qobserve.instrument.base import BaseInstrumentor, use_providers
from qobserve.instrument.patching import Patcher, WrapperFactory
from qobserve.instrument.patching_instrumentor import check_options
from qobserve.instrument.primitives import BACKEND_BASE, PRIMITIVE_TARGETS, REFERENCE_TARGETS
from qobserve.instrument.propagation import patch_threads
from qobserve.instrument.submit import wrap_submit
from qobserve.instrument.timing import stamping_submit
from qobserve.instrument.transpiler import wrap_generate, wrap_pass_manager_run, wrap_transpile
from qobserve.telemetry import current_telemetry, get_telemetry

# job classes whose submit method passes the job's callable to a thread pool:
# (module, class, method, attribute holding the callable, attribute holding the pool or None)
_STAMPED_JOBS = (
    ("qiskit_aer.jobs.aerjob", "AerJob", "submit", "_fn", "_executor"),
    ("qiskit.primitives.primitive_job", "PrimitiveJob", "_submit", "_function", None),
)


class QiskitInstrumentor(BaseInstrumentor):
    """Traces and measures Qiskit primitives, ``backend.run``, jobs and the transpiler.

    ``instrument()`` keyword arguments:

    - ``primitives`` (True): wrap ``SamplerV2``/``EstimatorV2`` and the executor-based
      ``Sampler``, ``Estimator`` and ``Executor`` of qiskit-ibm-runtime, qiskit's reference
      (``StatevectorSampler``/``Estimator``) and backend (``BackendSamplerV2``/``EstimatorV2``)
      primitives, and Aer's;
    - ``backend_run`` (True): wrap ``run`` of every ``BackendV2`` subclass (Aer, fake and
      generic backends, ``BasicSimulator``, third-party providers, also those imported
      after ``instrument()``);
    - ``transpiler`` (True): wrap ``StagedPassManager.run``, ``transpile`` and
      ``generate_preset_pass_manager``;
    - ``auto_idempotency`` (``"run"``): scope of automatic idempotency keys, ``"run"``,
      ``"global"`` or ``"off"`` (see :mod:`qobserve.instrument.idempotency`);
    - ``propagate_context`` (True): carry the experiment run, idempotency key block and
      OpenTelemetry context into executor submissions and threads started inside a run (see
      :mod:`qobserve.instrument.propagation`);
    - ``tracer_provider``, ``meter_provider``: OTel providers for qobserve's spans and (the OTel
      metrics path) metrics; without them, the global ones the application or
      ``opentelemetry-instrument`` set (see ``docs/opentelemetry.md``);
    - ``skip_dep_check`` (False): do not check :meth:`instrumentation_dependencies`.

    What this SDK version lacks is skipped; :attr:`patched` lists what was wrapped.
    """

    _patcher: Patcher

    def instrumentation_dependencies(self) -> Collection[str]:
        # runtime and Aer are optional: what is not installed is not wrapped
        return ("qiskit >= 1.3",)

    @property
    def patched(self) -> tuple[str, ...]:
        """``module.Class.method`` (or ``module.function``) of every wrapped callable."""
        patcher = getattr(self, "_patcher", None)
        if patcher is None:
            return ()
        return tuple(
            f"{getattr(p.owner, '__module__', '')}.{getattr(p.owner, '__name__', '')}.{p.name}"
            if isinstance(p.owner, type)
            else f"{p.owner.__name__}.{p.name}"
            for p in patcher.patches
        )

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every finished remote job is recorded (their ``job.metrics()`` request
        runs on a background thread); False on timeout."""
        return get_telemetry().instrumentation.finisher.flush(timeout)

    def _instrument(
        self,
        *,
        primitives: bool = True,
        backend_run: bool = True,
        transpiler: bool = True,
        auto_idempotency: str = "run",
        propagate_context: bool = True,
        tracer_provider: Any = None,
        meter_provider: Any = None,
        **unknown: Any,
    ) -> None:
        check_options(unknown, auto_idempotency)
        # without Qiskit, ModuleNotFoundError: opentelemetry-instrument skips us quietly
        importlib.import_module("qiskit")
        use_providers(tracer_provider, meter_provider)
        patcher = self._patcher = Patcher()
        targets = (PRIMITIVE_TARGETS + REFERENCE_TARGETS) if primitives else ()
        for target in targets:
            cls = target.load()
            if cls is not None:
                patcher.patch(cls, target.method, wrap_submit(target.describe, auto_idempotency))
        if backend_run:
            _patch_backends(patcher, wrap_submit(BACKEND_BASE.describe, auto_idempotency))
        if primitives or backend_run:
            for module, name, method, fn_attr, pool_attr in _STAMPED_JOBS:
                cls = _load(module, name)
                if cls is not None:
                    patcher.patch(cls, method, stamping_submit(fn_attr, pool_attr))
        if transpiler:
            _patch_transpiler(patcher)
        if propagate_context:
            patch_threads(patcher)

    def _uninstrument(self, **kwargs: Any) -> None:
        self._patcher.restore()
        tel = current_telemetry()
        if tel is not None:
            tel.instrumentation.reset()


def _load(module: str, name: str) -> Any:
    try:
        found = getattr(importlib.import_module(module), name, None)
    except Exception:
        return None
    return found


def _subclasses(cls: type) -> list[type]:
    found: list[type] = []
    stack: list[type] = list(cls.__subclasses__())
    while stack:
        sub = stack.pop()
        if sub not in found:
            found.append(sub)
            stack.extend(sub.__subclasses__())
    return found


def _patch_backends(patcher: Patcher, factory: WrapperFactory) -> None:
    """``run`` of every ``BackendV2`` subclass that defines one, now and later: a provider
    imported after ``instrument()`` defines its backend classes then, so
    ``BackendV2.__init_subclass__`` patches each new class as it is created (until
    ``uninstrument()``). An inherited ``run`` is already patched where it is defined; a
    ``run`` that calls another (``super().run``) is one job, the outermost call."""
    loaded = BACKEND_BASE.load()
    if loaded is None:
        return
    base: type = loaded
    for cls in _subclasses(base):
        if "run" in vars(cls):
            patcher.patch(cls, "run", factory)
    if "__init_subclass__" in vars(base):  # a qiskit that hooks it itself: leave it alone
        return

    def __init_subclass__(cls: type, /, **kwargs: Any) -> None:
        super(base, cls).__init_subclass__(**kwargs)  # type: ignore[arg-type]  # cls is a class
        if "run" in vars(cls) and patcher.active:
            patcher.patch(cls, "run", factory)

    patcher.set(base, "__init_subclass__", classmethod(__init_subclass__))


def _patch_transpiler(patcher: Patcher) -> None:
    staged = _load("qiskit.transpiler.passmanager", "StagedPassManager")
    if isinstance(staged, type):
        patcher.patch(staged, "run", wrap_pass_manager_run)
    for module, name, factory in (
        ("qiskit.compiler.transpiler", "transpile", wrap_transpile),
        ("qiskit.transpiler.preset_passmanagers", "generate_preset_pass_manager", wrap_generate),
    ):
        original = _load(module, name)
        if callable(original):
            # every module, the user's too: ``from qiskit import transpile`` before
            # instrument() binds the original in the importing module
            patcher.patch_function(original, factory(original))
