"""The one error tree of coord.

Every failure a user can cause or meet is a `CoordError`. Each class carries the exit code
of DESIGN §7; `coord.commands.main` is the single place that turns one into a message on
stderr and an exit status. Messages say what is wrong; `hint` says what to do next;
`file`/`line`/`column` point at the input that caused it (1-based, as editors count).
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_PROVIDER = 3
EXIT_INTEGRITY = 4
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class CoordError(Exception):
    """Base of every error coord reports to a user."""

    exit_code = EXIT_USAGE

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.file = file
        self.line = line
        self.column = column

    def location(self) -> str:
        """`file:line:column` as far as known, or an empty string."""
        if not self.file:
            return ""
        loc = str(self.file)
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def render(self) -> str:
        """The message as printed on stderr (without colour)."""
        loc = self.location()
        text = f"{loc}: error: {self.message}" if loc else f"error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        from coord.redact import redact_text

        return redact_text(text)

    def to_dict(self) -> dict:
        return {
            "error": type(self).__name__,
            "message": self.message,
            "hint": self.hint,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "exit_code": self.exit_code,
        }


class UsageError(CoordError):
    """Bad command-line usage: unknown option value, missing file, conflicting flags."""


class InputError(CoordError):
    """A file was rejected: malformed, hostile, or not valid for its schema."""


class ProviderError(CoordError):
    """A model provider or other infrastructure failed after retries (the run is resumable)."""

    exit_code = EXIT_PROVIDER


class IntegrityError(CoordError):
    """A transcript was edited, truncated, reordered or forged."""

    exit_code = EXIT_INTEGRITY


class Cancelled(CoordError):
    """The run was interrupted by a signal; the transcript was sealed as cancelled."""

    def __init__(self, message: str = "interrupted", *, exit_code: int = EXIT_SIGINT) -> None:
        super().__init__(message, hint="the transcripts written so far are sealed as cancelled")
        self.exit_code = exit_code


def did_you_mean(word: str, choices, *, n: int = 1) -> str:
    """' (did you mean "x"?)' when a close match exists, else ''."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=n, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(f'"{c}"' for c in close) + "?)"
