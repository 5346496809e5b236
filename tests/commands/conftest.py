import pytest


@pytest.fixture
def scenario(tmp_path):
    """Write a scenario variant: scenario(text) -> path."""

    def write(text, name="s.yaml"):
        p = tmp_path / name
        p.write_text(text)
        return p

    return write
