"""Shift lists with the latest answer of each, and answering from the portal (no Flask)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from notifier.models import Assignment, Response
from notifier.responses.service import NotAnswerable, record_response
from notifier.tokens import ResponseGrant


def latest_responses(session: Session, assignment_ids: list[int]) -> dict[int, Response]:
    """The newest answer of each assignment (a volunteer may confirm, then decline)."""
    latest: dict[int, Response] = {}
    for start in range(0, len(assignment_ids), 500):
        rows = session.scalars(
            sa.select(Response)
            .where(Response.assignment_id.in_(assignment_ids[start:start + 500]))
            .order_by(Response.responded_at, Response.id)
        )
        for row in rows:
            latest[row.assignment_id] = row
    return latest


def _view(row: Assignment, answer: Response | None) -> dict[str, Any]:
    return {
        "assignment_id": row.assignment_id, "volunteer_id": row.volunteer_id,
        "plan_id": row.plan_id, "plan_version": row.plan_version, "role": row.role,
        "status": row.status, "shift": row.shift, "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "response": answer.response if answer else None,
        "reason": answer.reason if answer else None,
        "responded_at": answer.responded_at if answer else None,
        "channel": answer.channel if answer else None,
    }


def volunteer_shifts(session: Session, volunteer_id: int) -> list[dict[str, Any]]:
    """Every shift the notifier knows for a volunteer, soonest first."""
    rows = list(session.scalars(
        sa.select(Assignment).where(Assignment.volunteer_id == volunteer_id)
        .order_by(Assignment.starts_at, Assignment.assignment_id)
    ))
    answers = latest_responses(session, [r.assignment_id for r in rows])
    return [_view(r, answers.get(r.assignment_id)) for r in rows]


def plan_responses(session: Session, plan_id: int,
                   community_ids: frozenset[int] | None) -> list[dict[str, Any]]:
    """Every assignment of a plan with its latest answer; None means every community."""
    rows = [
        r for r in session.scalars(
            sa.select(Assignment).where(Assignment.plan_id == plan_id)
            .order_by(Assignment.starts_at, Assignment.assignment_id)
        )
        if community_ids is None or (r.shift or {}).get("community_id") in community_ids
    ]
    answers = latest_responses(session, [r.assignment_id for r in rows])
    return [_view(r, answers.get(r.assignment_id)) for r in rows]


def answer(session: Session, volunteer_id: int, assignment_id: int, response: str,
           reason: str | None) -> Response:
    """Answer one's own assignment from the portal: once per assignment and answer, so a
    confirmation can still be turned into a decline (raises AlreadyAnswered on a repeat)."""
    row = session.get(Assignment, assignment_id)
    if row is None or row.volunteer_id != volunteer_id:
        raise NotAnswerable("unknown assignment")
    grant = ResponseGrant(assignment_id, volunteer_id, f"portal-{assignment_id}-{response}")
    return record_response(session, grant, response, reason, "web")
