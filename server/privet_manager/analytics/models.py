"""The indexes the figures need, on tables other domains own (migration 0009).

Declared here, next to the queries that need them, so that the owners' models stay about
their own rows; `privet_manager.models` imports this module, so the metadata (and the
migration test comparing it with the database) knows them."""

from __future__ import annotations

from sqlalchemy import Index

from privet_manager.activity.models import ActivityEntry
from privet_manager.clients.models import Client
from privet_manager.contracts.models import Contract

# Events of a few kinds in a period: claimed, processed, OTP failures and lockouts, steps.
# The client and the manager ride along, so the figures read the index only (a month holds
# tens of thousands of claims, scattered over the log's pages).
ACTIVITY_BY_ACTION = Index(
    "ix_manager_activity_log_action_created_at",
    ActivityEntry.action,
    ActivityEntry.created_at,
    postgresql_include=["client_id", "manager_id"],
)
# The funnel's first stage: clients that arrived in the period (created_at never changes, so
# client updates stay HOT).
CLIENTS_BY_ARRIVAL = Index("ix_manager_clients_created_at", Client.created_at)
# Contracts generated and signed in a period (and the funnel's time between the two).
CONTRACTS_BY_CREATION = Index("ix_manager_contracts_created_at", Contract.created_at)
CONTRACTS_BY_SIGNING = Index("ix_manager_contracts_signed_at", Contract.signed_at)
