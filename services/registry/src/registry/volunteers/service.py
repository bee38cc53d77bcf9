"""Volunteer operations (no Flask): scoped reads, validated writes, import and export."""

from __future__ import annotations

from datetime import date
from typing import Any

from marshmallow import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from registry.auth.principal import Principal
from registry.errors import Conflict, Forbidden, Invalid, NotFound
from registry.events import emit_change
from registry.i18n import t
from registry.masking import mask_id_number, mask_phone, mask_text
from registry.models import Community, Grid, User, Volunteer
from registry.records import assign, commit, ensure_exists, get_scoped, require_writer
from registry.volunteers.schemas import (
    SELF_SERVICE_FIELDS,
    VolunteerInSchema,
    age_on,
    volunteer_rule_errors,
)

FIELDS = tuple(VolunteerInSchema().fields)


def list_query(principal: Principal, filters: dict[str, Any]) -> Select[Any]:
    """Volunteers visible to the caller: a volunteer sees only themself."""
    query = select(Volunteer)
    if principal.role == "volunteer":
        query = query.where(Volunteer.id == (principal.volunteer_id or 0))
    scope = principal.community_scope()
    if scope is not None:
        query = query.where(Volunteer.community_id.in_(scope))
    if filters.get("community_id"):
        query = query.where(Volunteer.community_id.in_(filters["community_id"]))
    for name in ("grid_id", "team", "party_member", "active"):
        if name in filters:
            query = query.where(getattr(Volunteer, name) == filters[name])
    if "volunteer_id" in filters:
        query = query.where(Volunteer.id == filters["volunteer_id"])
    if "q" in filters:
        query = query.where(Volunteer.name.contains(filters["q"], autoescape=True))
    return query


def filter_skill(volunteers: list[Volunteer], skill: str | None) -> list[Volunteer]:
    """Keep volunteers with the skill (skills are a JSON list, filtered in Python)."""
    return [v for v in volunteers if skill is None or skill in (v.skills or [])]


def view(volunteer: Volunteer, principal: Principal, *, detail: bool) -> dict[str, Any]:
    """The volunteer as the caller may see it: phone and ID number masked unless allowed."""
    data = {name: getattr(volunteer, name) for name in FIELDS}
    data.update(id=volunteer.id, version=volunteer.version)
    own = principal.role == "volunteer" and principal.volunteer_id == volunteer.id
    # The notifier's service account needs the contact details it delivers to (CONTACT_READERS);
    # other service accounts plan or sign volunteers in and never see them.
    full_phone = own or (detail and (principal.role in ("admin", "coordinator")
                                     or principal.reads_contacts))
    full_id = own or (detail and principal.role == "admin")
    if not full_phone:
        data["phone"] = mask_phone(volunteer.phone)
        # Channel addresses carry the same phone numbers (SMS, WeCom, DingTalk): mask them too.
        data["contact_channels"] = [
            {**channel, "address": mask_text(channel.get("address") or "")}
            for channel in volunteer.contact_channels or []
        ]
    if not full_id:
        data["id_number"] = mask_id_number(volunteer.id_number)
    data["age"] = age_on(volunteer.birth_date, date.today()) if volunteer.birth_date else None
    return data


def get(session: Session, principal: Principal, volunteer_id: int) -> Volunteer:
    """A volunteer the caller may see (volunteers: only themself)."""
    volunteer = get_scoped(session, Volunteer, volunteer_id, principal)
    if principal.role == "volunteer" and principal.volunteer_id != volunteer.id:
        raise NotFound(t("404"))
    return volunteer


def _check_references(session: Session, data: dict[str, Any]) -> None:
    ensure_exists(session, Community, data.get("community_id"), "community_id")
    grid_id = data.get("grid_id")
    if grid_id is not None:
        grid = session.get(Grid, grid_id)
        if grid is None or grid.community_id != data.get("community_id"):
            raise Invalid(
                t("422"), {"json": {"grid_id": ["网格不属于该社区 not in the community"]}}
            )


def _check_rules(data: dict[str, Any]) -> None:
    errors = volunteer_rule_errors(data, date.today())
    if errors:
        raise Invalid(t("422"), {"json": errors})


def create(session: Session, principal: Principal, data: dict[str, Any]) -> Volunteer:
    """Create a volunteer in a community the caller runs."""
    require_writer(principal, data["community_id"])
    _check_rules(data)
    _check_references(session, data)
    volunteer = Volunteer(**data)
    session.add(volunteer)
    session.flush()
    emit_change(
        session,
        "volunteer",
        volunteer.id,
        "created",
        volunteer.community_id,
        active=volunteer.active,
    )
    commit(session)
    return volunteer


