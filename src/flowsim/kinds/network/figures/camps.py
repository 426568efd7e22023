"""Simulated against observed camp series of network runs (imported Flee cases), and their report."""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path

import matplotlib

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from flowsim.run.writing import write_atomic

ATTRIBUTION = "Observed: UNHCR; ACLED; via djgroen/FabFlee"


def plot_camps(camps: pd.DataFrame, *, title: str = "", fit_until: str | None = None) -> Figure:
    """One panel per camp: the simulated series (with a band when the table has one) and the observed one.

    Args:
        camps: long table: date, camp, simulated, observed, and optionally simulated_p05 /
            simulated_p95 (ensembles and validation).
        title: figure title.
        fit_until: a dashed line where calibration data ends and the forecast begins.
    """
    frame = camps.copy()
    frame["date"] = pd.to_datetime(frame["date"])
    names = list(dict.fromkeys(frame["camp"]))
    cols = min(3, max(1, len(names)))
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False, sharex=True)
    for ax, name in zip(axes.flat, names):
        part = frame[frame["camp"] == name]
        if "simulated_p05" in part:
            ax.fill_between(part["date"], part["simulated_p05"], part["simulated_p95"], color="tab:blue", alpha=0.2, lw=0, label="simulated 5–95%")
        ax.plot(part["date"], part["simulated"], color="tab:blue", lw=1.5, label="simulated")
        ax.plot(part["date"], part["observed"], color="black", lw=1.2, ls="--", label="observed (UNHCR)")
        if fit_until is not None:
            ax.axvline(pd.Timestamp(fit_until), color="grey", lw=0.8, ls=":")
        ax.set_title(name, fontsize=10)
        ax.tick_params(labelsize=8)
        ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.suptitle(title or "People in each camp: simulated and observed", fontsize=11)
    fig.text(0.99, 0.005, ATTRIBUTION, ha="right", va="bottom", fontsize=7, color="grey")
    fig.autofmt_xdate()
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    return fig


def write_network_figures(out: Path) -> list[Path]:
    """``figures/camps.png`` and ``report.html`` of a network run folder, from its tables alone."""
    out = Path(out)
    camps = pd.read_csv(out / "camps.csv")
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    score_path = out / "flee_score.json"
    score = json.loads(score_path.read_text(encoding="utf-8")) if score_path.exists() else {}
    fig = plot_camps(camps, title=f"{meta['scenario']}: people in camps, simulated and observed", fit_until=score.get("fit_until"))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    png = buffer.getvalue()
    (out / "figures").mkdir(exist_ok=True)
    report = _report_html(meta, score, camps, png)
    return [
        write_atomic(out / "figures" / "camps.png", lambda p: p.write_bytes(png)),
        write_atomic(out / "report.html", lambda p: p.write_text(report, encoding="utf-8")),
    ]


def _report_html(meta: dict, score: dict, camps: pd.DataFrame, png: bytes) -> str:
    def cell(value) -> str:
        return f"{value:.4f}" if isinstance(value, float) else html.escape(str(value))

    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{cell(v)}</td></tr>" for k, v in score.items())
    last = camps[camps["date"] == camps["date"].max()]
    camp_rows = "".join(f"<tr><td>{html.escape(str(r.camp))}</td><td>{r.simulated:,.0f}</td><td>{r.observed:,.0f}</td></tr>" for r in last.itertuples())
    image = base64.b64encode(png).decode()
    runs = f"{meta['runs']} runs" if "runs" in meta else f"seed {meta.get('seed')}"
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(meta['scenario'])}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto}}td{{padding:2px 10px}}</style></head><body>
<h1>{html.escape(meta['scenario'])}</h1>
<p>Network scenario, <b>rules: {html.escape(str(meta['rules']))}</b>, {html.escape(runs)}, {meta['scale']} people per agent. Case: {html.escape(str(meta['case']))}.</p>
<h2>Score against the observed camp counts</h2>
<p>ARD (Flee's averaged relative difference): for each day, Σ|simulated − observed| / Σ observed over camps, averaged over days;
rescaled: each day's simulated camp total is first scaled to the observed total. With <code>fit_until</code>, "fit" and "forecast" split the days.</p>
<table>{rows}</table>
<h2>Camps</h2><img src="data:image/png;base64,{image}" style="max-width:100%">
<h3>Last day</h3><table><tr><th>camp</th><th>simulated</th><th>observed</th></tr>{camp_rows}</table>
<p style="color:grey">{html.escape(ATTRIBUTION)}</p></body></html>"""
