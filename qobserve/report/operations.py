"""The operations section from job events: volume, latency, cost, divergence, duplicates.

All figures are pandas group-bys over the week's rows. Percentiles are exact sample
quantiles (linear interpolation); from Prometheus they are histogram estimates instead.

Example::

    ops = event_operations(index, window, previous, divergence_threshold=0.9)
    ops.table("cost").rows
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qobserve.report.events import CALIBRATION_AGE
from qobserve.report.model import DailyOps, Operations, Table
from qobserve.report.period import Window
from qobserve.report.sli import NEEDS_PROMETHEUS, EventIndex
from qobserve.report.tables import SUCCESS_RATIO_NOTE, UNKNOWN_PROVIDER, make, unavailable

QUANTILES = (0.5, 0.95, 0.99)


def _ratio(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a / b.where(b > 0)).astype("float64")


def _rows(frame: pd.DataFrame) -> list[list[object]]:
    """Rows with NaN as None, so renderers print a dash and JSON has null."""
    clean = frame.astype(object).where(frame.notna(), None)
    return [
        [None if v is None else (v.item() if hasattr(v, "item") else v) for v in row]
        for row in clean.itertuples(index=False, name=None)
    ]


def event_operations(
    index: EventIndex, window: Window, previous: Window, divergence_threshold: float | None = None
) -> Operations:
    """Operations tables for ``window`` from the events in ``index``."""
    f = index.frame
    week = f[index.in_window(window.start, window.end)]
    prev = f[index.in_window(previous.start, previous.end)]
    ok = week["outcome"] == "success"
    w = week.assign(
        success=ok.astype("int64"),
        failed=(~ok).astype("int64"),
        counted=(week["outcome"] != "cancelled").astype("int64"),
    )
    ops = Operations()
    ops.tables.append(_volume(w, prev))
    ops.tables.append(_providers(w))
    ops.tables.append(_backends(w))
    ops.tables.append(_error_types(w))
    ops.tables.append(_cost_types(w))
    ops.tables.append(_cost(w))
    ops.tables.append(_divergence(w, divergence_threshold))
    ops.tables.append(_calibration_context(w, divergence_threshold))
    ops.tables.append(_duplicates(w))
    for key in ("calibration", "coverage", "alerts"):
        ops.tables.append(unavailable(key, NEEDS_PROMETHEUS.split(":")[0]))
    ops.daily = _daily(index, w, window)
    return ops


def _volume(w: pd.DataFrame, prev: pd.DataFrame) -> Table:
    this = w.groupby("backend_type", observed=True).agg(
        jobs=("success", "size"), success=("success", "sum"), counted=("counted", "sum")
    )
    before = prev.groupby("backend_type", observed=True).size().rename("previous_jobs")
    t = this.join(before, how="outer").fillna(0).astype("int64")
    t.index = t.index.astype(str)
    t = t.sort_index().reset_index()
    t.loc[len(t)] = ["all", *(t[c].sum() for c in ("jobs", "success", "counted", "previous_jobs"))]
    t["success_ratio"] = _ratio(t["success"], t["counted"])
    t["change"] = _ratio(t["jobs"] - t["previous_jobs"], t["previous_jobs"])
    t = t[["backend_type", "jobs", "previous_jobs", "change", "success_ratio"]]
    return make("volume", _rows(t), note=SUCCESS_RATIO_NOTE)


def _percentiles(w: pd.DataFrame, by: str, column: str, qs: tuple[float, ...]) -> pd.DataFrame:
    q = w.groupby(by, observed=True)[column].quantile(list(qs)).unstack()
    return q.reindex(columns=list(qs)).rename(columns=lambda p: f"{column}_p{round(p * 100)}")


def _providers(w: pd.DataFrame) -> Table:
    # events stored before the provider column (schema 4) have none: counted as unknown
    provider = w["provider"].cat.add_categories([UNKNOWN_PROVIDER]).fillna(UNKNOWN_PROVIDER)
    w = w.assign(provider=provider)
    t = w.groupby("provider", observed=True).agg(
        jobs=("success", "size"),
        success=("success", "sum"),
        counted=("counted", "sum"),
        cost=("cost_usd", "sum"),
        fidelity=("fidelity", "mean"),
    )
    t["success_ratio"] = _ratio(t["success"], t["counted"])
    t["cost_per_job"] = _ratio(t["cost"], t["jobs"])
    t = t.join(_percentiles(w, "provider", "duration_seconds", (0.5, 0.95)))
    t = t.join(_percentiles(w, "provider", "queue_seconds", (0.5,)))
    t.index = t.index.astype(str)
    t = t.reset_index().sort_values(["jobs", "provider"], ascending=[False, True])
    columns = ["provider", "jobs", "success", "success_ratio", "duration_seconds_p50"]
    columns += ["duration_seconds_p95", "queue_seconds_p50", "cost_per_job", "fidelity"]
    return make("providers", _rows(t[columns]), note=SUCCESS_RATIO_NOTE)


def _backends(w: pd.DataFrame) -> Table:
    g = w.groupby("backend", observed=True)
    t = g.agg(
        backend_type=("backend_type", "first"),
        jobs=("success", "size"),
        success=("success", "sum"),
        counted=("counted", "sum"),
        cost=("cost_usd", "sum"),
        fidelity=("fidelity", "mean"),
    )
    t["success_ratio"] = _ratio(t["success"], t["counted"])
    t["cost_per_job"] = _ratio(t["cost"], t["jobs"])
    t = t.join(_percentiles(w, "backend", "duration_seconds", QUANTILES))
    t = t.join(_percentiles(w, "backend", "queue_seconds", QUANTILES[:2]))
    t = t.reset_index().sort_values(["jobs", "backend"], ascending=[False, True])
    columns = ["backend", "backend_type", "jobs", "success", "success_ratio"]
    columns += [c for c in t.columns if c.startswith(("duration_seconds_", "queue_seconds_"))]
    return make("backends", _rows(t[[*columns, "cost_per_job", "fidelity"]]), SUCCESS_RATIO_NOTE)


def _error_types(w: pd.DataFrame) -> Table:
    failed = w[w["failed"] == 1]
    t = failed.groupby("error_type", observed=True).size().rename("jobs").reset_index()
    t["share"] = _ratio(t["jobs"], pd.Series(len(failed), index=t.index))
    t = t.sort_values(["jobs", "error_type"], ascending=[False, True])
    return make("error_types", _rows(t))


def _cost_types(w: pd.DataFrame) -> Table:
    t = w.groupby("backend_type", observed=True).agg(
        jobs=("success", "size"), qpu_seconds=("qpu_seconds", "sum"), cost_usd=("cost_usd", "sum")
    )
    t.index = t.index.astype(str)
    t = t.sort_index()
    t["cost_per_job"] = _ratio(t["cost_usd"], t["jobs"])
    return make("cost_types", _rows(t.reset_index()))


def _cost(w: pd.DataFrame) -> Table:
    t = w.groupby("experiment", observed=True).agg(
        jobs=("success", "size"),
        success=("success", "sum"),
        qpu_seconds=("qpu_seconds", "sum"),
        cost_usd=("cost_usd", "sum"),
    )
    t.index = t.index.astype(str)
    t = t.sort_index()
    t.loc["all"] = t.sum()
    t["cost_per_job"] = _ratio(t["cost_usd"], t["jobs"])
    t["cost_per_success"] = _ratio(t["cost_usd"], t["success"])
    t = t.reset_index()
    return make("cost", _rows(t))


def _divergence(w: pd.DataFrame, threshold: float | None) -> Table:
    checks = w[w["fidelity"].notna()]
    t = checks.groupby("backend", observed=True)["fidelity"].agg(["size", "mean", "min"])
    if threshold is None:
        t.insert(1, "diverged", np.nan)
        note = "no divergence SLO: no threshold to count diverged checks"
    else:
        t.insert(
            1,
            "diverged",
            (checks["fidelity"] < threshold).groupby(checks["backend"], observed=True).sum(),
        )
        note = f"diverged: fidelity below {threshold:g}"
    empty = "no result checks in the window"
    return make("divergence", _rows(t.reset_index()), note=note if len(t) else empty)


#: calibration ages (upper bound in hours, label): a day is IBM's calibration cycle
AGE_BUCKETS: tuple[tuple[float, str], ...] = (
    (6, "under 6 h"), (24, "6 h to 1 d"), (72, "1 to 3 d"), (np.inf, "over 3 d")
)  # fmt: skip


def _calibration_context(w: pd.DataFrame, threshold: float | None) -> Table:
    age = w[CALIBRATION_AGE].to_numpy() / 3600
    rows: list[list[object]] = []
    lower = -np.inf
    for upper, label in AGE_BUCKETS:
        rows.append(_age_row(label, w[(age >= lower) & (age < upper)], threshold))
        lower = upper
    unknown = w[np.isnan(age)]
    if len(unknown):
        rows.append(_age_row("unknown", unknown, threshold))
    rows = [r for r in rows if r[1]]
    note = "failure ratio: failed jobs over jobs not cancelled"
    if threshold is None:
        note += "; no divergence SLO: no threshold to count diverged checks"
    else:
        note += f"; diverged: fidelity below {threshold:g}"
    return make("calibration_context", rows, note=note)


def _age_row(label: str, g: pd.DataFrame, threshold: float | None) -> list[object]:
    counted = int(g["counted"].sum())
    failed = int((g["failed"] & g["counted"]).sum())
    fidelity = g["fidelity"].dropna()
    diverged = None if threshold is None else int((fidelity < threshold).sum())
    return [
        label,
        len(g),
        failed / counted if counted else None,
        len(fidelity),
        diverged,
        float(fidelity.mean()) if len(fidelity) else None,
    ]


def _duplicates(w: pd.DataFrame) -> Table:
    t = w.groupby("experiment", observed=True).agg(
        jobs=("duplicate", "size"), duplicates=("duplicate", "sum")
    )
    t.index = t.index.astype(str)
    t = t.sort_index()
    t.loc["all"] = t.sum()
    t["ratio"] = _ratio(t["duplicates"], t["jobs"])
    return make("duplicates", _rows(t.reset_index()))


def _daily(index: EventIndex, w: pd.DataFrame, window: Window) -> list[DailyOps]:
    days = window.days()
    day_of_bin = np.full(len(index.edges), -1)
    for i, d in enumerate(days):
        day_of_bin[index.edges.index(d.start) : index.edges.index(d.end)] = i
    day = pd.Series(day_of_bin[index.bins[w.index.to_numpy()]], index=w.index, name="day")
    g = w.groupby(day)
    t = g.agg(
        jobs=("success", "size"),
        success=("success", "sum"),
        counted=("counted", "sum"),
        cost=("cost_usd", "sum"),
    )
    q = g["duration_seconds"].quantile([0.5, 0.95]).unstack().reindex(columns=[0.5, 0.95])
    t = t.join(q).reindex(range(len(days)))
    by_type: dict[int, dict[str, tuple[float | None, float | None]]] = {}
    typed = w.groupby([day, w["backend_type"]], observed=True)["duration_seconds"]
    for (i, kind), p in typed.quantile([0.5, 0.95]).unstack().iterrows():
        if not (pd.isna(p[0.5]) and pd.isna(p[0.95])):
            by_type.setdefault(int(i), {})[str(kind)] = (_opt(p[0.5]), _opt(p[0.95]))
    out = []
    for i, d in enumerate(days):
        jobs = float(np.nan_to_num(t["jobs"].iloc[i]))
        counted = float(np.nan_to_num(t["counted"].iloc[i]))
        out.append(
            DailyOps(
                d.date,
                jobs,
                float(t["success"].iloc[i]) / counted if counted else None,
                _opt(t[0.5].iloc[i]),
                _opt(t[0.95].iloc[i]),
                float(np.nan_to_num(t["cost"].iloc[i])),
                by_type.get(i, {}),
            )
        )
    return out


def _opt(v: object) -> float | None:
    return None if v is None or pd.isna(v) else float(v)  # type: ignore[arg-type]
