"""Forecasters played by models: `anthropic/<model>` and `openai/<model>` in forecast
scenarios, through the LLM backends (`coord.backends.llm`).

What every agent of every configuration receives is the same system prompt — the
scenario's shared blocks (`prompt.header`, `prompt.answer_format`) and one fixed line
about tool calls — so only the user message differs, and it differs only by what the
topology lets the agent see (`ForecastView`): its role's instructions, the question and
its market price, a sub-question, its previous estimate, the notes of other agents. The
outcome is never shown.

Structured output is one tool per role: `forecast` (a probability in [0, 1] and the
reasoning) for the roles that give a probability, `report` (notes, no probability) for
specialists, researchers and analysts, `plan` (sub-questions) for the planner. A reply is
validated here — probability a finite number within [0, 1], reasoning or notes non-empty,
the planner's count of sub-questions — and re-asked with the errors, up to the agent's
`reask` setting. Every call, re-asks included, is a `model_call` event with usage and
cost (`LLMAgent.call_model`). A reply still invalid after the re-asks raises
`ForecastFailed`: the question's forecast is then recorded as failed and counted, not
invented.
"""

from __future__ import annotations

import math
from typing import Any

from coord.backends.llm.agent import SETTING_KEYS, LLMAgent
from coord.backends.llm.common import LLMSettings, Prompt
from coord.backends.llm.common import Reply as ModelReply
from coord.forecast.views import ForecastView, Reply

TOOL_LINE = "Answer every request with exactly one call of the tool offered."

PROBABILITY_ROLES = frozenset({"forecaster", "reviser", "consensus", "integrator"})
REPORT_ROLES = frozenset({"specialist", "researcher", "analyst"})

_TEXT = {"type": "string", "minLength": 1}
TOOLS: dict[str, dict] = {
    "forecast": {
        "description": "Your forecast: the probability that the question resolves YES.",
        "type": "object",
        "properties": {
            "probability": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "Probability of YES, from 0 to 1 (not a percentage).",
            },
            "reasoning": {**_TEXT, "description": "Why: the evidence and how you weighed it."},
        },
        "required": ["probability", "reasoning"],
        "additionalProperties": False,
    },
    "report": {
        "description": "Your notes for the next agent. No probability.",
        "type": "object",
        "properties": {"notes": {**_TEXT, "description": "The evidence you found."}},
        "required": ["notes"],
        "additionalProperties": False,
    },
    "plan": {
        "description": "Sub-questions for the specialists. No probability.",
        "type": "object",
        "properties": {
            "subquestions": {
                "type": "array",
                "items": _TEXT,
                "minItems": 1,
                "description": "One sub-question per specialist.",
            }
        },
        "required": ["subquestions"],
        "additionalProperties": False,
    },
}


class ForecastFailed(Exception):
    """An agent gave no valid answer after its re-asks; the question's forecast fails."""


def tool_for(role: str) -> str:
    if role in PROBABILITY_ROLES:
        return "forecast"
    if role in REPORT_ROLES:
        return "report"
    if role == "planner":
        return "plan"
    raise ValueError(f"no tool for role {role!r}")


def system_prompt(view: ForecastView, extra: str | None = None) -> str:
    """The shared blocks: identical for every agent of every configuration of a scenario."""
    parts = [view.header.strip(), view.answer_format.strip(), TOOL_LINE]
    if extra and extra.strip():
        parts.append(extra.strip())
    return "\n\n".join(p for p in parts if p)


def render(view: ForecastView) -> str:
    """The user message: exactly what the topology lets this agent see."""
    q = view.question
    lines = [f"# Your role: {view.role}", view.instructions, "", "## Question", q.text]
    if q.category:
        lines.append(f"Category: {q.category}")
    if q.resolution_date:
        lines.append(f"Resolution date: {q.resolution_date}")
    if q.baseline is not None:
        lines.append(f"Market price of YES: {q.baseline}")
    if view.subquestion:
        lines += ["", "## Your sub-question", view.subquestion]
    if view.own is not None:
        lines += ["", f"## Your estimate before revision round {view.round}: {view.own}"]
    if view.notes:
        lines += ["", "## From the other agents"]
        for n in view.notes:
            said = f", estimate {n.probability}" if n.probability is not None else ""
            lines.append(f"- {n.agent} ({n.role}{said}): {n.text}")
    lines.append("")
    tool = tool_for(view.role)
    if tool == "plan":
        lines.append(f"Write {view.count or 1} sub-question(s) with the `plan` tool.")
    elif tool == "report":
        lines.append("Answer with the `report` tool: your notes, without a probability.")
    else:
        lines.append("Answer with the `forecast` tool: your probability and your reasoning.")
    return "\n".join(lines)