def update(
    session: Session, principal: Principal, volunteer: Volunteer, patch: dict[str, Any]
) -> Volunteer:
    """Change a volunteer; volunteers may change only their self-service fields."""
    if principal.role == "volunteer":
        refused = sorted(set(patch) - SELF_SERVICE_FIELDS)
        if refused:
            raise Invalid(
                t("403"),
                {
                    "json": {
                        name: ["志愿者不能修改此字段 not editable by volunteers"]
                        for name in refused
                    }
                },
            )
    else:
        require_writer(principal, volunteer.community_id)
        if "community_id" in patch:
            require_writer(principal, patch["community_id"])
    merged = {name: getattr(volunteer, name) for name in FIELDS}
    merged.update(patch)
    _check_rules(merged)
    _check_references(session, merged)
    changed = assign(volunteer, patch)
    if changed:
        session.flush()
        emit_change(
            session,
            "volunteer",
            volunteer.id,
            "updated",
            volunteer.community_id,
            changed,
            active=volunteer.active,
        )
    commit(session)
    return volunteer


def remove(session: Session, principal: Principal, volunteer: Volunteer) -> None:
    """Delete a volunteer without a login (deactivate those who have one)."""
    if principal.role not in ("admin", "coordinator"):
        raise Forbidden(t("403"))
    require_writer(principal, volunteer.community_id)
    if session.scalar(select(User.id).where(User.volunteer_id == volunteer.id).limit(1)):
        raise Conflict(t("in_use"))
    emit_change(session, "volunteer", volunteer.id, "deleted", volunteer.community_id, active=False)
    session.delete(volunteer)
    commit(session)


def lookup_tables(
    session: Session, principal: Principal
) -> tuple[dict[str, int], dict[tuple[int, str], int]]:
    """Community codes and grid names the caller may import into."""
    scope = principal.community_scope()
    communities = {
        c.code: c.id for c in session.scalars(select(Community)) if scope is None or c.id in scope
    }
    grids = {
        (g.community_id, g.name): g.id
        for g in session.scalars(select(Grid))
        if g.community_id in communities.values()
    }
    return communities, grids


def import_rows(
    session: Session, principal: Principal, rows: list[dict[str, Any]], *, dry_run: bool
) -> dict[str, int]:
    """Create or update (matched by community and phone) every row, or nothing at all."""
    if principal.role not in ("admin", "coordinator"):
        raise Forbidden(t("403"))
    schema = VolunteerInSchema()
    created = updated = 0
    row_errors: list[dict[str, Any]] = []
    loaded: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        number = index + 2  # the header is row 1
        data = {k: v for k, v in row.items() if k in FIELDS}
        errors: dict[str, Any] = {}
        try:
            data = schema.load(data)
        except ValidationError as exc:
            errors = dict(exc.messages)  # type: ignore[arg-type]
        if data.get("community_id") is None or not principal.can_see_community(
            data["community_id"]
        ):
            errors.setdefault("community_id", ["不在您负责的社区范围内 outside your communities"])
        for column, reasons in errors.items():
            for reason in reasons if isinstance(reasons, list) else [reasons]:
                row_errors.append({"row": number, "column": column, "reason": str(reason)})
        loaded.append(data)
    if row_errors:
        raise Invalid(t("import_invalid"), {"rows": row_errors})
    for data in loaded:
        existing = session.scalars(
            select(Volunteer).where(
                Volunteer.community_id == data["community_id"], Volunteer.phone == data["phone"]
            )
        ).first()
        if existing is None:
            volunteer = Volunteer(**data)
            session.add(volunteer)
            session.flush()
            emit_change(
                session,
                "volunteer",
                volunteer.id,
                "created",
                volunteer.community_id,
                active=volunteer.active,
            )
            created += 1
        else:
            if data.get("id_number") is None:
                data.pop("id_number", None)  # exports leave it blank for coordinators
            changed = assign(existing, data)
            if changed:
                session.flush()
                emit_change(
                    session,
                    "volunteer",
                    existing.id,
                    "updated",
                    existing.community_id,
                    changed,
                    active=existing.active,
                )
            updated += 1
    if dry_run:
        session.rollback()
    else:
        commit(session)
    return {"dry_run": dry_run, "created": created, "updated": updated, "rows": len(rows)}


def export_rows(
    session: Session, principal: Principal, community_ids: list[int] | None
) -> list[dict[str, Any]]:
    """Volunteers the caller runs, in wire form: full phone; ID number only for admins."""
    if principal.role not in ("admin", "coordinator"):
        raise Forbidden(t("403"))
    query = list_query(principal, {"community_id": community_ids} if community_ids else {})
    schema = VolunteerInSchema()
    rows = []
    for volunteer in session.scalars(query.order_by(Volunteer.id)):
        row = schema.dump({name: getattr(volunteer, name) for name in FIELDS})
        if principal.role != "admin":
            row["id_number"] = None
        rows.append(row)
    return rows
