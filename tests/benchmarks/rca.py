"""RCA benchmark: `python tests/benchmarks/rca.py [--data DIR] [--format json]`.

1. Accuracy and speed on each real set under `../shared/data/rca/` (Sock Shop, Nezha Online
   Boutique 2022-08-22 and 2022-08-23, Nezha Train Ticket 2023-01-30 with logs): every
   method side by side in one run — AC@1, AC@3, Avg@5 at service level, median seconds
   per case — and whether `lats` at least matches `baro` on AC@1 and Avg@5 and stays
   under 1 s per case.
2. Memory on a large log: a log file of `--log-mb` MB (default 300) is generated in a
   temporary folder and mined by the same streaming path `lats` uses, in a fresh process;
   its peak RSS is reported against the file size (it must not grow with the file).

Not part of the test suite: timings and accuracy targets are not assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETS = {
    "sock-shop": "rcd-sock-shop",
    "nezha-ob-0822": "nezha/2022-08-22",
    "nezha-ob-0823": "nezha/2022-08-23",
    "nezha-tt-0130 (logs)": "nezha/2023-01-30",
}
METHODS = ["lats", "baro", "nsigma", "random"]

_MEMORY_CHILD = r"""
import resource, sys, time
from coord.rca.logs import LogReader, mine
t = time.perf_counter()
ev = mine(iter(LogReader(__import__("pathlib").Path(sys.argv[1]))), float(sys.argv[2]), 1e9, 1e9)
secs = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
print(ev.lines, len(ev.templates), rss, secs)
"""


def make_log(path: Path, mb: int) -> tuple[int, float]:
    """A CSV log of about `mb` MB: 40 services, 200 templates, an error burst at half time."""
    import random

    rng = random.Random(7)
    services = [f"svc-{i:02d}-5f6585d649-fnmft" for i in range(40)]
    words = ["order", "cart", "user", "payment", "catalog", "ship", "login", "query", "cache"]
    templates = [
        f"{rng.choice(words)} {rng.choice(words)} id={{}} took {{}} ms status {{}}"
        for _ in range(200)
    ]
    target = mb * 1024 * 1024
    t0 = 1_700_000_000.0
    size = lines = 0
    with open(path, "w") as fh:
        fh.write("timestamp,service,message\n")
        while size < target:
            t = t0 + lines * 0.001
            svc = services[lines % 40]
            msg = templates[(lines * 7) % 200].format(lines, lines % 997, 200)
            if lines % 5000 == 0 and size > target / 2:
                msg = f"ERROR java.lang.IllegalStateException: pool exhausted after {lines} ms"
            row = f"{t:.3f},{svc},{msg}\n"
            fh.write(row)
            size += len(row)
            lines += 1
    return lines, t0 + lines * 0.0005


def bench_memory(mb: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.csv"
        lines, middle = make_log(path, mb)
        size = path.stat().st_size
        env = {**os.environ, "PYTHONPATH": str(ROOT / "cli")}
        out = subprocess.run(
            [sys.executable, "-c", _MEMORY_CHILD, str(path), str(middle)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        ).stdout.split()
    mined, templates, rss_kib, secs = int(out[0]), int(out[1]), int(out[2]), float(out[3])
    return {
        "file_mb": round(size / 2**20, 1),
        "lines": lines,
        "mined": mined,
        "templates": templates,
        "peak_rss_mb": round(rss_kib / 1024, 1),
        "seconds": round(secs, 1),
        "lines_per_second": round(mined / secs),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "rca")
    ap.add_argument("--log-mb", type=int, default=300)
    ap.add_argument("--format", choices=["text", "json"], default="text")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "cli"))
    from coord.rca.bench import run_bench

    results = {}
    for label, sub in SETS.items():
        folder = args.data / sub
        if not folder.is_dir():
            print(f"skip {label}: {folder} not found", file=sys.stderr)
            continue
        doc = run_bench(folder, METHODS, warn=lambda m: print("  " + m, file=sys.stderr))
        results[label] = doc
    memory = bench_memory(args.log_mb)
    verdict = {}
    for label, doc in results.items():
        m = doc["methods"]
        verdict[label] = {
            "lats>=baro AC@1": m["lats"]["AC@1"] >= m["baro"]["AC@1"],
            "lats>=baro Avg@5": m["lats"]["Avg@5"] >= m["baro"]["Avg@5"],
            "lats<1s/case": m["lats"]["seconds_per_case"] < 1.0,
        }
    if args.format == "json":
        print(json.dumps({"sets": results, "memory": memory, "targets": verdict}, indent=2))
        return 0
    for label, doc in results.items():
        print(f"\n{label}: {doc['cases']} cases")
        print(f"  {'method':8} {'AC@1':>6} {'AC@3':>6} {'Avg@5':>6} {'s/case':>8}")
        for name, v in doc["methods"].items():
            print(
                f"  {name:8} {v['AC@1']:6.3f} {v['AC@3']:6.3f} {v['Avg@5']:6.3f} "
                f"{v['seconds_per_case']:8.4f}"
            )
        print(
            "  targets: "
            + ", ".join(f"{k} {'ok' if ok else 'MISSED'}" for k, ok in verdict[label].items())
        )
    print(
        f"\nlarge log: {memory['file_mb']} MB, {memory['lines']} lines mined in "
        f"{memory['seconds']} s ({memory['lines_per_second']}/s); peak RSS "
        f"{memory['peak_rss_mb']} MB; {memory['templates']} templates"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
