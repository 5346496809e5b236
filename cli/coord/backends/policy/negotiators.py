"""Negotiators that model the paper's failure modes (anchoring, perfunctory fairness) and
a classic time-dependent concession strategy. None of them shares private information."""

from __future__ import annotations

from coord.backends.policy.common import (
    Policy,
    agreement,
    allocation,
    buy,
    buy_within,
    caps_of,
    describe_plan,
    half_caps,
    latest_proposal,
    my_side,
    own_best,
    partner_projects,
    rest_of,
    value_of,
)
from coord.coordinator.messages import Message, View
from coord.game.negotiation.oracle import Plan, plans


def _demand(view: View, floor: float) -> Plan:
    """My cheapest plan (leaving most to the partner) worth at least `floor`."""
    options = [p for p in plans(view.economy, view.projects) if p.reward >= floor - 1e-9]
    if not options:
        return own_best(view)
    return min(options, key=lambda p: (sum(p.use), p.cost, -p.reward, p.runs))


def _previous_purchase(view: View) -> dict[str, int] | None:
    """What I bought in the last round I remember, if it was not annulled."""
    for out in reversed(view.outcomes):
        if not out["annulled"]:
            return dict(out["purchases"].get(view.agent, {}))
        return None
    return None


class AnchoredPolicy(Policy):
    """Opens with its solo plan and barely concedes (stubborn anchoring, failure mode 2).

    It asks for the resources of its solo optimum ("you take the rest") and repeats that
    ask, unchanged, all round, whatever the partner counters; it accepts only offers worth
    ≥ 95 % of its ask. Across rounds it barely concedes: one unit for every annulled round
    it remembers. With history it re-proposes last round's purchase if that round was not
    annulled, whatever its efficiency. Undecided at the end, it buys its ask.
    """

    summary = "opens with its solo plan and barely concedes (anchoring)"

    def _ask(self, view: View) -> dict[str, int]:
        ask = _previous_purchase(view) or view.economy.mapping(own_best(view).use)
        give = sum(bool(o["annulled"]) for o in view.outcomes)  # never within a round
        for name in sorted(ask, key=lambda r: -ask[r]):
            while give and ask[name] > 0:
                ask[name] -= 1
                give -= 1
        return {r: q for r, q in ask.items() if q}

    def talk(self, view: View) -> Message:
        deal = agreement(view)
        if deal:
            return buy_within(view, my_side(view, deal["plan"]), "As agreed.", deal["id"])
        ask = self._ask(view)
        offer = latest_proposal(view, view.partner)
        if offer and value_of(view, my_side(view, offer.message.plan)) >= 0.95 * value_of(
            view, ask
        ):
            return Message(type="accept", ref=offer.ledger_id, text=f"I accept {offer.ledger_id}.")
        mine = own_best(view, caps_of(view.economy, ask))
        plan = allocation(view, mine, rest_of(view.economy, mine.use))
        return Message(type="propose", plan=plan, text=f"My position: {describe_plan(view, plan)}.")

    def decide(self, view: View) -> Message:
        deal = agreement(view)
        if deal:
            return buy_within(view, my_side(view, deal["plan"]), "As agreed.", deal["id"])
        return buy_within(view, self._ask(view), "No deal; I stick to my position.")


