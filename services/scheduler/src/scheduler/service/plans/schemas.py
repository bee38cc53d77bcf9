"""Request and response schemas of the plans API."""

from __future__ import annotations

from marshmallow import fields, validate

from scheduler.service.common import Id, StrictSchema, Text
from scheduler.service.models import JOB_STATES, PLAN_STATES

EDIT_ACTIONS = ("pin", "unpin", "assign", "unassign")
CHANGE_TYPES = ("withdraw", "cancel_shift", "add_shift", "availability")


class PlanCreateSchema(StrictSchema):
    """What to plan: communities and a date range (at most 62 days)."""

    community_ids = fields.List(Id(), required=True, validate=validate.Length(1, 100))
    start = fields.Date(required=True)
    end = fields.Date(required=True)
    title = Text(200)
    auto_repair = fields.Boolean(load_default=False)
    auto_publish = fields.Boolean(load_default=False)
    rules = fields.Dict(keys=fields.String(validate=validate.Length(1, 64)))
    weights = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 64)),
        values=fields.Integer(strict=True, validate=validate.Range(0, 1_000_000)),
    )


class PlanSettingsSchema(StrictSchema):
    """Automation settings and title of a plan."""

    title = Text(200)
    auto_repair = fields.Boolean()
    auto_publish = fields.Boolean()


