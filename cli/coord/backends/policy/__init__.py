"""Built-in deterministic agents (`policy/<name>`): no key, no network.

Each models one behaviour or failure that the coordination layer exists to expose or
repair; the docstring of each class says which.
"""

from __future__ import annotations

from coord.backends.policy.common import Policy
from coord.backends.policy.grounded import ForgetfulPolicy, GroundedPolicy, MislabelPolicy
from coord.backends.policy.negotiators import AnchoredPolicy, ConcederPolicy, FairPolicy
from coord.backends.policy.reference import OraclePolicy, SoloPolicy

POLICIES: dict[str, type[Policy]] = {
    "oracle": OraclePolicy,
    "solo": SoloPolicy,
    "anchored": AnchoredPolicy,
    "fair": FairPolicy,
    "forgetful": ForgetfulPolicy,
    "mislabel": MislabelPolicy,
    "conceder": ConcederPolicy,
    "grounded": GroundedPolicy,
}


def create_policy(model: str, *, name: str, seed: int = 0) -> Policy:
    return POLICIES[model](name, f"policy/{model}", seed=seed)
