"""Built-in forecasters (`policy/<name>` in forecast scenarios): offline **simulations**.

They do not forecast anything: they read the question's market price through noise, the
way the configurations' LLM agents read the same evidence differently, so that the five
coordination topologies can run, and differ, without a key or a network. What they model:

* a *reading* is the market's log-odds plus Gaussian noise (`noise`); a question without a
  price reads as log-odds 0 (p = 0.5) plus noise;
* a probability is σ(`sharpness` × belief + `bias`): sharpness > 1 is overconfidence,
  < 1 hedging, and bias a systematic lean towards YES or NO;
* revising, an agent moves `conformity` of the way towards its peers (their median in a
  debate, the group mean in consensus rounds);
* every hand-off in a pipeline adds noise (`relay_loss` × `noise`): a stage sees only the
  previous stage's notes, not the market.

Random draws are keyed by (seed, question, slot, purpose), not by configuration, so the
same agent slot reads the same question identically in every configuration: differences
between configurations come from the topology, not from different luck (common random
numbers). Token counts are simulated as characters / 4 of prompt and answer.
"""

from __future__ import annotations

import math
import random
import statistics

from coord.backends.base import Agent
from coord.forecast.views import ForecastView, Reply

SUBQUESTIONS = (
    "What would have to happen for this to resolve YES, and how likely is each step?",
    "What has moved the market price recently, and is the move justified?",
    "What do base rates for comparable events say?",
    "What is the strongest case for NO?",
    "Which scheduled events before the resolution date could decide it?",
)


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    if x < -700:
        return 0.0
    return 1 / (1 + math.exp(-x))


class MarketReader(Agent):
    """Reads the market price with noise, bias and (over)confidence; see the module doc."""

    summary = "simulated forecaster: a noisy, biased reader of the market price (offline)"

    def __init__(
        self,
        name: str,
        backend: str,
        *,
        seed: int = 0,
        bias: float = 0.0,
        noise: float = 0.6,
        sharpness: float = 1.0,
        conformity: float = 0.5,
        relay_loss: float = 0.5,
    ) -> None:
        super().__init__(name, backend, seed=seed)
        self.bias, self.noise, self.sharpness = bias, noise, sharpness
        self.conformity, self.relay_loss = conformity, relay_loss

    # -- the simulated judgement ---------------------------------------------------------
    def _z(self, view: ForecastView, purpose: str) -> float:
        rng = random.Random(f"{self.seed}:{view.question.id}:{view.slot}:{purpose}")
        return rng.gauss(0.0, 1.0)

    def _market(self, view: ForecastView) -> float:
        b = view.question.baseline
        return 0.0 if b is None else logit(b)

    def _reading(self, view: ForecastView) -> float:
        return self._market(view) + self.noise * self._z(view, "read")

    def _relayed(self, view: ForecastView, evidence: float) -> float:
        return evidence + self.relay_loss * self.noise * self._z(view, "relay")

    def _probability(self, belief: float) -> float:
        return round(sigmoid(self.sharpness * belief + self.bias), 3)

    async def act(self, view: ForecastView) -> Reply:
        return getattr(self, "_" + view.role)(view)

    # -- roles ---------------------------------------------------------------------------
    def _forecaster(self, view: ForecastView) -> Reply:
        evidence = [n.evidence for n in view.notes if n.evidence is not None]
        if evidence:  # the last stage of a pipeline: only the analyst's notes
            belief = self._relayed(view, evidence[-1])
            why = f"The analyst's notes put the evidence at log-odds {evidence[-1]:+.2f}."
        else:
            belief = self._reading(view)
            why = self._why(view, belief)
        p = self._probability(belief)
        return Reply(f"{why} FINAL_PROBABILITY: {p}", probability=p)

    def _reviser(self, view: ForecastView) -> Reply:
        peers = [n.probability for n in view.notes if n.probability is not None]
        own = view.own if view.own is not None else 0.5
        target = statistics.median(peers) if peers else own
        p = round(own + self.conformity * (target - own), 3)
        far = max(view.notes, key=lambda n: abs((n.probability or own) - own), default=None)
        critique = f"{far.agent} is at {far.probability}; " if far else ""
        return Reply(
            f"{critique}the peers' median is {target:.3f}; I move from {own} towards it. "
            f"FINAL_PROBABILITY: {p}",
            probability=p,
        )

    def _consensus(self, view: ForecastView) -> Reply:
        group = [n.probability for n in view.notes if n.probability is not None]
        own = view.own if view.own is not None else 0.5
        target = statistics.fmean([*group, own])
        p = round(own + self.conformity * (target - own), 3)
        return Reply(
            f"The group mean is {target:.3f}; for agreement I move from {own}. "
            f"FINAL_PROBABILITY: {p}",
            probability=p,
        )

    def _planner(self, view: ForecastView) -> Reply:
        k = view.count or 3
        subs = [SUBQUESTIONS[i % len(SUBQUESTIONS)] for i in range(k)]
        return Reply("\n".join(f"{i + 1}. {s}" for i, s in enumerate(subs)), extra={"subs": subs})

    def _specialist(self, view: ForecastView) -> Reply:
        r = self._reading(view)
        lean = "above" if r > self._market(view) else "below"
        return Reply(
            f"On '{view.subquestion}': the evidence points {lean} the market price "
            f"(log-odds {r - self._market(view):+.2f} from it).",
            evidence=r,
        )

    def _integrator(self, view: ForecastView) -> Reply:
        reports = [n.evidence for n in view.notes if n.evidence is not None]
        belief = statistics.fmean([self._reading(view), *reports])
        p = self._probability(belief)
        return Reply(
            f"{len(reports)} specialist reports and the market weighed equally. "
            f"FINAL_PROBABILITY: {p}",
            probability=p,
        )

    def _researcher(self, view: ForecastView) -> Reply:
        r = self._reading(view)
        return Reply(self._why(view, r) + " Notes for the analyst.", evidence=r)

    def _analyst(self, view: ForecastView) -> Reply:
        evidence = [n.evidence for n in view.notes if n.evidence is not None]
        e = self._relayed(view, evidence[-1] if evidence else 0.0)
        return Reply(
            f"From the research notes the evidence stands at log-odds {e:+.2f}.", evidence=e
        )

    def _why(self, view: ForecastView, belief: float) -> str:
        b = view.question.baseline
        price = "no market price" if b is None else f"a market price of {b}"
        return f"With {price}, my reading of the evidence is {sigmoid(belief):.3f}."


