"""Generated instances as a YAML `instances:` block for scenario files."""

from __future__ import annotations


def instances_yaml(
    mc: float, count: int, *, seed: int, tolerance: float, agents: tuple[str, str]
) -> str:
    from coord.game.negotiation.generate import generate
    from coord.game.negotiation.oracle import num, solve

    lines = [
        f"# generated: coord scenarios generate --mc {mc} --count {count} --seed {seed}"
        f" --tolerance {tolerance}",
        "instances:",
    ]
    for inst in generate(mc, count, seed=seed, tolerance=tolerance):
        res = solve(inst)
        eco = inst.economy
        lines.append(
            f"  - id: {inst.id}   # v1 {num(res.v1)}, v2 {num(res.v2)}, collab_max "
            f"{num(res.collab_max)}, M/C {res.mc_ratio:.3f}"
        )
        lines.append("    projects:")
        for name, side in zip(agents, inst.projects):
            lines.append(f"      {name}:")
            for p in side:
                req = ", ".join(f"{r}: {q}" for r, q in p.requirements(eco).items())
                lines.append(
                    f"        - {{name: {p.name}, requirements: {{{req}}}, "
                    f"reward: {num(p.reward)}}}"
                )
    return "\n".join(lines) + "\n"
