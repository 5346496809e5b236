"""Forecasting: scoring forecasts (Brier, Murphy's decomposition, alpha, Pareto frontier),
reading them from several formats, and running forecast scenarios under five coordination
topologies with offline simulated forecasters.

Modules: `records` (one scored item), `loaders` (published traces, JSON Lines, coord
transcripts), `scoring` (pure functions), `plots` (SVG), `questions`, `policies`,
`topologies` and `run` (forecast scenarios).
"""