FORECASTERS: dict[str, type[MarketReader]] = {"market-reader": MarketReader}
MODEL_KINDS = ("anthropic", "openai")  # model-backed forecasters (coord.forecast.llm)
SIMULATION_KEYS = ("bias", "noise", "sharpness", "conformity", "relay_loss")


def check_forecaster(spec: str) -> None:
    """ValueError unless `spec` is `policy/<forecaster>`, `anthropic/<model>` or
    `openai/<model>`."""
    from coord.errors import did_you_mean

    kind, sep, model = str(spec).partition("/")
    if kind in MODEL_KINDS and sep and model:
        return
    if kind != "policy" or not sep:
        raise ValueError(
            f"forecaster {spec!r}: use one of "
            f"{', '.join('policy/' + n for n in FORECASTERS)} (offline simulations), "
            "anthropic/<model> or openai/<model>"
        )
    if model not in FORECASTERS:
        raise ValueError(
            f"unknown forecaster {model!r}{did_you_mean(model, FORECASTERS)}; "
            f"known: {', '.join(FORECASTERS)}"
        )


def is_model(spec: str) -> bool:
    """Whether the forecaster is played by a model (it then has usage, cost and a key)."""
    return str(spec).partition("/")[0] in MODEL_KINDS


def create_forecaster(spec: str, *, name: str, seed: int, params: dict) -> Agent:
    """The agent for one slot. `params`: the forecaster's settings — the simulation's
    (bias, noise, ...) for policies, the model settings for models; others are ignored."""
    check_forecaster(spec)
    kind, _, model = spec.partition("/")
    if kind in MODEL_KINDS:
        from coord.forecast.llm import create_llm_forecaster

        return create_llm_forecaster(kind, model, name=name, seed=seed, settings=params)
    sim = {k: params[k] for k in SIMULATION_KEYS if k in params}
    return FORECASTERS[model](name, spec, seed=seed, **sim)
