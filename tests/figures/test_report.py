"""report.html: self-contained, with the scenario, headline and validation tables and all figures."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from helpers.run_folders import make_run

from flowsim.figures import report as report_module
from flowsim.figures.run_figures import plot_run
from flowsim.figures.report import write_report


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []
        self.hrefs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for key, value in attrs:
            if key == "src":
                self.srcs.append(value or "")
            if key == "href":
                self.hrefs.append(value or "")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, _Collector]:
    run = make_run(tmp_path_factory.mktemp("rep") / "toy")
    path = write_report(run, figures=plot_run(run))
    text = path.read_text(encoding="utf-8")
    parsed = _Collector()
    parsed.feed(text)
    return run, text, parsed


def test_report_embeds_every_figure_as_png_data_uri(report: tuple[Path, str, _Collector]) -> None:
    run, _text, parsed = report
    assert len(parsed.srcs) == len(list((run / "figures").glob("*.png"))) == 8
    for src in parsed.srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_has_no_external_links(report: tuple[Path, str, _Collector]) -> None:
    _run, text, parsed = report
    assert not [s for s in parsed.srcs if not s.startswith("data:")]
    assert not parsed.hrefs
    assert "<script" not in text and "<link" not in text
    assert not re.search(r"url\(\s*['\"]?https?:", text)


def test_report_has_scenario_headline_and_validation_tables(report: tuple[Path, str, _Collector]) -> None:
    _run, text, parsed = report
    assert parsed.tags.count("table") == 3
    assert "toy_world" in text and "seed 7" in text
    assert "Kazakhstan" in text or "kazakhstan" in text
    assert "Peak queue" in text and "Moved on" in text and "Returned home" in text
    assert "F7a" in text and "Late Oct daily exits" in text
    assert "4 of 7 documented figures are inside" in text
    for caption_start in ("Daily entries into and exits from Kazakhstan", "Where people went"):
        assert caption_start in text


def test_report_without_validation_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = make_run(tmp_path / "noval", validation=False)
    drawn: list[Path] = []

    def fake_plot_run(run_dir: Path) -> list[Path]:  # the real one is exercised above; keep this test fast
        png = Path(run_dir) / "figures" / "01_kazakhstan_entries_exits.png"
        png.parent.mkdir()
        png.write_bytes(base64.b64decode(_TINY_PNG))
        drawn.append(png)
        return drawn

    monkeypatch.setattr(report_module, "plot_run", fake_plot_run)
    text = write_report(run).read_text(encoding="utf-8")  # no figures yet -> draws them first
    assert drawn and "No validation was run" in text
    assert text.count("data:image/png;base64,") == 1
    assert not list(run.glob(".report.*"))


def test_report_for_ensemble(tmp_path: Path) -> None:
    run = make_run(tmp_path / "ens", validation=False, ensemble=True)
    text = write_report(run, figures=[]).read_text(encoding="utf-8")
    assert "ensemble" in text and "4 runs" in text and "No figures were drawn" in text


_TINY_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
