"""Process-wide CLI state set by the root callback (kept tiny on purpose)."""

debug = False
exit_code = 0  # set by commands that report findings (exit 1) without raising
