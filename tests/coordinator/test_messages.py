import pytest

from coord.coordinator.messages import Message


def test_round_trip_keeps_only_set_fields():
    m = Message("purchase", resources={"r1": 2}, ref="p1")
    assert m.to_dict() == {"type": "purchase", "resources": {"r1": 2}, "ref": "p1"}
    assert Message.from_dict(m.to_dict()) == m


@pytest.mark.parametrize(
    "data,needle",
    [
        ({"type": "shout"}, "type must be one of"),
        ({"type": "accept"}, "needs `ref`"),
        ({"type": "propose"}, "needs `plan`"),
        ({"type": "purchase"}, "needs `resources`"),
        ({"type": "purchase", "resources": {"r1": 1.5}}, "whole numbers"),
        ({"type": "say", "colour": "red"}, "unknown field"),
        ([1, 2], "JSON object"),
    ],
)
def test_from_dict_names_what_is_wrong(data, needle):
    with pytest.raises(ValueError, match=needle):
        Message.from_dict(data)
