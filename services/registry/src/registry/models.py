"""SQLAlchemy models of the registry (docs/registry-model.md) and the outbox table."""

from __future__ import annotations

from datetime import date, datetime, time
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
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from registry.events import outbox_table

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base; every registry table shares one metadata with the outbox."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


OUTBOX = outbox_table(Base.metadata)


class Versioned:
    """Adds the row version used for ETags and optimistic locking."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class Community(Versioned, Base):
    """社区: the unit a coordinator runs."""

    __tablename__ = "communities"
    __mapper_args__ = {"version_id_col": Versioned.version}  # type: ignore[dict-item]

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    district: Mapped[str] = mapped_column(String(200), default="")
    calendar_region: Mapped[str] = mapped_column(String(64), default="CN")


class Pairing(Base):
    """A symmetric pairing of two communities (stored once, community_id < partner_id)."""

    __tablename__ = "pairings"
    __table_args__ = (UniqueConstraint("community_id", "partner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))


class Grid(Versioned, Base):
    """网格 of a community."""

    __tablename__ = "grids"
    __mapper_args__ = {"version_id_col": Versioned.version}  # type: ignore[dict-item]

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    households: Mapped[int | None] = mapped_column(Integer, nullable=True)
    station: Mapped[str | None] = mapped_column(String(200), nullable=True)


class Venue(Versioned, Base):
    """A place where activities happen, with rooms and opening hours."""

    __tablename__ = "venues"
    __mapper_args__ = {"version_id_col": Versioned.version}  # type: ignore[dict-item]

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="other")
    address: Mapped[str | None] = mapped_column(String(500), nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    opening_hours: Mapped[list[Any]] = mapped_column(JSON, default=list)
    after_school_start: Mapped[str] = mapped_column(String(5), default="16:30")
    tutor_pupil_ratio: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rooms: Mapped[list[Room]] = relationship(
        back_populates="venue", cascade="all, delete-orphan", order_by="Room.id"
    )


class Room(Base):
    """A room of a venue."""

    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str | None] = mapped_column(String(64), nullable=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)
    venue: Mapped[Venue] = relationship(back_populates="rooms")


class Volunteer(Versioned, Base):
    """A volunteer with skills, qualifications, availability, limits and consents."""

    __tablename__ = "volunteers"
    __mapper_args__ = {"version_id_col": Versioned.version}  # type: ignore[dict-item]

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True)
    name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(16), nullable=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    id_number: Mapped[str | None] = mapped_column(String(18), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    guardian_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    guardian_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    guardian_consent_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    team: Mapped[str | None] = mapped_column(String(16), nullable=True)
    party_member: Mapped[bool] = mapped_column(Boolean, default=False)
    skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    languages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    qualifications: Mapped[list[Any]] = mapped_column(JSON, default=list)
    vetted_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    insured_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    availability: Mapped[list[Any]] = mapped_column(JSON, default=list)
    leave: Mapped[list[Any]] = mapped_column(JSON, default=list)
    max_hours_week: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_hours_month: Mapped[float | None] = mapped_column(Float, nullable=True)
    min_hours_month: Mapped[float | None] = mapped_column(Float, nullable=True)
    home_lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    home_lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    preferences: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    contact_channels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    joined_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    experienced: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ActivityType(Versioned, Base):
    """A kind of activity: built in (community_id null) or defined by a community."""

    __tablename__ = "activity_types"
    __table_args__ = (UniqueConstraint("code"),)
    __mapper_args__ = {"version_id_col": Versioned.version}  # type: ignore[dict-item]

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    default_skill: Mapped[str] = mapped_column(String(32), default="general")
    children_present: Mapped[bool] = mapped_column(Boolean, default=False)
    outreach: Mapped[bool] = mapped_column(Boolean, default=False)
    risky: Mapped[bool] = mapped_column(Boolean, default=False)
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id"), nullable=True, index=True
    )


class Activity(Versioned, Base):
    """An activity and its shift series (recurrence)."""

    __tablename__ = "activities"
    __mapper_args__ = {"version_id_col": Versioned.version}  # type: ignore[dict-item]

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"), nullable=True)
    type_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    recurrence: Mapped[dict[str, Any]] = mapped_column(JSON)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    needs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    min_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    requires_vetting: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_insurance: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_party_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    children_present: Mapped[bool] = mapped_column(Boolean, default=False)
    expected_pupils: Mapped[int | None] = mapped_column(Integer, nullable=True)
    priority: Mapped[int] = mapped_column(Integer, default=3)
    group_label: Mapped[str | None] = mapped_column(String(100), nullable=True)
    radius_km: Mapped[float | None] = mapped_column(Float, nullable=True)


class Shift(Versioned, Base):
    """One dated occurrence of an activity."""

    __tablename__ = "shifts"
    __mapper_args__ = {"version_id_col": Versioned.version}  # type: ignore[dict-item]

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"), nullable=True)
    date: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    needs: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    edited: Mapped[bool] = mapped_column(Boolean, default=False)
    planned: Mapped[bool] = mapped_column(Boolean, default=False)
    cancelled_by_hand: Mapped[bool] = mapped_column(Boolean, default=False)


class Calendar(Versioned, Base):
    """School and holiday dates loaded for one region."""

    __tablename__ = "calendars"
    __mapper_args__ = {"version_id_col": Versioned.version}  # type: ignore[dict-item]

    id: Mapped[int] = mapped_column(primary_key=True)
    region: Mapped[str] = mapped_column(String(64), unique=True)
    holidays: Mapped[list[Any]] = mapped_column(JSON, default=list)
    workdays: Mapped[list[Any]] = mapped_column(JSON, default=list)
    terms: Mapped[list[Any]] = mapped_column(JSON, default=list)
    breaks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    confirmed_years: Mapped[list[Any]] = mapped_column(JSON, default=list)


class User(Versioned, Base):
    """A login with a role and its scope."""

    __tablename__ = "users"
    __mapper_args__ = {"version_id_col": Versioned.version}  # type: ignore[dict-item]

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    community_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
