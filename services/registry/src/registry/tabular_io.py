"""HTTP side of spreadsheet import and export: reading uploads, sending downloads."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import abort
from marshmallow import Schema, fields

from registry.common import ListArgs
from registry.i18n import t

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


class UploadSchema(Schema):
    """A spreadsheet upload (multipart field `file`)."""

    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportArgs(ListArgs):
    """Options of an import."""

    dry_run = fields.Boolean(load_default=False)


def read_upload(upload: Any) -> tuple[bytes, str]:
    """Bytes and file name of an uploaded xlsx or csv file, else 422."""
    filename = (getattr(upload, "filename", None) or "").strip()
    if not filename.lower().endswith((".xlsx", ".csv")):
        abort(422, message=t("unknown_format"), errors={"files": {"file": [t("unknown_format")]}})
    return upload.read(), filename


def download(data: bytes, stem: str, fmt: str) -> Response:
    """A file download response."""
    return Response(
        data,
        mimetype=FORMATS[fmt].split(";")[0],
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )
