"""Figures drawn from a small hand-built run folder (no model run)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from flowsim.cli import main
from flowsim.figures.fit import plot_fit
from flowsim.figures.map import plot_map
from flowsim.figures.queues import plot_queues
from flowsim.figures.run_figures import plot_run
from flowsim.figures.style import KNOWN_COUNTRY_COLORS, PNG_DPI, country_colors, save_figure
from flowsim.figures.tables import caption_for, events_for, load_run, major_events
from flowsim.figures.timeseries import (
    plot_entries_by_destination,
    plot_kazakhstan_balance,
    plot_rent_index,
    plot_wave_stock,
)

COUNTRIES = ("kazakhstan", "georgia", "armenia", "mongolia")
CROSSINGS = (
    ("kz_uralsk", "kazakhstan", "road", 51.4, 51.2),
    ("kz_petropavlovsk", "kazakhstan", "rail", 69.1, 54.9),
    ("ge_upper_lars", "georgia", "road", 44.6, 42.7),
    ("am_air", "armenia", "air", 44.5, 40.2),
    ("mn_kyakhta", "mongolia", "road", 106.4, 50.3),
)
DEST_LONLAT = {"kazakhstan": (71.4, 51.2), "georgia": (44.8, 41.7), "armenia": (44.5, 40.2),
               "mongolia": (106.9, 47.9)}
ORIGINS = {"moscow": (37.6, 55.8), "volga": (49.1, 55.8), "siberia": (82.9, 55.0)}
SCALE = {"kazakhstan": 1.0, "georgia": 0.5, "armenia": 0.2, "mongolia": 0.05}
FIGURE_STEMS = ("01_kazakhstan_entries_exits", "02_entries_by_destination", "03_wave_stock", "04_queues",
                "05_rent_index", "06_where_people_went", "07_map", "08_fit_to_sources")


def _bump(days: np.ndarray, centre: float, width: float) -> np.ndarray:
    return np.exp(-0.5 * ((days - centre) / width) ** 2)


def make_daily() -> pd.DataFrame:
    """Daily table with a late-September entry peak and a late-October exit excess."""
    dates = pd.date_range("2022-09-01", "2022-12-31", freq="D")
    d = np.arange(len(dates), dtype=float)  # day 20 = 21 Sep
    rows = []
    for country in COUNTRIES:
        s = SCALE[country]
        wave_in = 22000 * s * _bump(d, 30, 6)
        ordinary_in = np.full_like(d, 6000 * s)
        onward = 3000 * s * _bump(d, 50, 10)
        back = 1500 * s * _bump(d, 65, 15)
        ordinary_out = np.full_like(d, 5800 * s) + 2500 * s * _bump(d, 55, 6)
        stock = np.cumsum(wave_in - onward - back)
        rows.append(pd.DataFrame({
            "date": dates.strftime("%Y-%m-%d"), "country": country,
            "entries_total": (wave_in + ordinary_in).round().astype(int),
            "exits_total": (ordinary_out + onward + back).round().astype(int),
            "ordinary_entries": ordinary_in.round().astype(int),
            "ordinary_exits": ordinary_out.round().astype(int),
            "wave_entries": wave_in.round().astype(int),
            "wave_exits_onward": onward.round().astype(int),
            "wave_exits_return": back.round().astype(int),
            "wave_stock": stock.round().astype(int),
            "wave_registrations": (0.4 * np.roll(wave_in, 10)).round().astype(int),
            "rent_index": 1.0 + 1.2 * s * np.clip(stock / max(stock.max(), 1), 0, None),
        }))
    return pd.concat(rows).sort_values(["date", "country"]).reset_index(drop=True)


def make_crossings() -> pd.DataFrame:
    dates = pd.date_range("2022-09-01", "2022-12-31", freq="D")
    d = np.arange(len(dates), dtype=float)
    rows = []
    for i, (cid, country, mode, _lon, _lat) in enumerate(CROSSINGS):
        s = SCALE[country]
        arrivals = 8000 * s * _bump(d, 29 + i, 5)
        capacity = np.full_like(d, 4000 * s)
        queue = np.clip(np.cumsum(arrivals - capacity), 0, None)
        processed = np.minimum(arrivals + np.r_[0, queue[:-1]], capacity)
        wait = np.where(processed > 0, queue / np.maximum(capacity, 1), 0.0)
        rows.append(pd.DataFrame({
            "date": dates.strftime("%Y-%m-%d"), "crossing": cid, "country": country, "mode": mode,
            "arrivals": arrivals.round().astype(int), "processed": processed.round().astype(int),
            "turned_back": 0, "gave_up": 0, "queue": queue.round().astype(int),
            "mean_wait_days": wait.round(2), "capacity": capacity.astype(int), "status": "open",
        }))
    return pd.concat(rows).sort_values(["date", "crossing"]).reset_index(drop=True)


def make_flows() -> pd.DataFrame:
    rows = []
    for origin, w in (("moscow", 5), ("volga", 3), ("siberia", 2)):
        for first in COUNTRIES:
            n = 10000 * w * SCALE[first]
            rows += [(origin, first, "stayed", int(0.6 * n)), (origin, first, "home", int(0.15 * n))]
            if first == "kazakhstan":
                rows += [(origin, first, "georgia", int(0.15 * n)), (origin, first, "armenia", int(0.1 * n))]
            else:
                rows += [(origin, first, "kazakhstan", int(0.25 * n))]
    return pd.DataFrame(rows, columns=["origin", "first_destination", "later_destination", "count"])


def make_validation() -> pd.DataFrame:
    cols = ["id", "label", "source", "country", "column", "start", "end", "statistic", "low", "high",
            "sim_median", "sim_p05", "sim_p95", "inside"]
    rows = [
        ("F1", "Entries into Kazakhstan, two weeks after 21 Sep", "004 Doolotkeldieva, Oct 2022", "kazakhstan",
         "entries_total", "2022-09-21", "2022-10-04", "sum", 200000, 300000, 260000, np.nan, np.nan, True),
        ("F2", "Exits from Kazakhstan, same two weeks", "004", "kazakhstan", "exits_total", "2022-09-21",
         "2022-10-04", "sum", 130000, 160000, 110000, np.nan, np.nan, False),
        ("F5", "Crossings into Kazakhstan, week to 29 Sep", "001 AsiaNews, 29 Sep 2022", "kazakhstan",
         "entries_total", "2022-09-23", "2022-09-29", "sum", 50000, np.nan, 150000, np.nan, np.nan, True),
        ("F7a", "Late Oct daily exits", "002", "kazakhstan", "exits_total", "2022-10-24", "2022-10-30",
         "mean", 10000, 11000, 9200, np.nan, np.nan, False),
        ("F7b", "Late Oct daily entries", "002", "kazakhstan", "entries_total", "2022-10-24", "2022-10-30",
         "mean", 8000, 9000, 7400, np.nan, np.nan, False),
        ("F13", "Share of arrivals aged 18-28", "002", "kazakhstan", "profile:age_band=18-28", np.nan, np.nan,
         "share", 0.5, np.nan, 0.55, np.nan, np.nan, True),
        ("F15", "Rents doubled or tripled", "004", "kazakhstan", "rent_index", "2022-10-15", "2022-11-15",
         "max", 2.0, 3.0, 2.1, np.nan, np.nan, True),
    ]
    return pd.DataFrame(rows, columns=cols)


def make_places() -> pd.DataFrame:
    rows = [("origin", o, o.title(), "russia", lon, lat) for o, (lon, lat) in ORIGINS.items()]
    rows += [("destination", c, c.title(), c, lon, lat) for c, (lon, lat) in DEST_LONLAT.items()]
    rows += [("crossing", cid, cid.split("_", 1)[1].replace("_", " ").title(), country, lon, lat)
             for cid, country, _mode, lon, lat in CROSSINGS]
    return pd.DataFrame(rows, columns=["kind", "id", "name", "country", "lon", "lat"])


def make_summary(daily: pd.DataFrame, crossings: pd.DataFrame, flows: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for country in COUNTRIES:
        sub = daily[daily["country"] == country]
        f = flows[flows["first_destination"] == country]
        total = f["count"].sum()
        peak = sub.loc[sub["wave_entries"].idxmax()]
        rows.append({
            "country": country, "leavers_first_entries": int(total), "wave_entries": int(sub["wave_entries"].sum()),
            "peak_daily_entries": int(sub["entries_total"].max()), "peak_date": peak["date"],
            "peak_queue": int(crossings.loc[crossings["country"] == country, "queue"].max()),
            "moved_on_share": f.loc[~f["later_destination"].isin(["stayed", "home"]), "count"].sum() / total,
            "returned_share": f.loc[f["later_destination"] == "home", "count"].sum() / total,
            "stock_end": int(sub["wave_stock"].iloc[-1]),
        })
    return pd.DataFrame(rows)


def make_run(folder: Path, *, validation: bool = True, ensemble: bool = False) -> Path:
    """Write a synthetic run folder with the contract's tables."""
    folder.mkdir(parents=True, exist_ok=True)
    daily, crossings, flows = make_daily(), make_crossings(), make_flows()
    if ensemble:
        _bands(daily, ["date", "country"]).to_csv(folder / "daily_bands.csv", index=False)
        _bands(crossings, ["date", "crossing", "country", "mode"]).to_csv(folder / "crossings_bands.csv",
                                                                          index=False)
        manifest = {"scenario": "toy_world", "seeds": [1, 2, 3, 4], "scale": 100}
    else:
        daily.to_csv(folder / "daily.csv", index=False)
        crossings.to_csv(folder / "crossings.csv", index=False)
        manifest = {"scenario": "toy_world", "seed": 7, "scale": 100, "scenario_hash": "abc123",
                    "flowsim_version": "0.1.0", "mesa_version": "3.5.1", "runtime_s": 1.5,
                    "start": "2022-09-01", "end": "2022-12-31",
                    "events": [{"date": "2022-09-21", "label": "Mobilization announced",
                                "kind": "mobilization_announced"},
                               {"date": "2022-09-27", "label": "Upper Lars capacity raised",
                                "crossing": "ge_upper_lars"},
                               {"date": "2022-10-28", "label": "Mobilization complete",
                                "kind": "mobilization_complete"}]}
    flows.to_csv(folder / "flows.csv", index=False)
    make_summary(daily, crossings, flows).to_csv(folder / "summary.csv", index=False)
    make_places().to_csv(folder / "places.csv", index=False)
    pd.DataFrame({"country": ["kazakhstan"], "dimension": ["age_band"], "category": ["18-28"],
                  "first_entries": [1000]}).to_csv(folder / "profile.csv", index=False)
    if validation:
        make_validation().to_csv(folder / "validation.csv", index=False)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def _bands(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame[keys].copy()
    for col in frame.columns:
        if col in keys or not pd.api.types.is_numeric_dtype(frame[col]):
            continue
        for p, f in (("p05", 0.7), ("p25", 0.88), ("p50", 1.0), ("p75", 1.12), ("p95", 1.3)):
            out[f"{col}_{p}"] = frame[col] * f
    return out


def _check_outputs(fig_dir: Path, stems: tuple[str, ...]) -> None:
    for stem in stems:
        png, svg = fig_dir / f"{stem}.png", fig_dir / f"{stem}.svg"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", stem
        image = mpimg.imread(png)
        assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 300, stem
        root = ET.parse(svg).getroot()
        assert root.tag.endswith("svg"), stem


@pytest.fixture(scope="module")
def single_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    run = make_run(tmp_path_factory.mktemp("run") / "toy")
    return run, plot_run(run)


def test_plot_run_writes_every_figure_as_png_and_svg(single_run: tuple[Path, list[Path]]) -> None:
    run, pngs = single_run
    assert [p.stem for p in pngs] == list(FIGURE_STEMS)
    _check_outputs(run / "figures", FIGURE_STEMS)
    assert not list((run / "figures").glob(".*tmp")), "temporary files left behind"


def test_png_pixel_size_matches_figsize_at_150_dpi(tmp_path: Path) -> None:
    fig = plot_kazakhstan_balance(make_daily(), make_validation(), caption="Scenario: toy · seed 1")
    png, _svg = save_figure(fig, tmp_path, "k")
    w, h = fig.get_size_inches()
    image = mpimg.imread(png)
    assert image.shape[:2] == (round(h * PNG_DPI), round(w * PNG_DPI))


def test_ensemble_folder_draws_bands(tmp_path: Path) -> None:
    run = make_run(tmp_path / "ens", validation=False, ensemble=True)
    pngs = plot_run(run)
    stems = tuple(p.stem for p in pngs)
    assert stems == FIGURE_STEMS[:-1]  # no validation.csv -> no fit figure
    _check_outputs(run / "figures", stems)


def test_band_frame_adds_shaded_areas() -> None:
    daily = make_daily()
    plain = plot_kazakhstan_balance(daily)
    banded = plot_kazakhstan_balance(daily, bands=_bands(daily, ["date", "country"]))
    assert len(banded.axes[0].collections) > len(plain.axes[0].collections)


def test_crossover_is_shaded_and_annotated() -> None:
    fig = plot_kazakhstan_balance(make_daily(), make_validation())
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.startswith("exits exceed entries from") for t in texts)
    assert any("F1" in t for t in texts) and any("F7a" in t for t in texts)


