"""Benchmark: how long one click on Step takes in the dashboard, day by day, at full scale.

The page is rendered in this process as the server renders it (Solara's ``AppLayout`` around
the dashboard, inside a virtual kernel of Solara's server) and its Step button is clicked for
every day of the calendar. The kernel matters: in the server, every component that listens to
Mesa's step counter re-renders in one pass per click; without a kernel Solara renders once per
listener (seven passes here), which an earlier version of this benchmark measured. One click is
the simulated day (``FlowModel.step``, and the baseline's with ``--compare``) plus the redraw
of the visible tab: Solara re-renders its components, the charts are drawn and encoded as
PNG. Sending the images to the browser and painting them are not included (a few
milliseconds on this machine; the browser test checks the page end to end).
Target: under 0.2 s per day at agent scale 1.

Run with ``python bench/bench_dashboard.py [--page 0|1|2] [--compare] [--scale K]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", default="scenarios/mobilization_2022.yaml")
    parser.add_argument("--page", type=int, default=0, help="the tab of panels shown while stepping")
    parser.add_argument("--compare", action="store_true", help="run the baseline alongside (a what-if's view)")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    os.chdir(ROOT)
    warnings.filterwarnings("ignore", message="Failed to validate hooks")

    import ipyvuetify as v
    import solara
    import solara.server.starlette  # noqa: F401  (Solara then ties listeners to the kernel, as when serving)
    from solara.server.kernel_context import create_dummy_context

    from flowsim.dashboard import app
    from flowsim.dashboard.model import DashboardModel, model_params, scenario_choices

    params = model_params(args.scenario, scenario_choices(args.scenario))
    arguments = {**app.initial_arguments(params), "scale": args.scale, "compare_with_baseline": args.compare}
    model = solara.reactive(DashboardModel(**arguments))

    @solara.component
    def Served():
        with solara.AppLayout():
            app.Dashboard(model, params)

    kernel = create_dummy_context()
    kernel.__enter__()
    _box, rc = solara.render(Served(), handle_error=False)
    rc.find(v.Tabs).widget.v_model = args.page
    step = rc.find(v.Btn, children=["Step"]).widget
    times, cpu_times, model_times = [], [], []
    while model.value.running:
        began, cpu = time.perf_counter(), time.process_time()
        step.click()
        times.append(time.perf_counter() - began)
        cpu_times.append(time.process_time() - cpu)
    bare = DashboardModel(**arguments)
    while bare.running:
        began = time.perf_counter()
        bare.step()
        model_times.append(time.perf_counter() - began)
    rc.close()
    times.sort()
    p90 = times[int(0.9 * (len(times) - 1))]
    print(f"dashboard, {args.scenario}, scale {args.scale:g}, page {args.page}"
          f"{', with the baseline alongside' if args.compare else ''}: {len(times)} days")
    print(f"  per click on Step: median {statistics.median(times):.3f} s, 90th percentile {p90:.3f} s, "
          f"slowest {times[-1]:.3f} s (target < {TARGET_SECONDS} s): "
          f"{'OK' if p90 < TARGET_SECONDS else 'MISSED'}")
    print(f"  CPU time per click (this process's own work, what it takes on an idle machine): median "
          f"{statistics.median(cpu_times):.3f} s, 90th percentile {sorted(cpu_times)[int(0.9 * (len(cpu_times) - 1))]:.3f} s")
    print(f"  load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  of which the model's day: median {statistics.median(model_times):.3f} s, "
          f"slowest {max(model_times):.3f} s")


if __name__ == "__main__":
    main()
