"""Purchases stated in words, and the names a game's resources go by in free text.

Chat transcripts rarely carry structured actions: agents write "buying now: 9 r2" or
"Final answer: 3 r1, 9 r2". `text_purchase` reads such a message as the speaker's
purchase, so the round can still be scored with the game's rules (and the detectors that
need an outcome — G2, G3, G4 — still work). Both the loaders and `statements` use it.
"""

from __future__ import annotations

import re

from coord.analysis.quantities import read_quantities
from coord.game.negotiation.instance import Instance

# Words that commit to a purchase rather than propose one. Deliberately strict: "I'll buy
# 9 r2" is usually an offer, "buying now: 9 r2" is a decision.
COMMIT = re.compile(
    r"\b(buying now|i'?m buying|i am buying|purchasing now|i'?m purchasing|locking (it )?in|"
    r"locked in|submitting (my )?(purchase|order)|my (final )?purchase( is)?:|"
    r"placing my order|i('ve| have) bought|final answer:)",
    re.IGNORECASE,
)


def resource_table(instance: Instance) -> dict[str, list[str]]:
    """Each resource's names in free text: its own, "r 2" / "resource 2" for the paper's
    numbered names (r1, r2...), and a theme's aliases when the game records them."""
    names = instance.economy.names
    table: dict[str, list[str]] = {n: [n] for n in names}
    for n in names:
        m = re.fullmatch(r"[rR](\d+)", n)
        if m:
            table[n] += [f"r {m.group(1)}", f"resource {m.group(1)}"]
    for name, aliases in instance.resource_aliases.items():
        if name in table:
            table[name] += aliases
    return table


def project_names(instance: Instance) -> list[str]:
    return sorted({p.name for side in instance.projects for p in side})


def text_purchase(
    text: str, table: dict[str, list[str]], projects: list[str], *, typed: bool = False
) -> dict[str, int] | None:
    """The speaker's purchase stated in ``text``: the amounts with no owner or the
    speaker's, when the message commits ("buying now: ...") or is ``typed`` a purchase;
    None otherwise (or when it names no amount)."""
    if not text or not (typed or COMMIT.search(text)):
        return None
    mine: dict[str, int] = {}
    for q in read_quantities(text, table, projects=projects):
        if q.owner in (None, "speaker"):
            mine[q.resource] = mine.get(q.resource, 0) + q.amount
    return mine or None
