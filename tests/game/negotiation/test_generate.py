"""The instance generator: deterministic, on target, well-formed."""

from __future__ import annotations

import pytest

from coord.errors import UsageError
from coord.game.negotiation.generate import PAPER_ECONOMY, generate
from coord.game.negotiation.oracle import solve


def test_same_seed_same_instances():
    one = generate(0.8, 3, seed=11)
    two = generate(0.8, 3, seed=11)
    assert [i.to_dict() for i in one] == [i.to_dict() for i in two]
    other = generate(0.8, 3, seed=12)
    assert [i.to_dict() for i in one] != [i.to_dict() for i in other]


@pytest.mark.parametrize("target, count, seed", [(0.5, 2, 1), (0.8, 4, 2), (1.0, 4, 3)])
def test_every_instance_is_on_target(target, count, seed):
    insts = generate(target, count, seed=seed)
    assert [i.id for i in insts] == [f"mc{target}-s{seed}-{k}" for k in range(count)]
    assert len({i.projects for i in insts}) == count
    for inst in insts:
        r = solve(inst)
        assert r.v1 > 0 and r.v2 > 0
        if target == 1.0:
            assert r.mc_ratio == pytest.approx(1.0, abs=1e-12)
        else:
            assert abs(r.mc_ratio - target) <= 0.05 + 1e-12
            a, b = r.solo_plans
            assert any(
                x + y > s for x, y, s in zip(a.use, b.use, PAPER_ECONOMY.supply, strict=True)
            )


def test_projects_follow_the_documented_distribution():
    for inst in generate(0.8, 5, seed=5, projects_per_agent=4):
        for side in inst.projects:
            assert [p.name for p in side] == ["a", "b", "c", "d"]
            for p in side:
                assert 1 <= len(p.types) <= 2
                assert all(q in (0, 1, 2, 3, 4) for q in p.need)
                assert p.reward == int(p.reward) and 1 <= p.reward <= 10


def test_tolerance_is_respected():
    for inst in generate(0.7, 3, seed=4, tolerance=0.01):
        assert abs(solve(inst).mc_ratio - 0.7) <= 0.01 + 1e-12


def test_bad_arguments_and_exhaustion():
    with pytest.raises(UsageError):
        generate(1.2, 1, seed=0)
    with pytest.raises(UsageError):
        generate(0, 1, seed=0)
    with pytest.raises(UsageError, match="found only 0 of 1"):
        generate(0.1, 1, seed=0, tolerance=0.0, max_tries=50)
    assert generate(0.8, 0, seed=0) == []
