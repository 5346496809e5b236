"""Analyses over recorded transcripts (read through `coord.transcript`, never written).

`diff` compares two transcripts: first divergence, setup differences, per-round and
game-level metric deltas, agreements and protocol findings found in only one of them.
"""

from coord.analysis.diff import DiffReport, diff_transcripts, format_text

__all__ = ["DiffReport", "diff_transcripts", "format_text"]
