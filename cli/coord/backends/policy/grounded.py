"""The coordination-layer remedy (`grounded`) and two grounding failures built on it.

`grounded` does what the paper's analysis says paired agents fail to do: share private
information, propose by ledger id, agree explicitly, and then do exactly what was agreed.
`forgetful` and `mislabel` reason the same way but lose, respectively, the history and
the referents — failure modes 1 and 4.
"""

from __future__ import annotations

from dataclasses import replace

from coord.backends.policy.common import (
    Policy,
    agreement,
    allocation,
    buy,
    buy_within,
    describe_plan,
    half_caps,
    joint_optimum,
    latest_proposal,
    ledger_entry,
    my_side,
    own_best,
    partner_projects,
    plan_value,
    rest_of,
    share_of,
)
from coord.coordinator.messages import Message, View


class GroundedPolicy(Policy):
    """Shares its projects, proposes the joint optimum by ledger id, accepts a proposal
    only when it reaches the joint optimum, and buys exactly its side of what was agreed.

    Never treats an acknowledgement as agreement: it acts only on a ledger entry whose
    status is `agreed`. Without an agreement at the deadline it buys its side of its own
    proposal; knowing nothing of the partner, it buys within half the supply, which
    cannot annul the round against a partner that does the same.
    """

    summary = "shares, proposes by ledger id, commits explicitly, follows the agreement"

    def talk(self, view: View) -> Message:
        deal = agreement(view)
        if deal:
            return buy_within(
                view, my_side(view, deal["plan"]), f"As agreed in {deal['id']}.", deal["id"]
            )
        theirs = partner_projects(view)
        if theirs is None:
            return Message(
                type="say",
                share=share_of(view),
                text="These are my projects. Please share yours so we can find the "
                "plan that maximises our joint reward.",
            )
        mine, other, best = joint_optimum(view, theirs)
        offer = latest_proposal(view, view.partner)
        if offer and plan_value(view, theirs, offer.message.plan) >= best - 1e-9:
            return Message(
                type="accept",
                ref=offer.ledger_id,
                text=f"I accept {offer.ledger_id}: it reaches the joint optimum "
                f"({best:g}). I will buy exactly my side of it.",
            )
        own = latest_proposal(view, view.agent)
        plan = allocation(view, mine, other)
        if own is None or own.message.plan != plan:
            shared = any(p.agent == view.agent and p.message.share for p in view.this_round())
            return Message(
                type="propose",
                plan=plan,
                share=None if shared else share_of(view),
                text=f"Proposal (joint reward {best:g}): {describe_plan(view, plan)}.",
            )
        return Message(
            type="say",
            ref=own.ledger_id,
            text=f"{own.ledger_id} reaches the joint optimum ({best:g}). "
            f"Do you accept {own.ledger_id}?",
        )

    def decide(self, view: View) -> Message:
        deal = agreement(view)
        if deal:
            return buy_within(
                view, my_side(view, deal["plan"]), f"As agreed in {deal['id']}.", deal["id"]
            )
        own = latest_proposal(view, view.agent)
        if own:
            return buy_within(
                view, my_side(view, own.message.plan), f"No agreement; my side of {own.ledger_id}."
            )
        theirs = partner_projects(view)
        if theirs is not None:
            mine, _, _ = joint_optimum(view, theirs)
            return buy(view, mine, "My side of the joint optimum.")
        return buy_within(
            view,
            view.economy.mapping(half_caps(view.economy)),
            "Nothing agreed; I stay within half the supply.",
        )


class ForgetfulPolicy(GroundedPolicy):
    """Grounded reasoning with a memory of one message (history loss, failure mode 1).

    It sees only the latest message of the exchange and never reads the ledger, so it
    agrees in one turn and has lost the agreement by the next. At the deadline it
    remembers no deal and buys its own optimum, as if the round were played alone.
    """

    summary = "reasons like grounded but remembers only the last message"

    @staticmethod
    def _forget(view: View) -> View:
        return replace(view, history=view.history[-1:], ledger=[], outcomes=[])

    def talk(self, view: View) -> Message:
        return super().talk(self._forget(view))

    def decide(self, view: View) -> Message:
        return buy(view, own_best(view), "I don't recall a deal; my own best plan.")


class MislabelPolicy(GroundedPolicy):
    """Grounded reasoning with off-by-one referents (referential binding, failure mode 4).

    It opens with its own solo plan as a proposal. When it accepts the proposal it means,
    it cites the id of the proposal recorded just before it; when the partner accepts an
    id, it takes the id at face value. Each side then buys what it believes was agreed,
    and the two beliefs can differ while every message sounds like agreement.
    """

    summary = "reasons like grounded but cites proposals by the wrong id"

    def _proposals(self, view: View) -> list[str]:
        return [
            e["id"]
            for e in view.ledger
            if e.get("kind") == "proposal" and e.get("round") == view.round
        ]

    def _cite(self, view: View, meant: str) -> str:
        ids = self._proposals(view)
        i = ids.index(meant) if meant in ids else 0
        return ids[i - 1] if i > 0 else meant

    def _belief(self, view: View) -> tuple[dict | None, str | None]:
        """(the plan it believes was agreed, the id it would cite for it)."""
        ids = self._proposals(view)
        for post in reversed(view.this_round()):
            msg = post.message
            if msg.type != "accept":
                continue
            if post.agent == view.agent:  # it meant the proposal after the one it cited
                i = ids.index(msg.ref) if msg.ref in ids else -1
                meant = ids[i + 1] if 0 <= i < len(ids) - 1 else msg.ref
                entry = ledger_entry(view, meant)
                return (entry or {}).get("plan"), msg.ref
            entry = ledger_entry(view, msg.ref)
            return (entry or {}).get("plan"), msg.ref
        return None, None

    def talk(self, view: View) -> Message:
        plan, cited = self._belief(view)
        if plan is not None:
            return buy_within(view, my_side(view, plan), f"As agreed in {cited}.", cited)
        if latest_proposal(view, view.agent) is None:
            mine = own_best(view)
            opening = allocation(view, mine, rest_of(view.economy, mine.use))
            return Message(
                type="propose",
                plan=opening,
                share=share_of(view),
                text=f"To start: {describe_plan(view, opening)}.",
            )
        theirs = partner_projects(view)
        offer = latest_proposal(view, view.partner)
        if theirs is not None and offer is not None:
            _, _, best = joint_optimum(view, theirs)
            if plan_value(view, theirs, offer.message.plan) >= best - 1e-9:
                cite = self._cite(view, offer.ledger_id)
                return Message(type="accept", ref=cite, text=f"Agreed — I accept {cite}.")
        return super().talk(view)

    def decide(self, view: View) -> Message:
        plan, cited = self._belief(view)
        if plan is not None:
            return buy_within(view, my_side(view, plan), f"As agreed in {cited}.", cited)
        return super().decide(view)
