"""`coord diff`'s text report: the `--format json` document (`DiffReport.to_dict`) as
lines for a terminal, readable at 80 columns."""

from __future__ import annotations

import json
from typing import Any

from coord.analysis.diff import MISSING, _is_number, _plan_key


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def _show(value: Any, width: int) -> str:
    if value is MISSING:
        return "(absent)"
    return _clip(json.dumps(value, ensure_ascii=False), width)


def _num(x: Any) -> str:
    if not _is_number(x):
        return "-"
    return f"{x:.6g}"


def _signed(x: Any) -> str:
    if not _is_number(x):
        return "-"
    return "0" if x == 0 else f"{x:+.4g}"


def _pct(x: Any) -> str:
    return f"{x * 100:.1f}%" if _is_number(x) else "-"


def _where(pos: dict) -> str:
    if pos.get("end"):
        return "(no more events)"
    parts = [str(pos.get("kind"))]
    if "round" in pos:
        parts.append(f"round {pos['round']}")
    if "turn" in pos:
        parts.append(f"turn {pos['turn']}")
    if "agent" in pos:
        parts.append(str(pos["agent"]))
    return ", ".join(parts)


def _plan_text(plan: Any) -> str:
    key = _plan_key(plan)
    if isinstance(key, dict) and all(isinstance(v, dict) for v in key.values()):
        sides = []
        for agent, res in key.items():
            items = ", ".join(f"{r} {n:g}" if _is_number(n) else f"{r} {n}" for r, n in res.items())
            sides.append(f"{agent}: {items or 'nothing'}")
        return "; ".join(sides)
    return json.dumps(plan, ensure_ascii=False)


def render(report: dict, width: int = 80) -> str:
    """A compact, readable rendering of `DiffReport.to_dict` in ``width`` columns."""
    w = width
    lines = [
        "transcripts are equivalent" if report["equivalent"] else "transcripts differ",
    ]
    for side in ("a", "b"):
        st = report.get("status", {}).get(side, {})
        tail = f"  ({st.get('status', '?')}, {st.get('events', '?')} events)"
        lines.append(_clip(f"  {side}: {report[side]}", w - len(tail)) + tail)
    if report["setup"]:
        lines += ["", "setup differences (a → b)"]
        for f in report["setup"]:
            va, vb = f.get("a", MISSING), f.get("b", MISSING)
            room = (w - 6 - len(f["path"])) // 2
            room = max(room, 12)
            lines.append(_clip(f"  {f['path']}: {_show(va, room)} → {_show(vb, room)}", w))
    d = report["first_divergence"]
    if d is None:
        lines += ["", "no divergence in the events (volatile fields ignored)"]
    else:
        lines += [
            "",
            _clip(f"first divergence at line {d['line']}: {d['path']}", w),
            _clip(f"  a: {_where(d['a'])}", w),
            _clip(f"  b: {_where(d['b'])}", w),
        ]
        for f in d["fields"]:
            lines.append(_clip(f"  {f['path']}", w))
            lines.append("    a: " + _show(f.get("a", MISSING), w - 7))
            lines.append("    b: " + _show(f.get("b", MISSING), w - 7))
    changed = [r for r in report["rounds"] if _round_changed(r)]
    if report["rounds"]:
        lines += ["", "rounds (Δ = b − a)" if changed else "rounds: identical outcomes"]
    if changed:
        lines.append("  round    joint a  joint b        Δ   eff a   eff b  rewards Δ")
        for r in changed:
            a, b, dl = r["a"] or {}, r["b"] or {}, r["delta"] or {}
            rewards = ", ".join(f"{n} {_signed(v)}" for n, v in dl.get("rewards", {}).items())
            if dl.get("annulled_changed"):
                rewards += f"  annulled {a.get('annulled')}→{b.get('annulled')}"
            row = (
                f"  {str(r['round']):>5}  {_num(a.get('joint_reward')):>9}"
                f"{_num(b.get('joint_reward')):>9}{_signed(dl.get('joint_reward')):>9}"
                f"{_pct(a.get('joint_efficiency')):>8}{_pct(b.get('joint_efficiency')):>8}"
                f"  {rewards}"
            )
            lines.append(_clip(row, w))
    game_changed = {k: v for k, v in report["game"].items() if v["delta"] != 0}
    if report["game"]:
        lines += ["", "game metrics (changed)" if game_changed else "game metrics: identical"]
    name_w = max((len(k) for k in game_changed), default=0)
    for k, v in game_changed.items():
        row = f"  {k:<{name_w}}  {_num(v['a']):>10}  {_num(v['b']):>10}  {_signed(v['delta']):>10}"
        lines.append(_clip(row, w))
    for title, key, fmt in (
        ("agreements", "agreements", lambda i: f"round {i['round']}: {_plan_text(i['plan'])}"),
        (
            "protocol findings",
            "findings",
            lambda i: f"round {i['round']}: {i['code']} {i['severity']}: {i['message']}",
        ),
    ):
        for side in ("a", "b"):
            items = report[key][f"only_{side}"]
            if items:
                lines += ["", f"{title} only in {side} ({len(items)})"]
                lines += [_clip(f"  {fmt(i)}", w) for i in items]
    cost = report.get("cost")
    if cost:
        lines += ["", "cost (sums over model calls)"]
        for agent, pairs in [*cost["agents"].items(), ("total", cost["total"])]:
            for k, v in pairs.items():
                row = f"  {agent:<10} {k:<24} {_num(v['a']):>10} {_num(v['b']):>10}"
                lines.append(_clip(f"{row} {_signed(v['delta']):>10}", w))
    if report.get("notes"):
        lines += ["", "notes"] + [_clip(f"  {n}", w) for n in report["notes"]]
    return "\n".join(lines) + "\n"


def _round_changed(r: dict) -> bool:
    return r["a"] != r["b"]
