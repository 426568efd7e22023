"""The long fuzz campaign (``make fuzz``): thousands of mutants of every kind of input.

    python tests/fuzz_campaign.py --mutants 10000 --workers 2 --runs-every 5 --report fuzz.json

Half the mutants break a mobilization scenario (:mod:`fuzzing`, through ``flowsim check``),
half a network scenario, its Flee case folder, ``simsetting.yml`` or a targets file
(:mod:`fuzz_kinds`, through the command that reads them).

Each worker process checks mutants in-process (a few ms each); a mutant whose check takes
longer than ``--check-timeout`` seconds is a hang: its worker is killed and replaced. One
accepted mutant in ``--runs-every`` is also run at a small scale (``flowsim run --scale``)
and its tables checked (conservation, finite, non-negative). Prints the counts per
mutation class and exits 1 on any crash, hang, misplaced message or broken run.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing as mp
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzz_kinds  # noqa: E402
import fuzzing  # noqa: E402


def draw(workspace: Path, seed: int):
    """(module that checks it, mutant) for a seed: a mobilization scenario's mutant or another kind's."""
    rng = random.Random(seed)
    if rng.random() < 0.5:
        mutant = fuzzing.make_mutant(rng)
        mutant.kind = f"scenario:{mutant.kind}"
        return fuzzing, mutant
    return fuzz_kinds, fuzz_kinds.make_mutant(workspace, rng)


def _worker(connection, workspace: str, runs_every: int) -> None:
    # a copy of its own: network mutants are written over the case's files, then put back
    workspace_path = Path(tempfile.mkdtemp(prefix="worker_", dir=Path(workspace).parent))
    shutil.copytree(workspace, workspace_path, dirs_exist_ok=True, symlinks=True)
    out_root = Path(tempfile.mkdtemp(prefix="runs_", dir=workspace))
    while True:
        task = connection.recv()
        if task is None:
            return
        seed = task
        module, mutant = draw(workspace_path, seed)
        outcome = module.check_mutant(workspace_path, mutant)
        record = {"seed": seed, "kind": outcome.kind, "detail": outcome.detail, "code": outcome.code,
                  "seconds": round(outcome.seconds, 3), "crash": outcome.crash,
                  "message": outcome.message[:400], "names_line": fuzz_kinds.names_a_line(outcome),
                  "problems": module.message_problems(outcome, workspace_path) if not outcome.crash else []}
        if outcome.accepted and seed % runs_every == 0:
            began = time.perf_counter()
            record["run_problems"] = module.run_mutant(workspace_path, mutant, out_root / f"run_{seed}")
            record["run_seconds"] = round(time.perf_counter() - began, 3)
        connection.send(record)


class Worker:
    def __init__(self, context, workspace: Path, runs_every: int) -> None:
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, str(workspace), runs_every), daemon=True)
        self.process.start()
        self.task: int | None = None
        self.began = 0.0

    def give(self, seed: int) -> None:
        self.task, self.began = seed, time.perf_counter()
        self.connection.send(seed)

    def kill(self) -> None:
        self.process.kill()
        self.process.join()


def campaign(mutants: int, workers: int, runs_every: int, check_timeout: float, run_timeout: float,
             first_seed: int) -> list[dict]:
    context = mp.get_context("forkserver")  # no fork() of a threaded process
    records: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="flowsim_fuzz_") as tmp:
        workspace = fuzz_kinds.prepare(fuzzing.prepare_workspace(Path(tmp)))
        pool = [Worker(context, workspace, runs_every) for _ in range(workers)]
        seeds = iter(range(first_seed, first_seed + mutants))
        busy = 0
        for worker in pool:
            seed = next(seeds, None)
            if seed is not None:
                worker.give(seed)
                busy += 1
        began = time.perf_counter()
        try:
            while busy:
                for i, worker in enumerate(pool):
                    if worker.task is None:
                        continue
                    if worker.connection.poll(0.005):
                        try:
                            records.append(worker.connection.recv())
                        except EOFError:  # the worker died: a crash of the process, not only a traceback
                            _, mutant = draw(workspace, worker.task)
                            records.append({"seed": worker.task, "kind": mutant.kind, "detail": mutant.detail,
                                            "code": None, "seconds": 0.0, "crash": "worker process died"})
                            worker.kill()
                            pool[i] = worker = Worker(context, workspace, runs_every)
                    elif time.perf_counter() - worker.began > (run_timeout if worker.task % runs_every == 0
                                                               else check_timeout):
                        _, mutant = draw(workspace, worker.task)
                        records.append({"seed": worker.task, "kind": mutant.kind, "detail": mutant.detail,
                                        "hang": True, "seconds": round(time.perf_counter() - worker.began, 1)})
                        worker.kill()
                        pool[i] = worker = Worker(context, workspace, runs_every)
                    else:
                        continue
                    worker.task = None
                    busy -= 1
                    seed = next(seeds, None)
                    if seed is not None:
                        worker.give(seed)
                        busy += 1
                    if len(records) % 500 == 0:
                        rate = len(records) / (time.perf_counter() - began)
                        print(f"  {len(records):>6} mutants, {rate:.0f}/s", file=sys.stderr, flush=True)
        except KeyboardInterrupt:  # Ctrl-C or SIGINT: report the mutants done so far
            print(f"  stopped after {len(records)} mutants", file=sys.stderr, flush=True)
        for worker in pool:
            worker.connection.send(None)
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.kill()
    return records


def tally(records: list[dict]) -> dict[str, dict[str, int]]:
    table: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in records:
        row = table[r["kind"]]
        row["mutants"] += 1
        if r.get("hang"):
            row["hangs"] += 1
            continue
        if r.get("crash"):
            row["crashes"] += 1
            continue
        row["accepted" if r["code"] == 0 else "refused"] += 1
        row["no_line"] += r["code"] == 2 and not r.get("names_line")
        row["bad_messages"] += bool(r.get("problems"))
        if "run_problems" in r:
            row["runs"] += 1
            row["bad_runs"] += bool(r["run_problems"])
    return {kind: dict(counter) for kind, counter in sorted(table.items())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs-every", type=int, default=5, help="run one accepted mutant in N")
    parser.add_argument("--check-timeout", type=float, default=30.0, help="a check taking longer is a hang")
    parser.add_argument("--run-timeout", type=float, default=120.0)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--report", type=Path, default=None, help="write every record as JSON")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    records = campaign(args.mutants, args.workers, args.runs_every, args.check_timeout, args.run_timeout,
                       args.first_seed)
    table = tally(records)
    columns = ("mutants", "accepted", "refused", "no_line", "crashes", "hangs", "bad_messages", "runs", "bad_runs")
    print(f"{'kind:class':<34}" + "".join(f"{c:>13}" for c in columns))
    totals = collections.Counter()
    for kind, row in table.items():
        totals.update(row)
        print(f"{kind:<34}" + "".join(f"{row.get(c, 0):>13}" for c in columns))
    families: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for kind, row in table.items():
        families[kind.split(":")[0]].update(row)
    for family, row in sorted(families.items()):
        print(f"{'all ' + family:<34}" + "".join(f"{row.get(c, 0):>13}" for c in columns))
    print(f"{'total':<34}" + "".join(f"{totals.get(c, 0):>13}" for c in columns))
    print("no_line: refusals that name the file but no line or row (an empty file, a missing file's reader)")
    slowest = sorted((r for r in records if not r.get("hang")), key=lambda r: -r["seconds"])[:3]
    print(f"wall time {time.perf_counter() - began:.0f} s; slowest checks: "
          + ", ".join(f"{r['kind']} {r['seconds']:.2f} s" for r in slowest))
    failures = [r for r in records if r.get("hang") or r.get("crash") or r.get("problems") or r.get("run_problems")]
    for r in failures[:15]:
        print(f"FAIL seed {r['seed']} {r['kind']} ({r['detail']}): "
              + (("hang" if r.get("hang") else "") + (r.get("crash") or "")[-600:]
                 + "; ".join(r.get("problems", [])) + "; ".join(r.get("run_problems", []))
                 + " | " + r.get("message", "")[:200]))
    if args.report:
        args.report.write_text(json.dumps({"table": table, "records": records}, indent=1, default=str))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
