"""SQLAlchemy models of the scheduler: plans and their versions, assignments, solve jobs,
attendance and the service-hours ledger, plus the outbox and inbox tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from linli_contracts.inbox import inbox_table
from linli_contracts.outbox import outbox_table

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Plan version states, in the order a version passes through them.
DRAFT, SOLVING, SOLVED, PUBLISHED, SUPERSEDED = (
    "draft", "solving", "solved", "published", "superseded",
)
PLAN_STATES = (DRAFT, SOLVING, SOLVED, PUBLISHED, SUPERSEDED)

# Solve job states.
QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "queued", "running", "succeeded", "failed", "cancelled",
)
JOB_STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)


def utcnow() -> datetime:
    """The current time in UTC (aware)."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Attach UTC to a naive value read back from SQLite."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base; every scheduler table shares one metadata with the outbox and inbox."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


OUTBOX = outbox_table(Base.metadata)
INBOX = inbox_table(Base.metadata)

class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back with its time zone (SQLite drops it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Store UTC."""
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Read back aware."""
        return as_utc(value)


Stamp = UtcDateTime()


class Plan(Base):
    """A plan for some communities over a date range; its versions hold the content."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    community_ids: Mapped[list[Any]] = mapped_column(JSON)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    published_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    #: Correlation id of the request that last created, solved or published the plan.
    correlation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)

    versions: Mapped[list[PlanVersion]] = relationship(
        back_populates="plan", order_by="PlanVersion.number", cascade="all, delete-orphan"
    )


class PlanVersion(Base):
    """One version of a plan: the snapshot and problem it was built from, and its result."""

    __tablename__ = "plan_versions"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_plan_versions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
    #: Bumped on every change; with the number it makes the ETag.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    origin: Mapped[str] = mapped_column(String(32), default="created")
    parent_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    problem: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    pending_change: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    solved_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    published_by: Mapped[int | None] = mapped_column(Integer, nullable=True)

    plan: Mapped[Plan] = relationship(back_populates="versions")


class Assignment(Base):
    """A volunteer on a shift within a plan: the stable identity shared by its versions."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("plan_id", "volunteer_id", "shift_id", name="uq_assignments_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    volunteer_id: Mapped[int] = mapped_column(Integer, index=True)
    shift_id: Mapped[int] = mapped_column(Integer)


class VersionAssignment(Base):
    """Membership of an assignment in one plan version, with its role and pin."""

    __tablename__ = "version_assignments"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("plan_versions.id", ondelete="CASCADE"), primary_key=True
    )
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(64))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="solver")
    flag: Mapped[str | None] = mapped_column(String(64), nullable=True)

    assignment: Mapped[Assignment] = relationship(lazy="joined")


class Exclusion(Base):
    """A volunteer who must not be put on a shift again in this plan (they declined it)."""

    __tablename__ = "exclusions"

    plan_id: Mapped[int] = mapped_column(
        ForeignKey("plans.id", ondelete="CASCADE"), primary_key=True
    )
    volunteer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shift_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(32), default="declined")
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)


class SolveJob(Base):
    """A request to solve one plan version, claimed by one worker at a time under a lease."""

    __tablename__ = "solve_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_versions.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    enqueues: Mapped[int] = mapped_column(Integer, default=1)
    worker_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    enqueued_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    time_limit: Mapped[float] = mapped_column(Float)
    progress: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: Carried by the solve command and the plan.solved event.
    correlation_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)


class Attendance(Base):
    """Check-in and check-out of one assignment, or its recorded absence."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), unique=True
    )
    volunteer_id: Mapped[int] = mapped_column(Integer, index=True)
    check_in_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    check_out_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    confirmed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A recorded no-show: it closes the record, so it never earns hours.
    absent_at: Mapped[datetime | None] = mapped_column(Stamp, nullable=True)
    absent_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    absent_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)


class HoursEntry(Base):
    """One append-only line of a volunteer's service-hours ledger (corrections are new lines)."""

    __tablename__ = "hours_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(Integer, index=True)
    community_id: Mapped[int] = mapped_column(Integer, index=True)
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignments.id", ondelete="SET NULL"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(16), default="service")
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("hours_entries.id"), nullable=True
    )
    hours: Mapped[float] = mapped_column(Float)
    service_date: Mapped[date] = mapped_column(Date)
    content: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(200), default="")
    serial_number: Mapped[str] = mapped_column(String(40), unique=True)
    note: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(Stamp, default=utcnow)
