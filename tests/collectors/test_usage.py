"""The usage collector."""

from __future__ import annotations

from qobserve import contract
from qobserve.collectors import CollectOptions, Usage, UsageCollector
from qobserve.collectors.fake import FakeProvider


class Metered:
    name = "metered"

    def usage(self) -> list[Usage]:
        return [
            Usage("crn:a", consumed_seconds=120.5, limit_seconds=600),
            Usage("crn:b", consumed_seconds=3),
        ]


def test_usage_per_instance_leaves_out_what_is_not_reported() -> None:
    samples = UsageCollector().collect(Metered(), None, CollectOptions())  # type: ignore[arg-type]
    assert {(s.metric.name, s.labels, s.value) for s in samples} == {
        (contract.USAGE_CONSUMED.name, ("crn:a",), 120.5),
        (contract.USAGE_LIMIT.name, ("crn:a",), 600.0),
        (contract.USAGE_CONSUMED.name, ("crn:b",), 3.0),
    }


def test_fake_provider_reports_no_usage(fake: FakeProvider) -> None:
    assert UsageCollector().collect(fake, None, CollectOptions()) == []