class JobSchema(StrictSchema):
    """A solve job and its progress."""

    id = fields.String(dump_only=True)
    plan_id = fields.Integer(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": list(JOB_STATES)})
    outcome = fields.String(dump_only=True, allow_none=True)
    attempt = fields.Integer(dump_only=True)
    time_limit = fields.Float(dump_only=True)
    cancel_requested = fields.Boolean(dump_only=True)
    progress = fields.Dict(dump_only=True, metadata={
        "description": "best objective, bound, elapsed seconds"})
    error = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    started_at = fields.DateTime(dump_only=True, allow_none=True)
    finished_at = fields.DateTime(dump_only=True, allow_none=True)


class VersionSchema(StrictSchema):
    """One version of a plan."""

    number = fields.Integer(dump_only=True)
    state = fields.String(dump_only=True, metadata={"enum": list(PLAN_STATES)})
    revision = fields.Integer(dump_only=True)
    origin = fields.String(dump_only=True)
    parent_number = fields.Integer(dump_only=True, allow_none=True)
    pending_change = fields.Dict(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    solved_at = fields.DateTime(dump_only=True, allow_none=True)
    published_at = fields.DateTime(dump_only=True, allow_none=True)
    published_by = fields.Integer(dump_only=True, allow_none=True)
    assignment_count = fields.Integer(dump_only=True)
    unfilled_count = fields.Integer(dump_only=True)


class PlanSchema(StrictSchema):
    """A plan with its latest version and latest solve job."""

    id = fields.Integer(dump_only=True)
    title = fields.String(dump_only=True)
    community_ids = fields.List(fields.Integer(), dump_only=True)
    period_start = fields.Date(dump_only=True)
    period_end = fields.Date(dump_only=True)
    settings = fields.Dict(dump_only=True)
    state = fields.String(dump_only=True, metadata={"enum": list(PLAN_STATES)})
    version = fields.Nested(VersionSchema, dump_only=True)
    published_version = fields.Integer(dump_only=True, allow_none=True)
    etag = fields.String(dump_only=True)
    job = fields.Nested(JobSchema, dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    shift_count = fields.Integer(dump_only=True)
    volunteer_count = fields.Integer(dump_only=True)


class PlanListArgs(StrictSchema):
    """Filters of the plan list."""

    community_id = Id(strict=False)
    state = fields.String(validate=validate.OneOf(PLAN_STATES))


class SolveSchema(StrictSchema):
    """Options of a solve request."""

    time_limit = fields.Float(validate=validate.Range(0.5, 3600), metadata={
        "description": "seconds; the engine returns its best plan when time is up"})


class CancelArgs(StrictSchema):
    """Which job to cancel (default: the latest)."""

    job_id = Text(64)


class AssignmentArgs(StrictSchema):
    """Filters of the assignment list."""

    version = fields.Integer(validate=validate.Range(1, 100_000))
    venue_id = Id(strict=False)
    date = fields.Date()
    volunteer_id = Id(strict=False)
    shift_id = Id(strict=False)


class AssignmentSchema(StrictSchema):
    """A volunteer on a shift, with the shift's time and place."""

    assignment_id = fields.Integer(dump_only=True)
    volunteer_id = fields.Integer(dump_only=True)
    volunteer_name = fields.String(dump_only=True, allow_none=True)
    shift_id = fields.Integer(dump_only=True)
    skill = fields.String(dump_only=True)
    pinned = fields.Boolean(dump_only=True)
    source = fields.String(dump_only=True)
    flag = fields.String(dump_only=True, allow_none=True)
    date = fields.String(dump_only=True)
    start = fields.String(dump_only=True)
    end = fields.String(dump_only=True)
    venue_id = fields.Integer(dump_only=True)
    venue_name = fields.String(dump_only=True, allow_none=True)
    activity_type = fields.String(dump_only=True, allow_none=True)
    activity_name = fields.String(dump_only=True, allow_none=True)
    community_id = fields.Integer(dump_only=True, allow_none=True)


class VersionArgs(StrictSchema):
    """Which version (default: the latest)."""

    version = fields.Integer(validate=validate.Range(1, 100_000))


class ReportSchema(StrictSchema):
    """Unfilled slots with reasons, shortage by place and day, per-volunteer load."""

    status = fields.String(dump_only=True, allow_none=True)
    objective = fields.Dict(dump_only=True, allow_none=True)
    unfilled = fields.List(fields.Dict(), dump_only=True)
    shortage = fields.List(fields.Dict(), dump_only=True)
    # Not named `loads`: that would hide Schema.loads.
    volunteer_loads = fields.List(fields.Dict(), dump_only=True, data_key="loads",
                                  attribute="loads")
    conflicts = fields.List(fields.Dict(), dump_only=True)
    solver = fields.Dict(dump_only=True, allow_none=True)


class EditSchema(StrictSchema):
    """A hand edit: pin, unpin, assign or unassign a volunteer on a shift."""

    action = fields.String(required=True, validate=validate.OneOf(EDIT_ACTIONS))
    volunteer_id = Id(required=True)
    shift_id = Id(required=True)
    skill = Text(64, 1)
    pin = fields.Boolean(load_default=True, metadata={"description": "assign: also pin"})
    replace = Id(metadata={"description": "assign: the volunteer this one replaces on the shift"})


class DiffArgs(StrictSchema):
    """Versions to compare (default: published or parent against latest)."""

    from_version = fields.Integer(
        data_key="from", validate=validate.Range(1, 100_000))
    to_version = fields.Integer(data_key="to", validate=validate.Range(1, 100_000))


class DiffSchema(StrictSchema):
    """Assignments added, removed and changed between two versions."""

    from_version = fields.Integer(dump_only=True)
    to_version = fields.Integer(dump_only=True)
    added = fields.List(fields.Dict(), dump_only=True)
    removed = fields.List(fields.Dict(), dump_only=True)
    changed = fields.List(fields.Dict(), dump_only=True)


HHMM = r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"


class WindowSchema(StrictSchema):
    """A weekly availability window (weekday 0 = Monday)."""

    weekday = fields.Integer(required=True, validate=validate.Range(0, 6))
    start = fields.String(required=True, validate=validate.Regexp(HHMM))
    end = fields.String(required=True, validate=validate.Regexp(HHMM))


class LeaveSchema(StrictSchema):
    """A leave period."""

    start = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}-\d{2}$"))
    end = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}-\d{2}$"))


class RepairSchema(StrictSchema):
    """A change to repair the plan around: withdrawal, cancelled or added shift."""

    type = fields.String(required=True, validate=validate.OneOf(CHANGE_TYPES))
    volunteer_id = Id()
    shift_id = Id()
    shift = fields.Dict(metadata={"description": "add_shift: the new shift in problem format"})
    from_date = fields.Date(data_key="from")
    to_date = fields.Date(data_key="to")
    availability = fields.List(fields.Nested(WindowSchema), validate=validate.Length(max=50))
    leave = fields.List(fields.Nested(LeaveSchema), validate=validate.Length(max=50))


class RepairResultSchema(StrictSchema):
    """The repaired version waiting to be published, and what changed."""

    plan = fields.Nested(PlanSchema, dump_only=True)
    diff = fields.Nested(DiffSchema, dump_only=True)


class CandidateArgs(StrictSchema):
    """The open slot to rank volunteers for."""

    shift_id = Id(strict=False, required=True)
    skill = Text(64, 1, required=True)
    limit = fields.Integer(load_default=10, validate=validate.Range(1, 50))
    replace = Id(strict=False, load_default=None,
                 metadata={"description": "the volunteer whose place is being filled"})


class PublishResultSchema(StrictSchema):
    """The published plan and how many events were sent (0 when it was published already)."""

    plan = fields.Nested(PlanSchema, dump_only=True)
    events = fields.Integer(dump_only=True)
