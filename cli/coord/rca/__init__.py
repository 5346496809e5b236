"""Root cause analysis over metrics, logs and a call graph (`coord rca`).

The pipeline (DESIGN §2): loaders turn a case folder into a `Case` (`load`, `nezha`),
evidence is computed from it (`evidence`, `logs`, `graph`), a method ranks root causes
(`methods`: `random`, `nsigma`, `baro`; `lats`: the tree search), and `report`/`bench`
shape the results. Nothing here imports rich, typer or a provider SDK; numpy, networkx
and drain3 are imported only by these modules, which the command layer imports lazily.
"""