def test_every_figure_has_title_axis_labels_and_caption(single_run: tuple[Path, list[Path]]) -> None:
    run, _ = single_run
    tables = load_run(run)
    cap = caption_for(tables.manifest)
    assert cap.startswith("Scenario: toy_world") and "seed 7" in cap
    figs = [
        plot_kazakhstan_balance(tables.daily, tables.validation, caption=cap),
        plot_wave_stock(tables.daily, caption=cap),
        plot_queues(tables.crossings, caption=cap),
        plot_rent_index(tables.daily, caption=cap),
        plot_fit(tables.validation, caption=cap),
        plot_map(tables.places, tables.flows, tables.crossings, caption=cap),
    ]
    for fig in figs:
        ax = fig.axes[0]
        assert ax.get_title(), fig
        assert ax.get_xlabel() or fig.axes[-1].get_xlabel()
        assert ax.get_ylabel() or fig.axes[-1].get_ylabel() or ax.get_yticklabels()
        texts = fig.texts + [t for sub in fig.subfigs for t in sub.texts]
        assert any(t.get_text() == cap for t in texts)


def test_events_mark_only_their_country() -> None:
    events = [("2022-09-21", "announced"), ("2022-09-27", "Upper Lars", "georgia")]
    fig = plot_entries_by_destination(make_daily(), events)
    numbered = {ax.get_title(loc="right"): sorted(t.get_text() for t in ax.texts) for ax in fig.axes if ax.get_visible()}
    assert numbered["Georgia"] == ["1", "2"]
    assert numbered["Kazakhstan"] == ["1"]


