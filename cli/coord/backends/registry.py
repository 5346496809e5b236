"""Backends registered by name: `kind/model` is parsed here and only here (DESIGN §8.3).

Each kind maps to a factory that imports its implementation when first used, so naming an
SDK-backed kind costs nothing until a scenario actually uses it.
"""

from __future__ import annotations

from collections.abc import Callable

from coord.backends.base import Agent
from coord.errors import UsageError, did_you_mean


def _policy_factory(model: str, *, name: str, seed: int, settings=None) -> Agent:
    from coord.backends.policy import create_policy

    return create_policy(model, name=name, seed=seed)


def _policy_names() -> dict[str, str]:
    from coord.backends.policy import POLICIES

    return {n: cls.summary for n, cls in POLICIES.items()}


def _llm_factory(provider: str) -> Callable[..., Agent]:
    def factory(model: str, *, name: str, seed: int, settings=None) -> Agent:
        from coord.backends.llm.agent import create_llm_agent

        return create_llm_agent(provider, model, name=name, seed=seed, settings=settings)

    return factory


def _replay_factory(model: str, *, name: str, seed: int, settings=None) -> Agent:
    from coord.backends.replay import replay_agent

    return replay_agent(model, name=name, seed=seed, settings=settings)


#: kind -> (factory, function listing the valid models or None when any model is allowed)
KINDS: dict[str, tuple[Callable[..., Agent], Callable[[], dict[str, str]] | None]] = {
    "policy": (_policy_factory, _policy_names),
    "anthropic": (_llm_factory("anthropic"), None),
    "openai": (_llm_factory("openai"), None),
    "replay": (_replay_factory, None),
}


def parse_backend(spec: str) -> tuple[str, str]:
    """`"policy/grounded"` → ("policy", "grounded"); ValueError with a hint otherwise."""
    kind, sep, model = str(spec).partition("/")
    if not sep or not kind or not model:
        raise ValueError(
            f"backend {spec!r} is not `kind/model`; e.g. `policy/grounded` "
            f"(kinds: {', '.join(KINDS)})"
        )
    if kind not in KINDS:
        raise ValueError(
            f"unknown backend kind {kind!r}{did_you_mean(kind, KINDS)}; known: {', '.join(KINDS)}"
        )
    return kind, model


def check_backend(spec: str) -> None:
    """Raise ValueError (with "did you mean" and the known names) unless `spec` is usable."""
    kind, model = parse_backend(spec)
    lister = KINDS[kind][1]
    if lister is not None:
        known = lister()
        if model not in known:
            raise ValueError(
                f"unknown {kind} {model!r}{did_you_mean(model, known)}; known: {', '.join(known)}"
            )


def create_agent(spec: str, *, name: str, seed: int = 0, settings: dict | None = None) -> Agent:
    """Instantiate the backend `spec` for the agent called `name`.

    `settings` are the agent's model settings from the scenario (temperature, max_tokens,
    system, base_url, ...); built-in policies ignore them.
    """
    try:
        check_backend(spec)
    except ValueError as exc:
        raise UsageError(
            str(exc),
            hint="run `coord policies` to list the built-in agents; model backends are "
            "anthropic/<model>, openai/<model>, replay/<transcript>",
        ) from None
    kind, model = parse_backend(spec)
    return KINDS[kind][0](model, name=name, seed=seed, settings=settings)
