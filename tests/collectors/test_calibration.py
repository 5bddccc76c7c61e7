"""Calibration summaries, checked against numpy and against the fake backends' own data."""

from __future__ import annotations

import math
import time
from typing import cast

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qobserve import contract
from qobserve.collectors import (
    BackendRef,
    CalibrationCollector,
    CollectOptions,
    Provider,
    quantiles,
)
from qobserve.collectors.base import Sample
from qobserve.collectors.calibration import calibration_samples
from qobserve.collectors.fake import FakeProvider
from qobserve.collectors.provider import Calibration

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@given(st.lists(finite, min_size=1, max_size=200))
def test_quantiles_match_numpy(values: list[float]) -> None:
    got = dict(quantiles(values))
    want = np.quantile(values, [0.1, 0.5, 0.9])
    assert list(got) == ["p10", "p50", "p90"]
    for (label, value), expected in zip(got.items(), want, strict=True):
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-9), label


@given(st.lists(st.one_of(finite, st.none(), st.just(math.nan)), max_size=50))
def test_quantiles_skip_missing_values(values: list[float | None]) -> None:
    present = [v for v in values if v is not None and not math.isnan(v)]
    got = quantiles(values)
    if not present:
        assert got == []
    else:
        assert [v for _, v in got] == pytest.approx(list(np.quantile(present, [0.1, 0.5, 0.9])))


def _by(samples: list[Sample], metric: contract.MetricSpec) -> dict[tuple[str, ...], float]:
    return {s.labels: s.value for s in samples if s.metric is metric}


def test_summaries_equal_numpy_over_the_backend_target(fake: FakeProvider) -> None:
    backend = fake.backend("fake_kyiv")
    target = backend.target
    ref = next(r for r in fake.backends() if r.name == "fake_kyiv")
    samples = CalibrationCollector().collect(fake, ref, CollectOptions())
    qs = [0.1, 0.5, 0.9]
    t1 = [p.t1 for p in target.qubit_properties]
    readout = [target["measure"][(q,)].error for q in range(target.num_qubits)]
    ecr = [p.error for p in target["ecr"].values()]
    for metric, values in ((contract.BACKEND_T1, t1), (contract.BACKEND_READOUT_ERROR, readout)):
        got = _by(samples, metric)
        want = np.quantile(values, qs)
        assert [got[("fake_kyiv", q)] for q in ("p10", "p50", "p90")] == pytest.approx(want)
    gate = _by(samples, contract.BACKEND_GATE_ERROR)
    assert [gate[("fake_kyiv", "ecr", q)] for q in ("p10", "p50", "p90")] == pytest.approx(
        np.quantile(ecr, qs)
    )
    assert "measure" not in {labels[1] for labels in gate}


def test_calibration_timestamp_is_the_backend_properties_date(fake: FakeProvider) -> None:
    ref = next(r for r in fake.backends() if r.name == "fake_kyiv")
    samples = CalibrationCollector().collect(fake, ref, CollectOptions())
    stamp = _by(samples, contract.BACKEND_CALIBRATION_TIMESTAMP)[("fake_kyiv",)]
    assert stamp == fake.backend("fake_kyiv").properties().last_update_date.timestamp()
    # Fake backends are snapshots: their calibration is old, and that is kept as is.
    assert stamp < time.time() - 30 * 86400


def test_every_fake_backend_has_every_summary(
    fake: FakeProvider, fake_refs: list[BackendRef]
) -> None:
    for ref in fake_refs:
        samples = CalibrationCollector().collect(fake, ref, CollectOptions())
        names = {s.metric.name for s in samples}
        assert names == {
            m.name
            for m in (
                contract.BACKEND_CALIBRATION_TIMESTAMP,
                contract.BACKEND_T1,
                contract.BACKEND_T2,
                contract.BACKEND_READOUT_ERROR,
                contract.BACKEND_GATE_ERROR,
            )
        }, ref.name
        for metric in (contract.BACKEND_T1, contract.BACKEND_T2, contract.BACKEND_READOUT_ERROR):
            by_q = {s.labels[1]: s.value for s in samples if s.metric is metric}
            assert by_q["p10"] <= by_q["p50"] <= by_q["p90"], (ref.name, metric.name)
        assert all(
            s.value > 0 for s in samples if s.metric in (contract.BACKEND_T1, contract.BACKEND_T2)
        )


def test_per_qubit_series_only_when_asked(fake: FakeProvider) -> None:
    ref = next(r for r in fake.backends() if r.name == "fake_manila")
    summary = CalibrationCollector().collect(fake, ref, CollectOptions())
    detail = CalibrationCollector().collect(fake, ref, CollectOptions(per_qubit=True))
    per_qubit = (contract.QUBIT_T1, contract.QUBIT_T2, contract.QUBIT_READOUT_ERROR)
    assert not [s for s in summary if s.metric in per_qubit]
    target = fake.backend("fake_manila").target
    t1 = _by(detail, contract.QUBIT_T1)
    assert t1 == {("fake_manila", str(q)): p.t1 for q, p in enumerate(target.qubit_properties)}
    assert len(_by(detail, contract.QUBIT_READOUT_ERROR)) == target.num_qubits == 5


def test_missing_values_give_no_series() -> None:
    cal = Calibration(
        timestamp=None, t1=[None, 1e-4], t2=[], readout_error=[None], gate_errors={"cz": []}
    )
    samples = calibration_samples("b", cal, per_qubit=True)
    assert {(s.metric.name, s.labels) for s in samples} == {
        ("quantum_backend_t1_seconds", ("b", "p10")),
        ("quantum_backend_t1_seconds", ("b", "p50")),
        ("quantum_backend_t1_seconds", ("b", "p90")),
        ("quantum_qubit_t1_seconds", ("b", "1")),
    }


def test_backend_without_calibration_yields_nothing() -> None:
    class NoCalibration:
        name = "none"

        def calibration(self, backend: BackendRef) -> None:  # noqa: ARG002 - the Provider interface
            return None

    provider = cast(Provider, NoCalibration())
    assert CalibrationCollector().collect(provider, BackendRef("x"), CollectOptions()) == []
