"""Chat KPIs: the engine of shared/spec/kpi.md, the figures store, per-hour figures, the
platforms' summary exports and raw chat logs coming in, import templates, reconciliation.

`python -m core.kpi` runs the engine on CSV files (core.kpi.engine.main).
"""