def check(view: ForecastView, reply: ModelReply) -> tuple[Reply | None, list[str]]:
    """The model's reply as a forecast `Reply`, or the errors to re-ask with."""
    tool = tool_for(view.role)
    if not reply.calls:
        return None, [f"no tool call: answer with one call of `{tool}`"]
    if len(reply.calls) > 1:
        return None, [f"{len(reply.calls)} tool calls: make exactly one call of `{tool}`"]
    _cid, name, args = reply.calls[0]
    if name != tool:
        return None, [f"`{name}` is not the tool to use now; call `{tool}`"]
    if not isinstance(args, dict):
        return None, [f"the input of `{tool}` must be a JSON object, got: {str(args)[:200]}"]
    allowed = TOOLS[tool]["properties"]
    errors = [
        f"unknown field `{k}` (fields: {', '.join(allowed)})" for k in args if k not in allowed
    ]
    if tool == "forecast":
        p, errors = _probability(args.get("probability"), errors)
        text = _text(args, "reasoning", errors)
        return (None, errors) if errors else (Reply(text, probability=p), [])
    if tool == "report":
        text = _text(args, "notes", errors)
        return (None, errors) if errors else (Reply(text), [])
    subs = args.get("subquestions")
    if not isinstance(subs, list) or not subs:
        errors.append("`subquestions` must be a non-empty list of strings")
    elif not all(isinstance(x, str) and x.strip() for x in subs):
        errors.append("every sub-question must be a non-empty string")
    elif view.count and len(subs) != view.count:
        errors.append(f"write exactly {view.count} sub-questions, not {len(subs)}")
    if errors:
        return None, errors
    subs = [x.strip() for x in subs]
    return Reply("\n".join(f"{i + 1}. {x}" for i, x in enumerate(subs)), extra={"subs": subs}), []


def _probability(value: Any, errors: list[str]) -> tuple[float | None, list[str]]:
    if value is None:
        return None, [*errors, "`probability` is missing"]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, [*errors, f"`probability` must be a number, got {str(value)[:40]!r}"]
    p = float(value)
    if not math.isfinite(p):
        return None, [*errors, "`probability` must be a finite number"]
    if not 0.0 <= p <= 1.0:
        hint = f" (a percentage? give {p / 100:g})" if 1 < p <= 100 else ""
        return None, [*errors, f"`probability` {value} is outside [0, 1]{hint}"]
    return p, errors


def _text(args: dict, key: str, errors: list[str]) -> str:
    value = args.get(key)
    if not isinstance(value, str) or not value.strip():
        errors.append(f"`{key}` must be a non-empty string")
        return ""
    return value.strip()


class LLMForecaster(LLMAgent):
    """A forecast agent played by a model (see the module docstring)."""

    async def act(self, view: ForecastView) -> Reply:  # type: ignore[override]
        mod = self.module
        tool = tool_for(view.role)
        schema = dict(TOOLS[tool])
        if tool == "plan" and view.count:
            items = dict(schema["properties"]["subquestions"], maxItems=view.count)
            items["minItems"] = view.count
            schema = {**schema, "properties": {"subquestions": items}}
        conversation = Prompt(
            system=system_prompt(view, self.settings.system),
            messages=[mod.user(render(view))],
            tools={tool: schema},
        )
        where = {
            "agent": self.name,
            "backend": f"{self.settings.provider}/{self.settings.model}",
            "question_id": view.question.id,
            "role": view.role,
            "round": view.round,
        }
        errors: list[str] = []
        for reask in range(self.settings.reask + 1):
            body = mod.body(self.settings, conversation)
            reply, errors, out = await self.call_model(
                body, {**where, "reask": reask}, lambda r: check(view, r)
            )
            if out is not None:
                return out
            conversation.messages = conversation.messages + mod.followup(reply, errors)
        raise ForecastFailed(
            f"{self.name} ({view.role}): no valid answer after {self.settings.reask + 1} "
            f"attempts; last errors: {'; '.join(errors)}"
        )


def create_llm_forecaster(
    provider: str, model: str, *, name: str, seed: int, settings: dict | None = None
) -> LLMForecaster:
    opts = {k: v for k, v in (settings or {}).items() if k in SETTING_KEYS and v is not None}
    return LLMForecaster(
        name, f"{provider}/{model}", LLMSettings(provider=provider, model=model, **opts), seed=seed
    )
