import sys
from pathlib import Path

# tests/helpers.py is imported as `helpers` by the test modules.
sys.path.insert(0, str(Path(__file__).parent))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def scarce_runs(tmp_path_factory):
    """Every condition of the headline scenario, run once for all tests that read them."""
    import os
    import subprocess

    out = tmp_path_factory.mktemp("scarce-runs")
    subprocess.run(
        [sys.executable, "-m", "coord", "run", "negotiation/scarce-0.5", "--out", str(out)],
        check=True,
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return out
