"""HTTP endpoints of shifts, including spreadsheet import and export."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort

from registry.auth.principal import current_principal
from registry.common import check_if_match, errors, page_of, with_etag
from registry.db import db
from registry.i18n import t
from registry.models import Shift
from registry.shifts import service
from registry.shifts.schemas import (
    ShiftExportArgs,
    ShiftImportReportSchema,
    ShiftListArgs,
    ShiftPatchSchema,
    ShiftSchema,
)
from registry.tabular_io import FORMATS, ImportArgs, UploadSchema, download, read_upload

blp = Blueprint("Shifts", __name__, url_prefix="/shifts", description="班次 Shifts")


@blp.route("")
class Shifts(MethodView):
    """Shift collection."""

    @blp.arguments(ShiftListArgs, location="query")
    @blp.response(200, ShiftSchema(many=True))
    @errors(blp, 401)
    @blp.paginate(page_size=100, max_page_size=200)
    def get(self, filters: dict[str, Any], pagination_parameters: Any) -> list[Shift]:
        """List shifts by community, venue, activity, date range and status."""
        query = service.list_query(current_principal(), filters)
        return page_of(db.session, query, pagination_parameters, list(service.ORDER))


@blp.route("/<int:shift_id>")
class ShiftItem(MethodView):
    """One shift."""

    @blp.response(200, ShiftSchema)
    @errors(blp, 401, 404)
    def get(self, shift_id: int) -> Any:
        """Read a shift."""
        return with_etag(service.get(db.session, current_principal(), shift_id))

    @blp.arguments(ShiftPatchSchema)
    @blp.response(200, ShiftSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def patch(self, data: dict[str, Any], shift_id: int) -> Any:
        """Change a shift by hand (marks it edited; regeneration keeps it)."""
        shift = service.get(db.session, current_principal(), shift_id)
        check_if_match(shift)
        return with_etag(service.update(db.session, current_principal(), shift, data))


@blp.route("/<int:shift_id>/cancel")
class ShiftCancel(MethodView):
    """Cancelling a shift."""

    @blp.response(200, ShiftSchema)
    @errors(blp, 401, 403, 404, 409, 412)
    def post(self, shift_id: int) -> Any:
        """Cancel a shift by hand."""
        shift = service.get(db.session, current_principal(), shift_id)
        check_if_match(shift)
        return with_etag(service.cancel(db.session, current_principal(), shift))


@blp.route("/import")
class ShiftImport(MethodView):
    """Spreadsheet import of one-off shifts."""

    @blp.arguments(ImportArgs, location="query")
    @blp.arguments(UploadSchema, location="files")
    @blp.response(200, ShiftImportReportSchema)
    @errors(blp, 401, 403, 413)
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
        """Import one-off shifts from xlsx or csv: every row valid, or nothing changes (422)."""
        from registry.domain.tabular import read_shifts  # noqa: PLC0415

        principal = current_principal()
        if principal.role not in ("admin", "coordinator"):
            abort(403, message=t("403"))
        data, filename = read_upload(files["file"])
        communities, venues, types = service.lookup_tables(db.session, principal)
        result = read_shifts(
            data, filename, venues=venues, activity_types=types, communities=communities
        )
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
class ShiftExport(MethodView):
    """Spreadsheet export of shifts."""

    @blp.arguments(ShiftExportArgs, location="query")
    @blp.response(200, description="xlsx 或 csv 文件 spreadsheet", content_type=FORMATS["xlsx"])
    @errors(blp, 401, 403)
    def get(self, args: dict[str, Any]) -> Response:
        """Export shifts."""
        from registry.domain.tabular import write_shifts  # noqa: PLC0415

        principal = current_principal()
        fmt = args.pop("format")
        rows = service.export_rows(db.session, principal, args)
        communities, venues, _types = service.lookup_tables(db.session, principal)
        by_id: dict[int, str] = {}
        for key, value in communities.items():
            by_id.setdefault(value, key)
        data = write_shifts(rows, fmt, communities=by_id, venues={v: k for k, v in venues.items()})
        return download(data, "shifts", fmt)
