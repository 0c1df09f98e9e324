"""Funnel and per-manager figures for the senior manager, computed by PostgreSQL."""