def test_events_from_manifest_map_crossings_to_countries(single_run: tuple[Path, list[Path]]) -> None:
    run, _ = single_run
    events = events_for(load_run(run))
    assert [(e["date"].strftime("%m-%d"), e["country"]) for e in events] == [
        ("09-21", None), ("09-27", "georgia"), ("10-28", None)]
    assert [e["label"] for e in major_events(events)] == ["Mobilization announced", "Mobilization complete"]


def test_events_csv_with_crossing_lists(tmp_path: Path) -> None:
    run = make_run(tmp_path / "ev", validation=False)
    pd.DataFrame({"date": ["2022-09-21", "2022-09-28", "2022-09-29"], "id": ["m", "c", "d"],
                  "kind": ["mobilization_announced", "close_crossing", "set_capacity"],
                  "label": ["announced", "KZ closes", "mixed"],
                  "crossing": [None, "kz_uralsk;kz_petropavlovsk", "kz_uralsk;ge_upper_lars"]}
                 ).to_csv(run / "events.csv", index=False)
    events = events_for(load_run(run))
    assert [e["country"] for e in events] == [None, "kazakhstan", None]
    assert [e["kind"] for e in major_events(events)] == ["mobilization_announced"]


def test_country_colors_fixed_and_stable() -> None:
    a = country_colors(["kazakhstan", "georgia", "atlantis"])
    b = country_colors(["atlantis"])
    assert a["kazakhstan"] == KNOWN_COUNTRY_COLORS["kazakhstan"]
    assert a["atlantis"] == b["atlantis"]
    known = [KNOWN_COUNTRY_COLORS[c] for c in ("kazakhstan", "georgia", "armenia", "kyrgyzstan",
                                                        "uzbekistan", "mongolia", "turkey", "schengen", "uae",
                                                        "serbia", "israel")]
    assert len(set(known)) == len(known)


def test_fit_handles_one_sided_and_non_date_targets() -> None:
    v = make_validation()
    v.loc[0, ["sim_p05", "sim_p95"]] = [210000, 320000]
    fig = plot_fit(v)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == len(v) and labels[0].startswith("F15")  # first row at the top
    assert "4 of 7" in fig.axes[0].get_title()


def test_cli_plot_writes_figures_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(tmp_path / "cli", validation=False)
    assert main(["plot", str(run)]) == 0
    assert (run / "report.html").is_file()
    assert (run / "figures" / "01_kazakhstan_entries_exits.png").is_file()
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("setup", ["missing", "no_daily"])
def test_cli_plot_bad_run_dir_is_one_paragraph_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      setup: str) -> None:
    run = tmp_path / "nope"
    if setup == "no_daily":
        run.mkdir()
        (run / "flows.csv").write_text("origin,first_destination,later_destination,count\n")
    assert main(["plot", str(run)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(run) in err
    assert err.strip().count("\n") == 0
    assert not (run / "figures").exists()
