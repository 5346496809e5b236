"""Content-schema validation throughput: `python tests/benchmarks/schemas.py [seconds]`.

A negotiation-plan schema and 1,000 valid messages, validated through
`coord.protocol.schemas.compile_schema(...).is_valid` and, in the same run, through plain
`jsonschema.Draft202012Validator(...).is_valid`; target ≥ 100,000 messages/s on one core.
"""

from __future__ import annotations

import json
import random
import sys
import time

RESOURCES = ["wood", "ore", "grain", "wool", "brick"]
AGENTS = ["alice", "bob", "carol", "dave"]

PLAN_SCHEMA = {
    "type": "object",
    "required": ["id", "round", "status", "plan"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "pattern": "^plan-[0-9]{1,6}$"},
        "round": {"type": "integer", "minimum": 1, "maximum": 1000},
        "status": {"enum": ["draft", "final", "withdrawn"]},
        "note": {"type": "string", "maxLength": 500},
        "plan": {
            "type": "object",
            "propertyNames": {"enum": AGENTS},
            "additionalProperties": {
                "type": "object",
                "propertyNames": {"enum": RESOURCES},
                "additionalProperties": {"type": "integer", "minimum": 0},
            },
        },
    },
}


def _messages(n: int, seed: int = 7) -> list:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        plan = {
            agent: {r: rng.randint(0, 20) for r in rng.sample(RESOURCES, rng.randint(1, 5))}
            for agent in rng.sample(AGENTS, rng.randint(2, 4))
        }
        message = {
            "id": f"plan-{i}",
            "round": rng.randint(1, 30),
            "status": rng.choice(["draft", "final"]),
            "plan": plan,
        }
        if i % 3 == 0:
            message["note"] = "counter-offer after round " + str(message["round"])
        out.append(json.loads(json.dumps(message)))
    return out


def _rate(is_valid, messages: list, seconds: float) -> float:
    count, start = 0, time.perf_counter()
    while True:
        for m in messages:
            if not is_valid(m):
                raise AssertionError(f"benchmark message rejected: {m}")
        count += len(messages)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed


def bench_schemas(seconds: float = 1.0) -> dict:
    """messages/s through coord's compiled schema and through python-jsonschema."""
    from jsonschema import Draft202012Validator

    from coord.protocol.schemas import compile_schema

    messages = _messages(1000)
    fast = compile_schema(PLAN_SCHEMA, base_dir=None, source="bench").is_valid
    python = Draft202012Validator(PLAN_SCHEMA).is_valid
    fast_rate = _rate(fast, messages, seconds)
    python_rate = _rate(python, messages, seconds)
    return {
        "fast_per_s": round(fast_rate),
        "python_jsonschema_per_s": round(python_rate),
        "ratio": round(fast_rate / python_rate, 1),
    }


if __name__ == "__main__":
    print(json.dumps(bench_schemas(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)))
