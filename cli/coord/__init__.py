"""coord: coordination between LLM agents as infrastructure."""

__version__ = "0.1.0"
