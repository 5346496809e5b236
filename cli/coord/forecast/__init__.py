"""Forecasting: scoring forecasts (Brier, Murphy's decomposition, alpha, Pareto frontier),
reading them from several formats, and running forecast scenarios under five coordination
topologies with offline simulated forecasters or models.

Modules: `records` (one scored item), `loaders` (published traces, JSON Lines, coord
transcripts), `markets` (categories joined from a markets file), `scoring` (pure
functions), `report`, `plots` (SVG), and for forecast scenarios `questions`, `views`,
`topologies`, `policies` (simulated forecasters), `llm` (model forecasters), `play` (one
transcript) and `run`.
"""
