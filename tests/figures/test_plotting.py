"""Figures drawn from a small hand-built run folder (no model run)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib.image as mpimg
import pandas as pd
import pytest

from helpers.run_folders import FIGURE_STEMS, make_daily, make_run, make_validation, with_bands
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
    banded = plot_kazakhstan_balance(daily, bands=with_bands(daily, ["date", "country"]))
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


def test_svg_ids_hashed_from_float_layouts_are_numbered_in_order():
    # two runs of the same figure whose clip rectangle differs in a float's last bit
    from flowsim.figures.style import renumber_svg_ids
    drawing = ('<path clip-path="url(#{p})"/><use xlink:href="#{m}"/>'
               '<defs><path id="{m}"/><clipPath id="{p}"><rect/></clipPath></defs>')
    one = renumber_svg_ids(drawing.format(p="p3fb888a891", m="maaf60eecb7"))
    other = renumber_svg_ids(drawing.format(p="pe2940d151a", m="maaf60eecb7"))
    assert one == other
    assert 'clip-path="url(#p0000000000)"' in one and 'id="p0000000000"' in one
