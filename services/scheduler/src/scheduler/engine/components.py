"""Split a problem into independent parts: volunteers and shifts connected through
eligibility (communities that share no volunteers fall apart naturally)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .index import Eligibility
from .loader import build_problem
from .problem import Problem


@dataclass
class Component:
    """Volunteer and shift indexes (of the full problem) that only interact with each other."""

    vols: list[int] = field(default_factory=list)
    shifts: list[int] = field(default_factory=list)
    variables: int = 0


def split(problem: Problem, elig: list[Eligibility], pos: dict[str, int]) -> list[Component]:
    """Connected components over eligible pairs and pins; parts without variables dropped,
    except volunteers with a minimum of hours (their part is infeasible and must say so)."""
    nv, ns = len(problem.volunteers), len(problem.shifts)
    parent = list(range(nv + ns))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb

    count = np.zeros(nv + ns, dtype=np.int64)
    for e in elig:
        node = nv + e.shift_index
        for vi in e.eligible.tolist():
            union(vi, node)
        count[node] += len(e.eligible)
    spos = {s.id: i for i, s in enumerate(problem.shifts)}
    for pin in problem.pins:
        union(pos[pin.volunteer_id], nv + spos[pin.shift_id])
        count[nv + spos[pin.shift_id]] += 1
    parts: dict[int, Component] = {}
    for node in range(nv + ns):
        root = find(node)
        part = parts.setdefault(root, Component())
        if node < nv:
            part.vols.append(node)
        else:
            part.shifts.append(node - nv)
            part.variables += int(count[node])
    keep = []
    for part in parts.values():
        if part.variables or any(problem.volunteers[vi].min_hours_total for vi in part.vols):
            keep.append(part)
    return sorted(keep, key=lambda p: p.variables)


def subproblem(problem: Problem, part: Component) -> Problem:
    """A Problem holding only one component's volunteers and shifts."""
    raw = problem.raw
    vids = {problem.volunteers[vi].id for vi in part.vols}
    sids = {problem.shifts[si].id for si in part.shifts}
    data = dict(raw)
    # Partners outside the part can never share a shift with this volunteer: drop them.
    data["volunteers"] = [_drop_far_partners(v, vids) for v in raw["volunteers"]
                          if v["id"] in vids]
    data["shifts"] = [s for s in raw["shifts"] if s["id"] in sids]
    data["pins"] = [p for p in raw.get("pins", []) if p["shift_id"] in sids]
    if raw.get("previous_plan"):
        data["previous_plan"] = {"assignments": [
            a for a in raw["previous_plan"].get("assignments", [])
            if a["shift_id"] in sids and a["volunteer_id"] in vids]}
    return build_problem(data)


def _drop_far_partners(vol: dict, vids: set[str]) -> dict:
    prefs = vol.get("preferences")
    if not prefs or not prefs.get("partners"):
        return vol
    kept = [p for p in prefs["partners"] if p in vids]
    if len(kept) == len(prefs["partners"]):
        return vol
    return {**vol, "preferences": {**prefs, "partners": kept}}


def remap(elig: list[Eligibility], problem: Problem, sub: Problem,
          part: Component) -> list[Eligibility]:
    """Eligibility of the full problem restated in the sub-problem's indexes."""
    vmap = np.full(len(problem.volunteers), -1, dtype=np.int64)
    vmap[np.asarray(part.vols, dtype=np.int64)] = np.arange(len(part.vols))
    smap = {si: k for k, si in enumerate(part.shifts)}
    out = []
    for e in elig:
        k = smap.get(e.shift_index)
        if k is None:
            continue
        out.append(Eligibility(k, e.skill, e.holders, vmap[e.eligible],
                               {c: ids for c, ids in e.excluded.items()}))
    return out
