"""HTTP endpoints of volunteers, including spreadsheet import and export."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from registry.auth.principal import current_principal
from registry.common import check_if_match, errors, etag_of, page_of, patch_of
from registry.db import db
from registry.i18n import t
from registry.models import Volunteer
from registry.tabular_io import FORMATS, ImportArgs, UploadSchema, download, read_upload
from registry.volunteers import service
from registry.volunteers.schemas import (
    ExportArgs,
    ImportReportSchema,
    VolunteerInSchema,
    VolunteerListArgs,
    VolunteerSchema,
)

blp = Blueprint("Volunteers", __name__, url_prefix="/volunteers", description="志愿者 Volunteers")


@blp.route("")
class Volunteers(MethodView):
    """Volunteer collection."""

    @blp.arguments(VolunteerListArgs, location="query")
    @blp.response(200, VolunteerSchema(many=True))
    @errors(blp, 401)
    @blp.paginate(page_size=50, max_page_size=200)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> list[dict[str, Any]]:
        """List volunteers (phone and ID numbers masked)."""
        principal = current_principal()
        query = service.list_query(principal, filters)
        if "skill" in filters:
            items = service.filter_skill(
                list(db.session.scalars(query.order_by(Volunteer.id))), filters["skill"]
            )
            pagination_parameters.item_count = len(items)
            first = pagination_parameters.first_item
            items = items[first : first + pagination_parameters.page_size]
        else:
            items = page_of(db.session, query, pagination_parameters, [Volunteer.id])
        return [service.view(v, principal, detail=False) for v in items]

    @blp.arguments(VolunteerInSchema)
    @blp.response(201, VolunteerSchema)
    @errors(blp, 401, 403, 409)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a volunteer."""
        principal = current_principal()
        volunteer = service.create(db.session, principal, data)
        return service.view(volunteer, principal, detail=True), {"ETag": etag_of(volunteer)}


@blp.route("/<int:volunteer_id>")
class VolunteerItem(MethodView):
    """One volunteer."""

    @blp.response(200, VolunteerSchema)
    @errors(blp, 401, 404)
    def get(self, volunteer_id: int) -> Any:
        """Read a volunteer (full phone for the volunteer themself, admins and coordinators)."""
        principal = current_principal()
        volunteer = service.get(db.session, principal, volunteer_id)
        return service.view(volunteer, principal, detail=True), {"ETag": etag_of(volunteer)}

    @blp.arguments(patch_of(VolunteerInSchema))
    @blp.response(200, VolunteerSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def patch(self, data: dict[str, Any], volunteer_id: int) -> Any:
        """Change a volunteer (volunteers: availability, leave, contacts and limits only)."""
        principal = current_principal()
        volunteer = service.get(db.session, principal, volunteer_id)
        check_if_match(volunteer)
        volunteer = service.update(db.session, principal, volunteer, data)
        return service.view(volunteer, principal, detail=True), {"ETag": etag_of(volunteer)}

    @blp.response(204)
    @errors(blp, 401, 403, 404, 409, 412)
    def delete(self, volunteer_id: int) -> None:
        """Delete a volunteer."""
        volunteer = service.get(db.session, current_principal(), volunteer_id)
        check_if_match(volunteer)
        service.remove(db.session, current_principal(), volunteer)


@blp.route("/import")
class VolunteerImport(MethodView):
    """Spreadsheet import."""

    @blp.arguments(ImportArgs, location="query")
    @blp.arguments(UploadSchema, location="files")
    @blp.response(200, ImportReportSchema)
    @errors(blp, 401, 403, 413)
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> dict[str, int]:
        """Import volunteers from xlsx or csv: every row valid, or nothing changes (422)."""
        from registry.domain.tabular import read_volunteers  # noqa: PLC0415

        principal = current_principal()
        if principal.role not in ("admin", "coordinator"):
            abort(403, message=t("403"))
        data, filename = read_upload(files["file"])
        communities, grids = service.lookup_tables(db.session, principal)
        result = read_volunteers(data, filename, communities=communities, grids=grids)
        if result.errors:
            abort(
                422,
                message=t("import_invalid"),
                errors={
                    "rows": [
                        {"row": e.row, "column": e.column, "reason": e.reason}
                        for e in result.errors
                    ]
                },
            )
        return service.import_rows(db.session, principal, result.rows, dry_run=args["dry_run"])


@blp.route("/export")
class VolunteerExport(MethodView):
    """Spreadsheet export."""

    @blp.arguments(ExportArgs, location="query")
    @blp.response(200, description="xlsx 或 csv 文件 spreadsheet", content_type=FORMATS["xlsx"])
    @errors(blp, 401, 403)
    def get(self, args: dict[str, Any]) -> Response:
        """Export volunteers (phone and ID numbers masked)."""
        from registry.domain.tabular import write_volunteers  # noqa: PLC0415

        principal = current_principal()
        rows = service.export_rows(db.session, principal, args.get("community_id"))
        communities, grids = service.lookup_tables(db.session, principal)
        data = write_volunteers(
            rows,
            args["format"],
            communities={v: k for k, v in communities.items()},
            grids={v: name for (_c, name), v in grids.items()},
        )
        return download(data, "volunteers", args["format"])
