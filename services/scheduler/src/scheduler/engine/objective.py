"""Soft goals as named, weighted cost terms (see docs/engine.md for the priorities).

coverage and over_cover are priced in rules/needs.py; this module adds fairness, preferences,
requests, continuity, proximity, mentoring and stability. A term whose weight is 0 adds no
variables at all, so the NRP benchmark keeps only coverage + requests.
"""

from __future__ import annotations

from collections import defaultdict

from .context import SCALE, ModelContext, lsum, wsum
from .score import proximity_price


def fair_shares(ctx: ModelContext) -> dict[int, int]:
    """Fair share in minutes per volunteer with any possible shift.

    Demand (sum of need.min x shift minutes) split evenly over the volunteers who can work at
    least one of the shifts, kept within each person's own floor and reachable ceiling.
    """
    shifts = ctx.problem.shifts
    demand = sum(n.min * shifts[si].minutes for si in ctx.people_on for n in shifts[si].needs)
    people = [vi for vi, sis in ctx.shifts_of.items() if sis]
    if not people:
        return {}
    even = demand // len(people)
    # Ordinal 1 is a Monday, so (ordinal - 1) // 7 numbers Monday-to-Sunday weeks.
    weeks = len({(ctx.problem.start.toordinal() + d - 1) // 7 for d in range(ctx.problem.days)})
    months = len({(s.date.year, s.date.month) for s in shifts}) or 1
    out = {}
    for vi in people:
        vol = ctx.problem.volunteers[vi]
        reachable = sum(shifts[si].minutes for si in ctx.shifts_of[vi])
        # What the volunteer's own caps allow over the horizon bounds the share as well.
        for cap, periods in ((vol.max_hours_total, 1), (vol.max_hours_week, weeks),
                             (vol.max_hours_month, months)):
            if cap is not None:
                reachable = min(reachable, int(cap * 60 * periods))
        share = min(even, reachable)
        if vol.min_hours_total:
            share = max(share, int(vol.min_hours_total * 60))
        out[vi] = share
    return out


def add_fairness(ctx: ModelContext, weight: int) -> None:
    """Sum over volunteers of |assigned minutes - fair share| (weight per hour of deviation).

    Each deviation is bounded below by both sides of the absolute value (an exact abs()
    equality made presolve four times slower on district-week: 12 s instead of 2.7 s), so
    plans price fairness from the assignments (score.py) and the hand-over between solve
    phases sets deviations to their true values (`true_helpers`). Each also gets the facet
    of its convex hull between the two loads the volunteer can reach nearest the share: a load
    is a sum of whole shifts, so a share between two reachable loads costs something whatever
    the plan, and the LP relaxation knows it (without the cut it spreads fractions of shifts
    to hit every share exactly, and its fairness bound stays near 0). And each gets the cut
    that is exact for a volunteer with no shift or one (single_shift_slopes).
    """
    shifts = ctx.problem.shifts
    m = ctx.model
    for vi, share in ctx.fair_shares().items():
        sis = ctx.shifts_of[vi]
        lengths = [shifts[si].minutes for si in sis]
        top = sum(lengths)
        load = wsum([(shifts[si].minutes, ctx.works(vi, si)) for si in sis])
        vid = ctx.problem.volunteers[vi].id
        dev = m.new_int_var(0, max(top - share, share), f"fairness_deviation(vol={vid})")
        m.add(dev >= load - share)
        m.add(dev >= share - load)
        ctx.deviations.append((dev, vi, share))
        m.add(dev >= share + wsum([(coef, ctx.works(vi, si)) for coef, si in zip(
            single_shift_slopes(lengths, share), sis, strict=True)]))
        below, above = nearest_loads(lengths, share)
        if above is not None and below < share < above:
            span = above - below
            m.add(span * dev >= span * (share - below) + (above + below - 2 * share) * (
                load - below))
        # weight is per hour; coefficients are per minute in 1/SCALE units, SCALE == 60.
        ctx.cost("fairness", weight * SCALE // 60, dev)


def true_helpers(ctx: ModelContext, values: list[int],
                 chosen: set[tuple[int, int, str]]) -> None:
    """Set the helpers bounded on one side only (fairness deviations, shortfalls, excesses)
    in a solution vector to their true values for the assignments `chosen`."""
    shifts = ctx.problem.shifts
    minutes: dict[int, int] = defaultdict(int)
    for vi, si in {(vi, si) for vi, si, _ in chosen}:
        minutes[vi] += shifts[si].minutes
    for dev, vi, share in ctx.deviations:
        values[dev.index] = abs(minutes[vi] - share)
    if ctx.shortfall or ctx.excess:
        filled: dict[tuple[int, str], int] = defaultdict(int)
        for _, si, skill in chosen:
            filled[(si, skill)] += 1
        for si, shift in enumerate(shifts):
            for need in shift.needs:
                key = (si, need.skill)
                if key in ctx.shortfall:
                    values[ctx.shortfall[key].index] = max(0, need.min - filled[key])
                if key in ctx.excess:
                    values[ctx.excess[key].index] = max(0, filled[key] - need.min)


def single_shift_slopes(lengths: list[int], share: int) -> list[int]:
    """Coefficients c of the cut deviation >= share + sum(c_s * works_s).

    With no shift it reads share and with one shift exactly |length - share|; with k shifts
    it reads sum(|length - share|) - (k - 1) * share, never above |load - share| (the tests
    check every subset), so no plan is cut off. Where shares are below one shift, as on a
    district with about as many volunteers as places, the LP can then no longer spread
    fractions of long shifts over many people at no cost (district-week: with the cut and the
    rebalancing of phase 1's plan a 120 s solve reached a bound of 83,527, where one without
    either reached 79,219 in 150 s).
    """
    return [abs(length - share) - share for length in lengths]


def nearest_loads(lengths: list[int], share: int) -> tuple[int, int | None]:
    """The largest sum of some of `lengths` <= share and the smallest >= share (None: none)."""
    sums = 1  # bit k set: k minutes reachable
    for length in lengths:
        sums |= sums << length
    low = sums & ((1 << (share + 1)) - 1)
    below = low.bit_length() - 1
    high = sums >> share
    if not high:
        return below, None
    return below, share + ((high & -high).bit_length() - 1)


def add_preferences(ctx: ModelContext, weight: int) -> None:
    """Avoided or non-preferred venues, and partners not on the same shift."""
    problem, m = ctx.problem, ctx.model
    for vi, sis in ctx.shifts_of.items():
        vol = problem.volunteers[vi]
        for si in sis:
            if vol.dislikes(problem.shifts[si].venue_id):
                ctx.cost("preference", weight * SCALE, ctx.works(vi, si))
        for partner in vol.partners:
            pi = ctx.ix.pos[partner]
            for si in sis:
                if (pi, si) in ctx.works_vars:
                    apart = m.new_bool_var(f"partner_apart(vol={vol.id}, partner={partner}, "
                                           f"shift={problem.shifts[si].id})")
                    # apart == works(vi) and not works(pi): exact, not just bounded below.
                    m.add(apart >= ctx.works(vi, si) - ctx.works(pi, si))
                    m.add(apart <= ctx.works(vi, si))
                    m.add(apart <= 1 - ctx.works(pi, si))
                    ctx.cost("preference", weight * SCALE, apart)


def add_requests(ctx: ModelContext, weight: int) -> None:
    """Shift requests: want=true costs `weight` if not given, want=false if given."""
    problem, m = ctx.problem, ctx.model
    for vi, vol in enumerate(problem.volunteers):
        for req in vol.shift_requests:
            day = (req.date - problem.start).days
            if not 0 <= day < problem.days:
                continue
            lits = [ctx.works(vi, si) for si in ctx.shifts_on_day(vi, day)
                    if req.kind is None or problem.shifts[si].kind == req.kind]
            coef = req.weight * weight * SCALE
            if req.want:
                if not lits:
                    ctx.constants["requests"] += coef
                    continue
                given = m.new_bool_var(f"request_given(vol={vol.id}, date={req.date})")
                m.add_max_equality(given, lits)
                ctx.constants["requests"] += coef
                ctx.cost("requests", -coef, given)
            else:
                for lit in lits:
                    ctx.cost("requests", coef, lit)


def add_continuity(ctx: ModelContext, weight: int) -> None:
    """Each extra after-school group a tutor works with (beyond the first) costs `weight`."""
    problem, m = ctx.problem, ctx.model
    for vi, sis in ctx.shifts_of.items():
        groups: dict[str, list] = defaultdict(list)
        for si in sis:
            shift = problem.shifts[si]
            if shift.group_id:
                groups[shift.group_id].append(ctx.works(vi, si))
        if len(groups) < 2:
            continue
        vid = problem.volunteers[vi].id
        used = []
        for gid, lits in sorted(groups.items()):
            var = m.new_bool_var(f"works_group(vol={vid}, group={gid})")
            m.add_max_equality(var, lits)
            used.append(var)
        # extra == groups worked - (any group worked): exact, and linear.
        some = m.new_bool_var(f"works_any_group(vol={vid})")
        for var in used:
            m.add_implication(var, some)
        m.add(some <= lsum(used))
        extra = m.new_int_var(0, len(used) - 1, f"extra_groups(vol={vid})")
        m.add(extra == lsum(used) - some)
        ctx.cost("continuity", weight * SCALE, extra)


def add_proximity(ctx: ModelContext, weight: int) -> None:
    """Distance from home to venue, per assignment (weight per km)."""
    problem = ctx.problem
    for (vi, si), lit in ctx.works_vars.items():
        dist = ctx.ix.home_distance(problem.shifts[si].venue_id)[vi]
        ctx.cost("proximity", proximity_price(weight * SCALE, dist), lit)


def add_mentoring(ctx: ModelContext, weight: int) -> None:
    """A shift with a newcomer and no experienced volunteer costs `weight`."""
    problem, m = ctx.problem, ctx.model
    for si, people in ctx.people_on.items():
        novices = [vi for vi in people if not problem.volunteers[vi].experienced]
        if not novices:
            continue
        seniors = [ctx.works(vi, si) for vi in people if problem.volunteers[vi].experienced]
        sid = problem.shifts[si].id
        alone = m.new_bool_var(f"newcomer_without_mentor(shift={sid})")
        # One "a mentor is there" literal keeps each newcomer's constraint to three terms.
        # alone is 0 without a newcomer or with `mentor`; `mentor` itself is only bounded by
        # the seniors present (an implication per senior doubled district-week's constraint
        # count), so plans price mentoring from the assignments (score.py).
        newcomers = [ctx.works(vi, si) for vi in novices]
        mentor = m.new_bool_var(f"mentor_present(shift={sid})")
        m.add(lsum(seniors) >= mentor)
        for lit in newcomers:
            m.add(alone >= lit - mentor)
        m.add(alone <= 1 - mentor)
        m.add(alone <= lsum(newcomers))
        ctx.cost("mentoring", weight * SCALE, alone)


def add_stability(ctx: ModelContext, weight: int) -> None:
    """Each assignment of previous_plan dropped, and each new one, costs `weight`."""
    problem = ctx.problem
    if not problem.previous:
        return
    spos = {s.id: i for i, s in enumerate(problem.shifts)}
    before = {(ctx.ix.pos[p.volunteer_id], spos[p.shift_id], p.skill) for p in problem.previous}
    coef = weight * SCALE
    for key, var in ctx.x.items():
        if key in before:
            ctx.constants["stability"] += coef
            ctx.cost("stability", -coef, var)
        else:
            ctx.cost("stability", coef, var)
    # Previous assignments that no longer have a variable are changes whatever we do.
    ctx.constants["stability"] += coef * len(before - set(ctx.x))


def apply(ctx: ModelContext) -> None:
    """Add every soft term with a non-zero weight."""
    w = ctx.problem.weights
    for name, builder in (
        ("fairness", add_fairness), ("preference", add_preferences), ("requests", add_requests),
        ("continuity", add_continuity), ("proximity", add_proximity),
        ("mentoring", add_mentoring), ("stability", add_stability),
    ):
        if w.get(name):
            builder(ctx, w[name])


def set_objective(ctx: ModelContext) -> None:
    """Minimise the sum of all terms (plus constants) on the model."""
    expr = wsum([item for items in ctx.terms.values() for item in items])
    ctx.model.minimize(expr + sum(ctx.constants.values()))
