"""A deterministic reader of negotiation free text (no model, stdlib ``re`` only).

`coord replay` diagnoses grounding failures in transcripts written by LLM agents. Its
detectors need to know, from a message alone, which resource amounts it mentions and for
whom, whether it agrees, merely acknowledges, and what earlier offer it points at.

- `read_quantities` finds "<amount> <resource>" mentions (either order, digits or words)
  and the owner relative to the speaker ("speaker", "partner", or None when unclear).
- `agreement_phrase` finds agreement language that is neither negated nor conditional.
- `ack_phrase` finds acknowledgement that stops short of agreement.
- `referents` finds pointers to proposals: ids, "your last offer", "option B".
- `normalise_number` turns "twenty-one", "half a dozen" or "1,000" into an int.

This module is the public import path only; the readers live in `numbers`, `quantities`
and `phrases` beside it.

Everything here is heuristic and tuned for precision: when in doubt it reports nothing
(or owner None) rather than guess.
"""

from coord.analysis.numbers import normalise_number
from coord.analysis.phrases import Referent, ack_phrase, agreement_phrase, referents
from coord.analysis.quantities import PARTNER as PARTNER
from coord.analysis.quantities import SPEAKER as SPEAKER
from coord.analysis.quantities import Quantity, read_quantities

__all__ = [
    "Quantity",
    "Referent",
    "ack_phrase",
    "agreement_phrase",
    "normalise_number",
    "read_quantities",
    "referents",
]
