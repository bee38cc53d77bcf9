"""Changes to a published plan's problem (withdrawal, added or cancelled shift, availability)
and the diff between two plans. Pure dict work: no OR-Tools, cheap to import anywhere."""

from __future__ import annotations

import copy
from typing import Any

from .errors import ProblemError


def apply_change(raw: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """A new problem dict with the change applied; unchanged parts are shared with the input.

    Only what changes is copied (the top level, the list that changes, the one volunteer):
    a deep copy of a district problem would cost more than the repair itself.
    """
    data = dict(raw)
    data["volunteers"] = list(raw["volunteers"])
    data["shifts"] = list(raw["shifts"])
    kind = change.get("type")
    if kind == "withdraw":
        vol = _volunteer(data, change.get("volunteer_id"))
        first = change.get("from") or data["horizon"]["start"]
        last = change.get("to") or data["horizon"]["end"]
        vol.setdefault("leave", []).append({"start": first, "end": last})
    elif kind == "add_shift":
        data["shifts"].append(change["shift"])
    elif kind == "cancel_shift":
        sid = change.get("shift_id")
        if sid not in {s["id"] for s in data["shifts"]}:
            raise ProblemError("change.shift_id", f"unknown shift {sid!r}")
        data["shifts"] = [s for s in data["shifts"] if s["id"] != sid]
        data["pins"] = [p for p in data.get("pins", []) if p["shift_id"] != sid]
    elif kind == "availability":
        vol = _volunteer(data, change.get("volunteer_id"))
        for key in ("availability", "leave"):
            if key in change:
                vol[key] = change[key]
    else:
        raise ProblemError("change.type", "must be one of withdraw, add_shift, cancel_shift, "
                                          "availability")
    return data


def _volunteer(data: dict[str, Any], vid: Any) -> dict[str, Any]:
    """The volunteer's dict, replaced in `data` by a copy that may be changed."""
    for i, vol in enumerate(data["volunteers"]):
        if vol["id"] == vid:
            mine = copy.deepcopy(vol)
            data["volunteers"][i] = mine
            return mine
    raise ProblemError("change.volunteer_id", f"unknown volunteer {vid!r}")


def diff(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> dict[str, list]:
    """Added, removed and changed (same place, other volunteer) assignments."""
    old = {(a["volunteer_id"], a["shift_id"], a["skill"]) for a in before}
    new = {(a["volunteer_id"], a["shift_id"], a["skill"]) for a in after}
    gone, came = sorted(old - new), sorted(new - old)
    changed = []
    for key in list(gone):
        match = next((c for c in came if c[1:] == key[1:]), None)
        if match:
            changed.append({"shift_id": key[1], "skill": key[2], "from": key[0], "to": match[0]})
            gone.remove(key)
            came.remove(match)

    def rows(keys: list[tuple]) -> list[dict[str, str]]:
        return [{"volunteer_id": v, "shift_id": s, "skill": k} for v, s, k in keys]

    return {"added": rows(came), "removed": rows(gone), "changed": changed}
