"""Model-backed agents: `anthropic/<model>`, `openai/<model>` (DESIGN §2).

Nothing here is imported at start-up: `coord.backends.registry` imports
`coord.backends.llm.agent` (and through it one SDK) only when such an agent is created.
"""
