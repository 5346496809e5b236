"""Failure-mode detectors that read what the agents said (issue 5): G4, G5, G6.

They combine the structure of a round (proposals, ``accept`` / ``ack`` messages, purchases,
the outcome) with a deterministic reading of free text (`coord.analysis.text`): resource
amounts and whom they are for, agreement and acknowledgement language, and referents.

The work is split by job: `coord.analysis.statements` reads what each message says the
deal is (plans, proposals, referents, comparisons); `coord.analysis.detect_binding` holds
G4 and `coord.analysis.detect_beliefs` G5 and G6; their docstrings give the rules.

This module is kept as the single entry point: `coord.analysis.engine` looks the
detectors up here by name, lazily. Each takes the round's reading (`statements._Ctx`,
`statements._View`) and returns that round's findings.

All three are errors. Everything here is heuristic and tuned for precision: a statement
that cannot be read with confidence is left out rather than guessed.
"""

from __future__ import annotations

from coord.analysis.detect_beliefs import ack_as_agreement, divergent_belief
from coord.analysis.detect_binding import referential_binding

__all__ = ["ack_as_agreement", "divergent_belief", "referential_binding"]
