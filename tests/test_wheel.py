"""The built wheel, installed in a fresh virtual environment, works outside the clone.

The wheel is built from a copy of the sources (so the clone gets no ``build/``), installed
with pip into a new venv in a scratch folder, and three things a new user does are run from
another scratch folder: ``flowsim run mobilization_2022 --scale 50``, ``flowsim check
mobilization_2022`` and the Python example of docs/api.md. Nothing of the clone is on the
path (``PYTHONPATH`` is cleared), so the scenarios must come from the wheel.

The fast test installs nothing from the network: the new venv sees the dependencies already
installed for this Python through a ``.pth`` line (after its own site-packages, so flowsim
itself comes from the wheel). The slow test installs the wheel the way a user does, its
dependencies downloaded from the package index.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from helpers.doc_examples import BLOCKS
from helpers.paths import ROOT

SOURCES = ("pyproject.toml", "README.md", "LICENSE", "src")


def _clean_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    return env


def _run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    began = time.perf_counter()
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    print(f"{time.perf_counter() - began:6.1f} s  {' '.join(map(str, args))[-90:]}")
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    if importlib.util.find_spec("setuptools") is None:
        pytest.skip("setuptools is not installed in this Python, so the wheel cannot be built offline: "
                    "pip install 'setuptools>=77' (make test installs it with the test extra)")
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
          "--wheel-dir", out, source], cwd=source, env=dict(os.environ, PYTHONPATH=""))
    (built,) = out.glob("flowsim-*.whl")
    return built


def _fresh_venv(folder: Path, *, with_pip: bool) -> Path:
    _run([sys.executable, "-m", "venv", *([] if with_pip else ["--without-pip"]), folder], folder.parent, dict(os.environ))
    return folder


def _site_packages(venv: Path) -> Path:
    return Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))


def _use_like_a_newcomer(venv: Path, workplace: Path) -> None:
    """The three commands of the issue, from a folder that is not the clone."""
    env = _clean_env(venv)
    python, flowsim = venv / "bin" / "python", venv / "bin" / "flowsim"
    where = _run([python, "-c", "import flowsim; print(flowsim.__file__)"], workplace, env)
    assert Path(where.strip()).is_relative_to(venv), where
    printed = _run([flowsim, "run", "mobilization_2022", "--scale", "50"], workplace, env)
    assert "report: outputs/mobilization_2022/report.html" in printed
    assert (workplace / "outputs" / "mobilization_2022" / "daily.csv").stat().st_size > 0
    assert (workplace / "outputs" / "mobilization_2022" / "report.html").stat().st_size > 0
    assert ": OK" in _run([flowsim, "check", "mobilization_2022"], workplace, env)
    (name, example), = [(n, code) for n, code in BLOCKS if n.startswith("docs/api.md")]
    (workplace / "example.py").write_text(example, encoding="utf-8")
    assert "entries_total" in _run([python, "example.py"], workplace, env)
    assert (workplace / "outputs" / "from_python" / "kazakhstan.png").stat().st_size > 0


def test_the_wheel_holds_the_scenarios_their_data_and_licences(wheel):
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("mobilization_2022.yaml", "targets/mobilization_2022.yaml", "calibrated/mobilization_2022.yaml",
                    "calibrated/mobilization_2022.posterior.csv", "what_if/upper_lars_closed.yaml", "tiny.yaml",
                    "flee/burundi2015.yaml", "flee/burundi2015/input_csv/locations.csv", "flee/LICENSE",
                    "data/documented_figures.yaml", "data/LICENSE"):
        assert f"flowsim/scenarios_data/{shipped}" in names, shipped
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_the_installed_wheel_runs_outside_the_clone_offline(wheel, tmp_path):
    venv = _fresh_venv(tmp_path / "venv", with_pip=False)
    # the dependencies this Python already has, after the venv's own site-packages
    (_site_packages(venv) / "deps_of_the_test_runner.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    _run([sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps", "--no-index", wheel],
         tmp_path, _clean_env(venv))
    workplace = tmp_path / "a study"
    workplace.mkdir()
    _use_like_a_newcomer(venv, workplace)


@pytest.mark.slow
def test_the_wheel_installs_from_the_package_index_like_a_users(wheel, tmp_path):
    venv = _fresh_venv(tmp_path / "venv", with_pip=True)
    _run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], tmp_path, _clean_env(venv), timeout=1800)
    workplace = tmp_path / "a study"
    workplace.mkdir()
    _use_like_a_newcomer(venv, workplace)
