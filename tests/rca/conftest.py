import pytest
from rcadata import DATA


@pytest.fixture
def data():
    return DATA
