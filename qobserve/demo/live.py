"""``qobserve demo --live``: the demo with Prometheus, Alertmanager, the Pushgateway and the
exporter running on 127.0.0.1, ending with a page alert arriving at a webhook.

Debian's ``prometheus``, ``prometheus-alertmanager`` and ``prometheus-pushgateway`` provide the
servers; the exporter and the webhook receiver run in this process. The generated rules and
Alertmanager routes are used as generated, with only the receivers' URLs and timings set for
a demo (1 s scrapes and evaluations, no grouping delay, no maintenance window).

Example::

    run_live(Path("demo-output"), Path("slo"), timeout=300)
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

import yaml

from qobserve.demo.run import Demo, print_summary
from qobserve.servers import WebhookReceiver, find_binary

#: Demo backends of the exporter: a handful, not all 68 fake backends
BACKENDS = ("fake_manila", "fake_lima", "fake_quito", "fake_belem")
#: the backend whose calibration the demo lets go stale
STALE_BACKEND = "fake_quito"


class DemoProvider:
    """The fake provider, restricted to :data:`BACKENDS`, with fresh calibrations (the fake
    backends' snapshots are years old) except :data:`STALE_BACKEND`, 30 hours old, and with
    fake_manila down while ``down`` is set."""

    name = "demo"

    def __init__(self) -> None:
        from qobserve.collectors.fake import FakeProvider

        self.inner = FakeProvider()
        self.down = threading.Event()
        self.now = time.time()

    def backends(self) -> Sequence[Any]:
        return [b for b in self.inner.backends() if b.name in BACKENDS]

    def status(self, backend: Any) -> Any:
        status = self.inner.status(backend)
        if backend.name == "fake_manila" and self.down.is_set():
            return replace(status, operational=False, message="down for the demo's outage")
        return status

    def calibration(self, backend: Any) -> Any:
        calibration = self.inner.calibration(backend)
        if calibration is None:
            return None
        age = 30 * 3600 if backend.name == STALE_BACKEND else 3600
        return replace(calibration, timestamp=self.now - age)

    def usage(self) -> list[Any]:
        return []


def missing_servers() -> list[str]:
    """Server binaries --live needs that are not installed."""
    return [k for k in ("prometheus", "alertmanager", "pushgateway") if find_binary(k) is None]


def prometheus_yaml(
    exporter: str, app: str, pushgateway: str, alertmanager: str, rules_glob: str
) -> str:
    """The generated Prometheus config, pointed at the demo's servers, scraping every second."""
    from qobserve.exporter.deploy import prometheus_config

    config = yaml.safe_load(
        prometheus_config(
            exporter_target=exporter,
            app_targets=[app],
            rule_files=[rules_glob],
            alertmanager=alertmanager,
            scrape_interval="1s",
            exporter_scrape_interval="1s",
            scrape_timeout="1s",
        )
    )
    config["scrape_configs"].append(
        {
            "job_name": "pushgateway",
            "honor_labels": True,
            "static_configs": [{"targets": [pushgateway]}],
        }
    )
    return yaml.safe_dump(config, sort_keys=False)


def _host(url: str) -> str:
    return url.split("//")[1].split("/")[0]


@contextlib.contextmanager
def live_stack(demo: Demo, provider: DemoProvider, hook: WebhookReceiver) -> Iterator[Any]:
    """Alertmanager, Pushgateway, exporter and Prometheus, wired together."""
    from qobserve.exporter import serve
    from qobserve.rules import AlertmanagerOptions, alertmanager_config
    from qobserve.servers import start_alertmanager, start_prometheus, start_pushgateway

    options = AlertmanagerOptions(
        page_url=f"{hook.url}/page",
        ticket_url=f"{hook.url}/ticket",
        group_wait="1s",
        group_interval="5s",
        maintenance=(),
    )
    app = demo.tel.metrics_url
    assert app is not None, "the demo serves its metrics in --live mode"
    rules = (demo.summary.out / "alert_rules").resolve()
    with (
        start_alertmanager(alertmanager_config(demo.slos, options)) as am,
        start_pushgateway() as gateway,
        serve("127.0.0.1:0", provider=provider, interval=1) as exporter,
    ):
        config = prometheus_yaml(
            _host(exporter.url),
            _host(app),
            _host(gateway.url),
            _host(am.url),
            f"{rules}/*.rules.yml",
        )
        with start_prometheus(config) as prom:
            yield {
                "prometheus": prom.url,
                "alertmanager": am.url,
                "pushgateway": gateway.url,
                "exporter": exporter.url,
                "app": app,
            }


def run_live(out: Path, slo_dir: Path, *, timeout: float = 300, stream: TextIO = sys.stderr) -> int:
    """Run the live demo; 0 when a page alert arrived, 1 when not, 2 without the servers."""
    missing = missing_servers()
    if missing:
        print(
            f"qobserve demo --live needs {', '.join(missing)}: on Debian or Ubuntu, "
            "apt-get install prometheus prometheus-alertmanager prometheus-pushgateway "
            "(or run `qobserve demo` without --live)",
            file=sys.stderr,
        )
        return 2
    demo = Demo(out, slo_dir, stream=stream, metrics_port=0)
    demo.generate()
    provider = DemoProvider()
    with WebhookReceiver() as hook, live_stack(demo, provider, hook) as urls:
        print(
            "Live stack on 127.0.0.1: " + ", ".join(f"{k} {v}" for k, v in urls.items()),
            file=stream,
        )
        provider.down.set()  # fake_manila goes down: its jobs fail from now on
        demo.run_workload(outage_jobs=20, outage_pause=0.5)
        import qobserve

        qobserve.push(job="qobserve-demo")
        print(f"Waiting up to {timeout:.0f} s for the page alert ...", file=stream, flush=True)
        page = hook.wait_for("page", timeout)
        checked = _check_dashboards(demo, urls["prometheus"])
        (out / "alerts-received.json").write_text(json.dumps(hook.alerts(), indent=2))
    summary = demo.finish()
    print_summary(summary)
    if page is None:
        print(f"\nno page alert arrived within {timeout:.0f} s", file=sys.stderr)
        return 1
    labels = page["labels"]
    print(
        f"\nPAGE received at {hook.url}{page['route']}: {labels.get('alertname')} "
        f"slo={labels.get('slo')} severity={labels.get('severity')}\n"
        f"  {page.get('annotations', {}).get('summary', '')}\n"
        f"  dashboards: {checked}\n"
        f"  every alert received: {out / 'alerts-received.json'}"
    )
    return 0


def _check_dashboards(demo: Demo, prometheus: str) -> str:
    """Run every dashboard query against the live Prometheus; a one-line verdict."""
    from qobserve.dashboards import dashboard_files
    from qobserve.dashboards.check import Context, check_dashboard
    from qobserve.promapi import PrometheusAPI

    api, total, errors, with_data = PrometheusAPI(prometheus), 0, 0, 0
    for text in dashboard_files(demo.slos).values():
        for result in check_dashboard(json.loads(text), api, Context(scrape_interval=1.0)):
            total += 1
            errors += bool(result.error)
            with_data += bool(result.series)
    return f"{total} queries run, {with_data} with data, {errors} errors"
