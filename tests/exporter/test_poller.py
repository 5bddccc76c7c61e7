"""The poll scheduler: timeouts, failures, backoff with jitter, backends that come and go."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence

import pytest

from qobserve import contract
from qobserve.collectors import BackendRef, Provider, create_provider
from qobserve.collectors.base import Sample
from qobserve.exporter.poller import Poller

from .providers import Broken, Changing, Stuck


def series(samples: Sequence[Sample], metric: contract.MetricSpec) -> dict[tuple[str, ...], float]:
    return {s.labels: s.value for s in samples if s.metric is metric}


def up(samples: Sequence[Sample]) -> dict[tuple[str, ...], float]:
    return series(samples, contract.COLLECTOR_UP)


def test_every_collector_and_its_self_metrics() -> None:
    before = time.time()
    poller = Poller([Changing(["qpu_a", "qpu_b"])], interval=60)
    report = poller.poll()
    samples = poller.samples()
    assert report.backends == 2 and report.failed == report.timed_out == 0
    assert series(samples, contract.BACKEND_UP) == {("qpu_a",): 1.0, ("qpu_b",): 1.0}
    assert series(samples, contract.BACKEND_PENDING_JOBS) == {("qpu_a",): 5.0, ("qpu_b",): 5.0}
    assert series(samples, contract.USAGE_LIMIT) == {("crn:test-instance",): 36000.0}
    assert series(samples, contract.BACKEND_GATE_ERROR)[("qpu_a", "cz", "p50")] == 0.0035
    assert up(samples) == {
        ("discovery", "changing"): 1.0,
        ("usage", "changing"): 1.0,
        **{(c, b): 1.0 for c in ("info", "status", "calibration") for b in ("qpu_a", "qpu_b")},
    }
    assert set(series(samples, contract.COLLECTOR_ERRORS_TOTAL).values()) == {0.0}
    assert all(
        before <= v <= time.time()
        for v in series(samples, contract.COLLECTOR_LAST_SUCCESS).values()
    )
    assert all(0 <= v < 5 for v in series(samples, contract.COLLECTOR_DURATION).values())


def test_a_failing_provider_is_down_while_the_others_keep_updating() -> None:
    broken, good = Broken(), Changing(["qpu_a"])
    poller = Poller([good, broken], interval=60, backoff_base=0.0)
    poller.poll()
    first = poller.samples()
    assert up(first)[("status", "broken_qpu_1")] == 0
    assert up(first)[("calibration", "broken_qpu_2")] == 0
    assert up(first)[("discovery", "broken")] == 1
    assert ("broken_qpu_1",) not in series(first, contract.BACKEND_UP)
    # What discovery said about the backend is still known.
    assert series(first, contract.BACKEND_QUBITS)[("broken_qpu_1",)] == 7
    time.sleep(0.01)
    poller.poll()
    second = poller.samples()
    assert series(second, contract.COLLECTOR_ERRORS_TOTAL)[("status", "broken_qpu_1")] == 2
    key = ("status", "qpu_a")
    assert (
        series(second, contract.COLLECTOR_LAST_SUCCESS)[key]
        > series(first, contract.COLLECTOR_LAST_SUCCESS)[key]
    )
    assert up(second)[key] == 1


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    broken = Broken(count=20)
    poller = Poller([broken], interval=60, backoff_base=0.04, max_backoff=0.1, rng=random.Random(7))
    delays: list[list[float]] = []
    for _ in range(4):
        poller.poll()
        states = [poller.state("status", r.name) for r in broken.refs]
        delays.append([s.retry_delay for s in states if s])
        deadline = max(s.next_attempt for s in states if s)
        time.sleep(max(deadline - time.monotonic(), 0.0) + 0.005)
    for n, batch in enumerate(delays, start=1):
        cap = min(0.1, 0.04 * 2 ** (n - 1))
        assert len(batch) == 20
        assert all(0.5 * cap <= d <= cap for d in batch), (n, batch)
        assert len({round(d, 6) for d in batch}) > 1, "jitter spreads the retries"
    assert poller.state("status", "broken_qpu_1").failures == 4  # type: ignore[union-attr]


def test_no_retry_before_the_backoff_is_over() -> None:
    broken = Broken(count=1)
    poller = Poller([broken], interval=60, backoff_base=30)
    poller.poll()
    calls = broken.calls
    report = poller.poll()
    assert broken.calls == calls
    assert report.skipped == 2
    assert up(poller.samples())[("status", "broken_qpu_1")] == 0


def test_a_hanging_provider_times_out_and_is_not_called_again_while_it_hangs(stuck: Stuck) -> None:
    good = Changing(["qpu_a"])
    poller = Poller([good, stuck], interval=60, timeout=0.2, backoff_base=0.0)
    start = time.monotonic()
    report = poller.poll()
    assert time.monotonic() - start < 1.5
    assert report.timed_out == 2
    samples = poller.samples()
    assert up(samples)[("status", "stuck_qpu_1")] == 0
    assert series(samples, contract.COLLECTOR_DURATION)[("status", "stuck_qpu_1")] == 0.2
    assert up(samples)[("status", "qpu_a")] == 1
    poller.poll()
    assert stuck.calls == 2, "no second thread while the first call still hangs"
    errors = series(poller.samples(), contract.COLLECTOR_ERRORS_TOTAL)
    assert errors[("status", "stuck_qpu_1")] == 2
    stuck.release()
    deadline = time.monotonic() + 5
    while stuck.hanging and time.monotonic() < deadline:
        time.sleep(0.01)
    poller.poll()
    assert up(poller.samples())[("status", "stuck_qpu_1")] == 1


def test_series_of_a_backend_that_disappears_are_removed() -> None:
    changing = Changing(["qpu_a", "qpu_b"])
    poller = Poller([changing], interval=60)
    poller.poll()
    assert any("qpu_b" in s.labels for s in poller.samples())
    changing.names.remove("qpu_b")
    poller.poll()
    assert not any("qpu_b" in s.labels for s in poller.samples())
    assert [r.name for r in poller.backends()] == ["qpu_a"]


def test_failed_discovery_keeps_polling_known_backends() -> None:
    changing = Changing(["qpu_a"])
    poller = Poller([changing], interval=60, backoff_base=0.0)
    poller.poll()
    changing.fail_discovery = True
    poller.poll()
    samples = poller.samples()
    assert up(samples)[("discovery", "changing")] == 0
    assert up(samples)[("status", "qpu_a")] == 1
    assert series(samples, contract.BACKEND_UP) == {("qpu_a",): 1.0}


def test_backend_patterns_select_backends() -> None:
    poller = Poller(
        [Changing(["fake_x", "ibm_y", "other"])], interval=60, backends=["fake_*", "other"]
    )
    poller.poll()
    assert sorted(r.name for r in poller.backends()) == ["fake_x", "other"]


def test_a_backend_name_belongs_to_the_first_provider(caplog: pytest.LogCaptureFixture) -> None:
    class Twin(Changing):
        name = "twin"

    poller = Poller([Changing(["shared"]), Twin(["shared", "own"])], interval=60)
    with caplog.at_level(logging.WARNING, logger="qobserve.exporter"):
        poller.poll()
        poller.poll()
    assert sorted((r.provider, r.name) for r in poller.backends()) == [
        ("changing", "shared"),
        ("twin", "own"),
    ]
    assert caplog.text.count("backend shared of provider twin ignored") == 1


def test_discovery_results_that_are_not_backend_refs_are_ignored() -> None:
    class Sloppy(Changing):
        name = "sloppy"

        def backends(self) -> list[BackendRef]:
            return ["not-a-ref", *super().backends()]  # type: ignore[list-item]

    poller = Poller([Sloppy(["qpu_a"])], interval=60)
    poller.poll()
    assert [r.name for r in poller.backends()] == ["qpu_a"]


def test_provider_names_must_be_unique() -> None:
    with pytest.raises(ValueError):
        Poller([Changing([]), Changing([])])


def test_one_poll_covers_every_fake_backend() -> None:
    fake: Provider = create_provider("fake")
    poller = Poller([fake], interval=60, timeout=30)
    report = poller.poll()
    names = {r.name for r in fake.backends()}
    assert report.failed == report.timed_out == 0
    samples = poller.samples()
    for metric in (
        contract.BACKEND_UP,
        contract.BACKEND_QUBITS,
        contract.BACKEND_CALIBRATION_TIMESTAMP,
    ):
        assert {labels[0] for labels in series(samples, metric)} == names, metric.name
