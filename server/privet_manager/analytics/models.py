"""The figures' own facts table (migration 0013) and the indexes they need on tables other
domains own (migration 0009).

Declared here, next to the queries that need them, so that the owners' models stay about
their own rows; `privet_manager.models` imports this module, so the metadata (and the
migration test comparing it with the database) knows them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, Double, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from privet_manager.activity.models import ActivityEntry
from privet_manager.billing.models import Invoice, Payment
from privet_manager.clients.models import Client
from privet_manager.contracts.models import Contract
from privet_manager.kit.db import Base

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
# Payments and invoices of a period, read from the index alone (migration 0017; each
# funnel read the whole table before: 10,000 payments cost 2.5 ms a request).
PAYMENTS_BY_TIME = Index(
    "ix_manager_payments_created_at",
    Payment.created_at,
    postgresql_include=["manager_id", "method", "amount"],
)
INVOICES_BY_TIME = Index(
    "ix_manager_invoices_created_at",
    Invoice.created_at,
    postgresql_include=["manager_id", "contract_id", "amount", "due_date"],
)


class FunnelFact(Base):
    """One event the figures count, with what they measure from it, written by PostgreSQL
    (migration 0013): after every insert, update or delete of activity entries or contracts,
    a statement trigger rebuilds the facts of the clients those rows belong to from their
    whole history (`manager_funnel_refresh`), so the facts never depend on the order the
    rows were written in. The figures then read one index instead of joining the activity
    log to clients and contracts per request.

    kind: claimed, generated, signed, processed (the funnel's stages after «new»), step1-4
    (the action that ends a wizard step: STEP_BOUNDS in queries.py).
    seconds: how long the interval that ends here lasted, from the client's arrival for a
    claim, the latest claim for a contract, its generation for a signature, the latest
    signature for processing, the latest start of the step; NULL if none began before.
    prev_day / prev_mine_day: the Moscow day of the client's previous event of this kind (by
    anyone / by this event's manager), so «the client's first event in the period» is a row
    whose previous one lies before the period's first day: no grouping by client at read
    time. A period is whole Moscow days, so days say exactly what the instants would."""

    __tablename__ = "manager_funnel_facts"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("manager_clients.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    # The source row within the client's kind: the entry's seq or the contract's id.
    ord: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    manager_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)  # the Moscow day of `at`
    seconds: Mapped[float | None] = mapped_column(Double)
    prev_day: Mapped[date | None] = mapped_column(Date)
    prev_mine_day: Mapped[date | None] = mapped_column(Date)


# The figures read these two indexes only, a kind's days in order: the whole team's…
FACTS_BY_DAY = Index(
    "ix_manager_funnel_facts_kind_day",
    FunnelFact.kind,
    FunnelFact.day,
    postgresql_include=["manager_id", "seconds", "prev_day", "prev_mine_day"],
)
# …and one manager's, or every manager's in turn.
FACTS_BY_MANAGER = Index(
    "ix_manager_funnel_facts_kind_manager_day",
    FunnelFact.kind,
    FunnelFact.manager_id,
    FunnelFact.day,
    postgresql_include=["seconds", "prev_mine_day"],
)
