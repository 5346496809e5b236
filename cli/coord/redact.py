"""Secrets never reach a transcript, report or error message (DESIGN §6, issue 6 §7).

Redaction happens where text leaves coord: the transcript writer's single serialisation
point (`TranscriptWriter._serialise`, before hashing, so a redacted transcript verifies),
summary files (`write_atomic`) and rendered errors. Two rules:

- by value: the values of the key variables in the environment (`*_API_KEY`,
  `*_AUTH_TOKEN`, `*_SECRET*`, ...) wherever they appear;
- by shape: provider key formats (`sk-...`, `sk-ant-...`), bearer tokens, credentials in
  URLs (`https://user:pass@host`), and any value under a field named like a credential
  (`api_key`, `authorization`, `x-api-key`, `password`, `token`, `secret`).

The check is one regex search per serialised line; only a line that matches is rewritten.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

MASK = "[redacted]"
_SECRET_VARS = re.compile(r"(API_KEY|AUTH_TOKEN|SECRET|PASSWORD|ACCESS_TOKEN)", re.I)
_SECRET_FIELDS = re.compile(
    r"^(api[_-]?key|x-api-key|authorization|proxy-authorization|password|passwd|secret|"
    r"client[_-]secret|token|access[_-]token|auth[_-]token|bearer)$",
    re.I,
)
_SHAPES = [
    (re.compile(r"sk-(?:ant-)?[A-Za-z0-9_\-]{16,}"), MASK),
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9_\-.=:/+]{8,}"), "Bearer " + MASK),
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s:@\"']+:[^/\s@\"']+@"), r"\1" + MASK + "@"),
]
_FIELD_HINT = re.compile(
    r'"(api[_-]?key|x-api-key|authorization|proxy-authorization|password|passwd|secret|'
    r'client[_-]secret|token|access[_-]token|auth[_-]token|bearer)"\s*:',
    re.I,
)


def secret_values() -> list[str]:
    """Values of secret-looking environment variables (long enough to be keys)."""
    return sorted(
        {v for k, v in os.environ.items() if _SECRET_VARS.search(k) and len(v) >= 8},
        key=len,
        reverse=True,
    )


def redact_text(text: str, secrets: list[str] | None = None) -> str:
    for value in secret_values() if secrets is None else secrets:
        if value in text:
            text = text.replace(value, MASK)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


# A literal each pattern cannot match without (the key shape, the bearer word, a URL with
# an `@`, the end of a credential field's name); `needs_redaction` runs a regex only when its
# literal is present, because the regexes themselves cost ~0.1 ms each on a model call's
# 5 kB event line, once per event, and almost never match.
_KEY, _BEARER, _URL_CREDENTIALS = (p for p, _ in _SHAPES)
_FIELD_ENDINGS = ('key"', 'authorization"', 'password"', 'passwd"', 'secret"', 'token"', 'bearer"')


def needs_redaction(text: str, secrets: list[str]) -> bool:
    """Whether `text` holds a secret value or anything shaped like one (then `redact`)."""
    if any(v in text for v in secrets):
        return True
    if "sk-" in text and _KEY.search(text):
        return True
    low = text.lower()
    if "bearer" in low and _BEARER.search(text):
        return True
    if "://" in text and "@" in text and _URL_CREDENTIALS.search(text):
        return True
    return any(e in low for e in _FIELD_ENDINGS) and bool(_FIELD_HINT.search(text))


def redact(value: Any, secrets: list[str] | None = None) -> Any:
    """`value` (JSON-like) with every secret masked; unchanged objects are returned as is."""
    secrets = secret_values() if secrets is None else secrets
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return value
    if not needs_redaction(text, secrets):
        return value
    return _walk(value, secrets)


def _walk(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, dict):
        return {
            k: (MASK if isinstance(k, str) and _SECRET_FIELDS.match(k) and v else _walk(v, secrets))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_walk(v, secrets) for v in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value
