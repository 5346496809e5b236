"""Shared test helpers for coord.rca: where the case data lives, writing small files."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "rca"
SHARED = ROOT.parent / "shared" / "data" / "rca"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def small_case(tmp_path, with_logs=True):
    """a → b → c; c's cpu saturates (the root cause); b and a only see latency."""
    import numpy as np

    from coord.rca.load import load_generic

    rng = np.random.default_rng(1)
    cols = ["a_lat_90", "b_lat_90", "c_lat_90", "a_cpu", "b_cpu", "c_cpu"]
    lines = ["time," + ",".join(cols)]
    for t in range(0, 200):
        after = t >= 100
        row = {
            "a_lat_90": 50 + rng.normal(0, 2) + (40 if after else 0),
            "b_lat_90": 30 + rng.normal(0, 2) + (40 if after else 0),
            "c_lat_90": 10 + rng.normal(0, 1) + (25 if after else 0),
            "a_cpu": 20 + rng.normal(0, 1),
            "b_cpu": 20 + rng.normal(0, 1),
            "c_cpu": 20 + rng.normal(0, 1) + (60 if after else 0),
        }
        lines.append(f"{1700000000 + t}," + ",".join(f"{row[c]:.3f}" for c in cols))
    m = write(tmp_path / "m.csv", "\n".join(lines) + "\n")
    topo = write(tmp_path / "topo.csv", "source,target\na,b\nb,c\n")
    logs = []
    if with_logs:
        out = []
        for t in range(0, 200, 2):
            ts = 1700000000 + t
            out.append(f"{ts} a GET /home {t} ok")
            out.append(f"{ts} b query catalogue id={t} ok")
            if t >= 100:
                out.append(f"{ts} c ERROR java.lang.IllegalStateException: pool exhausted {t}")
            else:
                out.append(f"{ts} c served {t} rows")
        logs = [write(tmp_path / "app.log", "\n".join(out) + "\n")]
    return load_generic(m, logs, topo, "1700000100")
