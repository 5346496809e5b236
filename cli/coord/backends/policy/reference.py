"""Reference policies: the bounds every other behaviour is measured between."""

from __future__ import annotations

from coord.backends.policy.common import Policy, buy, own_best
from coord.coordinator.messages import Message, View
from coord.game.negotiation.oracle import solve


class OraclePolicy(Policy):
    """Plays its side of the exact joint optimum without talking.

    It is privileged: the coordinator shows it the whole instance, partner's projects
    included, so two oracles land on the same canonical optimal plan. It is the upper
    bound of the dyad, not a model of any agent.
    """

    summary = "plays the exact joint optimum (reads the whole instance; the upper bound)"
    privileged = True

    async def act(self, view: View) -> Message:
        if view.partner is None or view.instance is None:
            return buy(view, own_best(view), "Working alone: my optimum.")
        result = solve(view.instance)
        plan = result.optimal_plan[view.instance.side(view.agent)]
        return buy(view, plan, "Executing my side of the joint optimum.")


class SoloPolicy(Policy):
    """Buys its own optimum at once, ignoring the partner (the paper's solo reasoner).

    Alone it is optimal; paired, two solo agents over-buy whenever their solo plans
    compete for supply (M/C < 1) and the round is annulled.
    """

    summary = "buys its own optimum at once, ignoring the partner"

    async def act(self, view: View) -> Message:
        return buy(view, own_best(view), "I'll run my own best plan.")
