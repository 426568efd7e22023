"""A small hand-built run folder with the tables of a mobilization run (no model run), for figure tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

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
        with_bands(daily, ["date", "country"]).to_csv(folder / "daily_bands.csv", index=False)
        with_bands(crossings, ["date", "crossing", "country", "mode"]).to_csv(folder / "crossings_bands.csv",
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


def with_bands(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """An ensemble's band columns (``<column>_p05`` … ``_p95``) made from one run's table."""
    out = frame[keys].copy()
    for col in frame.columns:
        if col in keys or not pd.api.types.is_numeric_dtype(frame[col]):
            continue
        for p, f in (("p05", 0.7), ("p25", 0.88), ("p50", 1.0), ("p75", 1.12), ("p95", 1.3)):
            out[f"{col}_{p}"] = frame[col] * f
    return out
