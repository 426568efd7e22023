"""A self-contained HTML report of one run folder.

:func:`write_report` reads ``manifest.json``, ``summary.csv``, ``validation.csv`` (if
present) and the PNG figures in ``<run>/figures/`` and writes ``<run>/report.html``:
plain HTML with a little inline CSS and every image embedded as a base64 data URI, so
the file can be mailed or opened from disk without a server or network.
"""

from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from flowsim.figures.run_figures import FIGURE_CAPTIONS, plot_run
from flowsim.figures.tables import RunTables, caption_for, load_run
from flowsim.run.writing import write_text

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em auto;
       max-width: 1150px; color: #222; line-height: 1.4; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.8em;
     border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
table { border-collapse: collapse; font-size: 0.88em; margin: 0.6em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; vertical-align: top; }
th { background: #f3f3f3; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #fafafa; }
td.ok { color: #1a7f37; font-weight: bold; } td.bad { color: #c62828; font-weight: bold; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #444; margin-top: 0.3em; }
p.note { color: #555; font-style: italic; } .caption { color: #666; font-size: 0.85em; }
"""


def write_report(run_dir: str | os.PathLike[str], *, figures: Sequence[Path] | None = None) -> Path:
    """Write ``<run_dir>/report.html`` and return its path.

    Args:
        run_dir: A run folder (single run or ensemble).
        figures: PNG files to embed, in order. ``None`` uses the PNGs already in
            ``<run_dir>/figures/``, drawing them with :func:`flowsim.figures.run_figures.plot_run`
            first if there are none.

    Returns:
        Path of the report.

    Raises:
        flowsim.errors.RunFolderError: The folder cannot be read.
    """
    tables = load_run(run_dir)
    if figures is None:
        figures = sorted((tables.run_dir / "figures").glob("*.png"))
        if not figures:
            figures = plot_run(tables.run_dir)
    text = render_report(tables, figures)
    return write_text(text, tables.run_dir / "report.html")


def render_report(tables: RunTables, figures: Sequence[Path]) -> str:
    """The report as an HTML string (no I/O except reading the figure files).

    Args:
        tables: The run folder's tables, from :func:`flowsim.figures.tables.load_run`.
        figures: PNG files to embed.

    Returns:
        A complete HTML document.
    """
    m = tables.manifest
    scenario = caption_for(m).split(" · ")[0].removeprefix("Scenario: ")
    kind = "ensemble" if tables.is_ensemble else "single run"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>flowsim report: {_e(scenario)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>flowsim report: {_e(scenario)}</h1>",
        f'<p class="caption">{_e(caption_for(m))} ({kind}); run folder <code>{_e(Path(tables.run_dir).name)}</code></p>',
        "<h2>Scenario</h2>",
        _manifest_table(m),
        "<h2>Headline</h2>",
        _headline_table(tables.summary, tables.names("destination")),
        "<h2>Fit to the sources</h2>",
        f'<p class="note">Bands and ranges: {_e(m.get("uncertainty") or "one run (no band)")}.</p>',
        _validation_table(tables.validation),
        "<h2>Figures</h2>",
    ]
    for png in figures:
        parts.append(_figure(Path(png)))
    if not figures:
        parts.append('<p class="note">No figures were drawn.</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _count(value: Any) -> str:
    if _is_missing(value):
        return "–"
    return f"{float(value):,.0f}"


def _share(value: Any) -> str:
    if _is_missing(value):
        return "–"
    return f"{100 * float(value):.1f} %"


def _value(value: Any) -> str:
    if _is_missing(value):
        return "–"
    f = float(value)
    return f"{f:,.0f}" if abs(f) >= 100 or f == int(f) else f"{f:.3g}"


def _manifest_table(m: Mapping[str, Any]) -> str:
    rows = [
        ("Scenario", m.get("scenario_name") or m.get("scenario")),
        ("Scenario file", m.get("scenario_path")),
        ("Scenario hash", (str(m["scenario_hash"])[:16] + "…") if m.get("scenario_hash") else None),
        ("Seed", m.get("seed")),
        ("Seeds", ", ".join(map(str, m["seeds"])) if m.get("seeds") else None),
        ("People per agent", m.get("scale")),
        ("Bands show", m.get("uncertainty") or ("one run: no band" if m.get("seed") is not None else None)),
        ("Period", f"{m['start']} – {m['end']}" if m.get("start") and m.get("end") else None),
        ("flowsim / Mesa", " / ".join(str(m[k]) for k in ("flowsim_version", "mesa_version") if m.get(k)) or None),
    ]  # no wall time (it is in manifest.json): the same run gives the same report, byte for byte
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows if v not in (None, ""))
    if not body:
        return '<p class="note">No manifest.json in this run folder.</p>'
    return f"<table>{body}</table>"


def _headline_table(summary: pd.DataFrame | None, names: Mapping[str, str] | None = None) -> str:
    if summary is None or summary.empty:
        return '<p class="note">No summary.csv in this run folder.</p>'
    s = summary.copy()
    if "leavers_first_entries" in s:
        s = s.sort_values("leavers_first_entries", ascending=False)
    head = ("<tr><th>Destination</th><th>Leavers (first entries)</th><th>Exodus entries</th>"
            "<th>Peak daily entries</th><th>Peak date</th><th>Peak queue</th><th>Moved on</th>"
            "<th>Returned home</th><th>Present at end</th></tr>")
    rows = []
    for _, r in s.iterrows():
        rows.append(
            f"<tr><td>{_e((names or {}).get(str(r.get('country')), r.get('country')))}</td><td class='num'>{_count(r.get('leavers_first_entries'))}</td>"
            f"<td class='num'>{_count(r.get('wave_entries'))}</td>"
            f"<td class='num'>{_count(r.get('peak_daily_entries'))}</td><td>{_e(r.get('peak_date', '–'))}</td>"
            f"<td class='num'>{_count(r.get('peak_queue'))}</td><td class='num'>{_share(r.get('moved_on_share'))}</td>"
            f"<td class='num'>{_share(r.get('returned_share'))}</td><td class='num'>{_count(r.get('stock_end'))}</td>"
            "</tr>")
    if "leavers_first_entries" in s:
        leavers = s["leavers_first_entries"].astype(float)
        total = leavers.sum()

        def weighted(col: str) -> str:
            if col not in s or total <= 0:
                return "–"
            return _share((s[col].astype(float) * leavers).sum() / total)

        rows.append(
            f"<tr class='total'><td>All destinations</td><td class='num'>{_count(total)}</td>"
            f"<td class='num'>{_count(s['wave_entries'].sum()) if 'wave_entries' in s else '–'}</td>"
            "<td></td><td></td><td></td>"
            f"<td class='num'>{weighted('moved_on_share')}</td><td class='num'>{weighted('returned_share')}</td>"
            f"<td class='num'>{_count(s['stock_end'].sum()) if 'stock_end' in s else '–'}</td></tr>")
    note = ("<p class='caption'>Moved on / returned: share of the people whose first destination was this "
            "country; totals weighted by leavers.</p>")
    return f"<table>{head}{''.join(rows)}</table>{note}"


def _validation_table(validation: pd.DataFrame | None) -> str:
    if validation is None or validation.empty:
        return ('<p class="note">No validation was run for this folder (no validation.csv). '
                "Run <code>flowsim validate RUN_DIR</code> to compare it with the documented figures.</p>")
    head = ("<tr><th>ID</th><th>Documented figure</th><th>Source</th><th>Country</th><th>Column</th>"
            "<th>Dates</th><th>Statistic</th><th>Documented</th><th>Simulated</th><th>Inside</th></tr>")
    rows = []
    for _, r in validation.iterrows():
        low, high = r.get("low"), r.get("high")
        if not _is_missing(low) and not _is_missing(high):
            doc = f"{_value(low)} – {_value(high)}"
        elif not _is_missing(low):
            doc = f"≥ {_value(low)}"
        elif not _is_missing(high):
            doc = f"≤ {_value(high)}"
        else:
            doc = "–"
        sim = _value(r.get("sim_median"))
        if not _is_missing(r.get("sim_p05")) and not _is_missing(r.get("sim_p95")):
            sim += f" ({_value(r.get('sim_p05'))} – {_value(r.get('sim_p95'))})"
        dates = "" if _is_missing(r.get("start")) else f"{r.get('start')} – {r.get('end')}"
        inside = r.get("inside")
        ok = (not _is_missing(inside)) and str(inside).lower() in ("true", "1", "1.0")
        mark = "<td class='ok'>yes</td>" if ok else "<td class='bad'>no</td>"
        cells = [r.get("id"), r.get("label"), r.get("source"), r.get("country"), r.get("column"), dates,
                 r.get("statistic")]
        rows.append("<tr>" + "".join(f"<td>{_e('' if _is_missing(c) else c)}</td>" for c in cells)
                    + f"<td class='num'>{_e(doc)}</td><td class='num'>{_e(sim)}</td>{mark}</tr>")
    inside_n = sum("class='ok'" in row for row in rows)
    return (f"<p>{inside_n} of {len(rows)} documented figures are inside their interval "
            "(simulated: median, with the 5–95 % range of runs for an ensemble).</p>"
            f"<table>{head}{''.join(rows)}</table>")


def _figure(png: Path) -> str:
    data = base64.b64encode(png.read_bytes()).decode("ascii")
    caption = FIGURE_CAPTIONS.get(png.stem, png.stem.replace("_", " "))
    return (f'<figure id="{_e(png.stem)}"><img alt="{_e(caption)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(caption)} <span class='caption'>({_e(png.stem)}.png / .svg)</span>"
            "</figcaption></figure>")


__all__ = ["render_report", "write_report"]
