"""Expected annotations of generated tests: Prometheus' rendering of qobserve's templates."""

from __future__ import annotations

from qobserve.rules.testgen import expand


def test_expand_the_templates_qobserve_writes() -> None:
    text = 'SLO x on {{ $labels.backend }}: {{ printf "%.1f" $value }}x ({{$labels.slo}})'
    assert expand(text, {"backend": "b1", "slo": "x"}, 13.449) == "SLO x on b1: 13.4x (x)"
    assert expand("{{ $labels.missing }}", {}, 0) == "<no value>"
    assert expand('{{ printf "%.0f" $value }} %', {}, 99.5) == "100 %"
    assert expand("no templates", {}, 1) == "no templates"


def test_anything_else_is_unpredictable() -> None:
    assert expand("{{ $value | humanize }}", {}, 1) is None
    assert expand('{{ with query "up" }}x{{ end }}', {}, 1) is None
