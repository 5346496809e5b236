"""The detectors' driver: one round at a time, in memory bounded per round.

`Diagnosis` is fed the rounds of one exchange in order (from `exchange.open_exchange`, or
an `Exchange`'s list) and returns each round's findings as soon as it has read it. Free text
is read once per message (`statements._Ctx`, lazily: a message is read only as far as a
detector asks) and shared by every detector. Cross-round memory is what the detectors need
and no more: the previous round, and G1's bounded plan history.
"""

from __future__ import annotations

from collections.abc import Iterable

from coord.analysis import detectors_text
from coord.analysis.detectors import (
    DETECTORS,
    Finding,
    anchoring,
    perfunctory_fairness,
)
from coord.analysis.exchange import Round
from coord.analysis.statements import _Ctx, _Msg, read_round
from coord.errors import UsageError, did_you_mean

_TEXT = {
    "G4": detectors_text.referential_binding,
    "G5": detectors_text.ack_as_agreement,
    "G6": detectors_text.divergent_belief,
}


def check_codes(codes: Iterable[str]) -> list[str]:
    """The detector codes, or a `UsageError` naming the first unknown one."""
    codes = list(codes)
    for code in codes:
        if code not in DETECTORS:
            raise UsageError(
                f"unknown detector {code!r}{did_you_mean(code, DETECTORS)}",
                hint=f"detectors so far: {', '.join(DETECTORS)}",
            )
    return codes


class Diagnosis:
    def __init__(
        self, agents: tuple[str, ...], kind: str, detectors: Iterable[str] = DETECTORS
    ) -> None:
        self.codes = check_codes(detectors)
        self.agents = list(agents)
        self.prev: Round | None = None
        self.ctx = _Ctx(tuple(agents), kind)
        self.history = None
        if "G1" in self.codes:
            from coord.analysis.detect_history import HistoryLoss

            self.history = HistoryLoss()

    def feed(self, rnd: Round) -> list[Finding]:
        """This round's findings, sorted by code, then agents, then turns."""
        return self.feed_read(rnd, read_round(rnd, self.ctx.agents))

    def feed_read(self, rnd: Round, msgs: list[_Msg] | None) -> list[Finding]:
        """`feed` for a round whose messages were read already (`statements.read_round`,
        which `pipeline` runs in another process)."""
        view = self.ctx.add_read(rnd, msgs)
        out: list[Finding] = []
        for code in self.codes:
            if code == "G1":
                out += self.history.round(self.ctx, view, rnd)
            elif code == "G2":
                out += anchoring(self.prev, rnd, self.agents, view)
            elif code == "G3":
                out += perfunctory_fairness(rnd, self.agents, self.ctx, view)
            elif view is not None:
                out += _TEXT[code](self.ctx, view)
        self.prev = rnd
        return sorted(out, key=lambda f: (f.round, f.code, f.agents, f.turns))