class FairPolicy(Policy):
    """Proposes and accepts only equal splits (perfunctory fairness, failure mode 3).

    Every resource is split in half (rounded down); it accepts a proposal only when each
    side's share of every resource is within one unit of the other's, and buys its best
    plan inside its half. An equal split is safe — never annulled — and usually leaves
    reward on the table when the optimum is asymmetric.
    """

    summary = "proposes and accepts equal splits only (perfunctory fairness)"

    @staticmethod
    def _equal(view: View, plan: dict) -> bool:
        eco = view.economy
        a = caps_of(eco, my_side(view, plan))
        b = caps_of(eco, (plan or {}).get(view.partner, {}).get("resources", {}))
        return all(abs(x - y) <= 1 for x, y in zip(a, b))

    def talk(self, view: View) -> Message:
        deal = agreement(view)
        if deal:
            return buy_within(view, my_side(view, deal["plan"]), "As agreed.", deal["id"])
        offer = latest_proposal(view, view.partner)
        if offer and self._equal(view, offer.message.plan):
            return Message(
                type="accept",
                ref=offer.ledger_id,
                text=f"An even split is fair. I accept {offer.ledger_id}.",
            )
        half = view.economy.mapping(half_caps(view.economy))
        plan = {view.agent: {"resources": half}, view.partner: {"resources": dict(half)}}
        mine = latest_proposal(view, view.agent)
        if mine and self._equal(view, mine.message.plan):
            return Message(type="say", text="Let's keep it fair: half of everything each.")
        return Message(type="propose", plan=plan, text="Let's split everything evenly.")

    def decide(self, view: View) -> Message:
        return buy_within(view, view.economy.mapping(half_caps(view.economy)), "Half each.")


class ConcederPolicy(Policy):
    """Time-dependent concession (Faratin et al. 1998): asks less as the deadline nears.

    Its aspiration falls from its solo optimum v to nothing at the last talk turn along
    1 − (t/T)^(1/β), with β drawn from the seed in [1.5, 2.5] (a conceder: β > 1 concedes
    early), so a deal is reached before the deadline but rarely the best one. It asks for its
    cheapest plan meeting the aspiration and offers the rest; it accepts any offer worth
    its current aspiration. With the partner's projects visible (full transparency) it
    picks, among the plans meeting its aspiration, the one that leaves the partner the
    most. After an annulled round it remembers, it starts lower (×0.8). Undecided at the
    end, it buys its last ask.
    """

    summary = "time-dependent concession (asks less as the deadline nears)"

    def __init__(self, name: str, backend: str, *, seed: int = 0) -> None:
        super().__init__(name, backend, seed=seed)
        self.beta = 1.5 + self.rng.random()

    def _aspiration(self, view: View) -> float:
        beta = self.beta
        v = own_best(view).reward
        start = v * (0.8 if any(o["annulled"] for o in view.outcomes) else 1.0)
        t = (view.turn - 1) / max(1, view.talk_turns - 1)
        return start * (1 - t ** (1 / beta))

    def _ask(self, view: View) -> Plan:
        floor = self._aspiration(view)
        theirs = partner_projects(view)
        if theirs is None:
            return _demand(view, floor)
        from coord.game.negotiation.oracle import solo_best

        options = [p for p in plans(view.economy, view.projects) if p.reward >= floor - 1e-9]
        return max(
            options or [own_best(view)],
            key=lambda p: (
                p.reward + solo_best(view.economy, theirs, rest_of(view.economy, p.use)).reward,
                -p.cost,
                tuple(-r for r in p.runs),
            ),
        )

    def talk(self, view: View) -> Message:
        deal = agreement(view)
        if deal:
            return buy_within(view, my_side(view, deal["plan"]), "As agreed.", deal["id"])
        offer = latest_proposal(view, view.partner)
        if (
            offer
            and value_of(view, my_side(view, offer.message.plan)) >= self._aspiration(view) - 1e-9
        ):
            return Message(
                type="accept", ref=offer.ledger_id, text=f"Deal: I accept {offer.ledger_id}."
            )
        mine = self._ask(view)
        plan = allocation(view, mine, rest_of(view.economy, mine.use))
        return Message(
            type="propose", plan=plan, text=f"How about this: {describe_plan(view, plan)}."
        )

    def decide(self, view: View) -> Message:
        deal = agreement(view)
        if deal:
            return buy_within(view, my_side(view, deal["plan"]), "As agreed.", deal["id"])
        mine = latest_proposal(view, view.agent)
        if mine:
            return buy_within(view, my_side(view, mine.message.plan), "No deal; my last offer.")
        return buy(view, own_best(view), "No deal; my own plan.")
