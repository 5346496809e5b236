"""The reliability diagram and the cost–quality frontier, as hand-written SVG.

SVG keeps `coord score --plot` free of a plotting dependency; the files open in any
browser and diff as text. Both plots are deterministic functions of the scores.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from coord.forecast.scoring import Score

W, H = 640, 480
LEFT, RIGHT, TOP, BOTTOM = 70, 190, 40, 60
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def _svg(title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
        f'viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">\n'
        f'<rect width="{W}" height="{H}" fill="white"/>\n'
        f'<text x="{W / 2:.0f}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>\n'
        + "\n".join(body)
        + "\n</svg>\n"
    )


class _Axes:
    def __init__(self, x0: float, x1: float, y0: float, y1: float) -> None:
        self.x0, self.x1 = x0, (x1 if x1 > x0 else x0 + 1)
        self.y0, self.y1 = y0, (y1 if y1 > y0 else y0 + 1)

    def x(self, v: float) -> float:
        return LEFT + (v - self.x0) / (self.x1 - self.x0) * (W - LEFT - RIGHT)

    def y(self, v: float) -> float:
        return H - BOTTOM - (v - self.y0) / (self.y1 - self.y0) * (H - TOP - BOTTOM)

    def frame(self, xlabel: str, ylabel: str, ticks: int = 5) -> list[str]:
        out = [
            f'<rect x="{LEFT}" y="{TOP}" width="{W - LEFT - RIGHT}" height="{H - TOP - BOTTOM}" '
            'fill="none" stroke="#333"/>'
        ]
        for i in range(ticks + 1):
            xv = self.x0 + (self.x1 - self.x0) * i / ticks
            yv = self.y0 + (self.y1 - self.y0) * i / ticks
            out.append(
                f'<text x="{self.x(xv):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">'
                f"{_fmt(xv)}</text>"
            )
            out.append(
                f'<text x="{LEFT - 6}" y="{self.y(yv) + 4:.1f}" text-anchor="end">{_fmt(yv)}</text>'
            )
        out.append(
            f'<text x="{(LEFT + W - RIGHT) / 2:.0f}" y="{H - 18}" text-anchor="middle">'
            f"{escape(xlabel)}</text>"
        )
        out.append(
            f'<text x="16" y="{(TOP + H - BOTTOM) / 2:.0f}" text-anchor="middle" '
            f'transform="rotate(-90 16 {(TOP + H - BOTTOM) / 2:.0f})">{escape(ylabel)}</text>'
        )
        return out


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def _legend(names: list[str]) -> list[str]:
    out = []
    for i, name in enumerate(names):
        y = TOP + 14 + 18 * i
        c = COLOURS[i % len(COLOURS)]
        out.append(f'<circle cx="{W - RIGHT + 16}" cy="{y - 4}" r="5" fill="{c}"/>')
        out.append(f'<text x="{W - RIGHT + 26}" y="{y}">{escape(name[:24])}</text>')
    return out


def reliability_svg(scores: list[Score]) -> str:
    """Observed frequency against mean forecast per bin; marker area ∝ items in the bin."""
    ax = _Axes(0, 1, 0, 1)
    body = ax.frame("mean forecast in bin", "observed frequency")
    body.append(
        f'<line x1="{ax.x(0)}" y1="{ax.y(0)}" x2="{ax.x(1)}" y2="{ax.y(1)}" '
        'stroke="#999" stroke-dasharray="4 4"/>'
    )
    for i, s in enumerate(scores):
        c = COLOURS[i % len(COLOURS)]
        pts = [(b.mean_forecast, b.observed, b.n) for b in s.bins if b.n]
        if len(pts) > 1:
            path = " ".join(f"{ax.x(p):.1f},{ax.y(o):.1f}" for p, o, _ in pts)
            body.append(f'<polyline points="{path}" fill="none" stroke="{c}" stroke-width="1.5"/>')
        for p, o, n in pts:
            r = 2 + 6 * (n / max(s.n, 1)) ** 0.5
            body.append(
                f'<circle cx="{ax.x(p):.1f}" cy="{ax.y(o):.1f}" r="{r:.1f}" fill="{c}" '
                f'fill-opacity="0.7"><title>{escape(s.name)}: {n} items</title></circle>'
            )
    return _svg("Reliability diagram", body + _legend([s.name for s in scores]))


def frontier_svg(scores: list[Score]) -> str:
    """Brier against cost per item; the Pareto frontier joined by a line."""
    pts = [(s.cost_per_item, s.brier, s) for s in scores if s.pareto is not None]
    if not pts:
        ax = _Axes(0, 1, 0, 1)
        body = ax.frame("cost per item (USD)", "Brier score")
        body.append(
            f'<text x="{ax.x(0.5)}" y="{ax.y(0.5)}" text-anchor="middle">'
            "no group records its cost</text>"
        )
        return _svg("Cost–quality frontier", body)
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    padx = (max(xs) - min(xs)) * 0.1 or max(abs(xs[0]) * 0.1, 0.01)
    pady = (max(ys) - min(ys)) * 0.1 or max(abs(ys[0]) * 0.1, 0.01)
    ax = _Axes(max(0.0, min(xs) - padx), max(xs) + padx, max(0.0, min(ys) - pady), max(ys) + pady)
    body = ax.frame("cost per item (USD)", "Brier score (lower is better)")
    front = sorted((x, y) for x, y, s in pts if s.pareto)
    if len(front) > 1:
        path = " ".join(f"{ax.x(x):.1f},{ax.y(y):.1f}" for x, y in front)
        body.append(f'<polyline points="{path}" fill="none" stroke="#333" stroke-dasharray="5 3"/>')
    for i, s in enumerate(scores):
        if s.pareto is None:
            continue
        c = COLOURS[i % len(COLOURS)]
        x, y = ax.x(s.cost_per_item), ax.y(s.brier)
        fill = c if s.pareto else "white"
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="6" fill="{fill}" stroke="{c}" '
            f'stroke-width="2"><title>{escape(s.name)}</title></circle>'
        )
    body.append(f'<text x="{LEFT + 6}" y="{TOP + 14}" fill="#333">filled: on the frontier</text>')
    return _svg("Cost–quality frontier", body + _legend([s.name for s in scores]))


def prepare_dir(directory: str | Path) -> Path:
    """Create the plot folder (before any scoring, so a bad path fails first)."""
    from coord.errors import UsageError

    d = Path(directory)
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"--plot {d}: cannot create the folder ({exc.strerror})",
            hint="--plot takes a folder to write reliability.svg and frontier.svg into",
        ) from None
    return d


def write_plots(scores: list[Score], directory: str | Path) -> list[Path]:
    """Write `reliability.svg` and `frontier.svg` into `directory` (created if needed),
    each through a temporary file and a rename: a reader never sees half a plot."""
    import os

    d = prepare_dir(directory)
    out = []
    for name, svg in (
        ("reliability.svg", reliability_svg(scores)),
        ("frontier.svg", frontier_svg(scores)),
    ):
        path = d / name
        tmp = d / f".{name}.{os.getpid()}.tmp"
        tmp.write_text(svg, encoding="utf-8")
        os.replace(tmp, path)
        out.append(path)
    return out
