"""The demo county: 11 communities of 上犹县 with 13 邻里中心, volunteers and a term programme.

Modelled on the county seat of 上犹县 (东山镇), where 13 neighbourhood centres serve 11
communities ("一站多点"), 150-odd teacher volunteers run 四点半课堂, and party members do the
"六送" outreach. 幸福社区 is real; the other names are invented but typical.

Records use the field names of docs/registry-model.md, except that references are codes or
refs instead of ids: ``community_id`` becomes ``community`` (a community code), ``grid_id``
``grid``, ``venue_id`` ``venue``, ``room_id`` ``room``, ``volunteer_id`` ``volunteer``, and the
id lists ``community_ids``, ``venue_ids``, ``avoid_venue_ids``, ``partner_ids`` become
``communities``, ``venues``, ``avoid_venues``, ``partners``. Users carry a plain demo
``password``; the loader hashes it. Phone numbers are in the unassigned-looking 1380000xxxx
range and all people are fictional.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from .names import unique_name

SEED = 20260302
REGION = "jiangxi-shangyou"
DISTRICT = "上犹县"
DEMO_PASSWORD = "linli-demo"
TERM_START, TERM_END = date(2026, 3, 2), date(2026, 7, 10)
# The moment ages, vetting and qualification dates are judged against when building.
REFERENCE_DAY = TERM_START

# code, name, login slug, (dlat, dlon) of the main centre from the county seat, centre kind
COMMUNITIES: tuple[tuple[str, str, str, tuple[float, float], str], ...] = (
    ("XF", "幸福社区", "xingfu", (0.004, 0.006), "neighbourhood_centre"),
    ("DM", "东门社区", "dongmen", (0.002, 0.014), "party_service_centre"),
    ("XM", "西门社区", "ximen", (0.001, -0.011), "party_service_centre"),
    ("NM", "南门社区", "nanmen", (-0.009, 0.003), "neighbourhood_centre"),
    ("CN", "城南社区", "chengnan", (-0.016, -0.004), "party_service_centre"),
    ("CB", "城北社区", "chengbei", (0.015, 0.001), "neighbourhood_centre"),
    ("WF", "文峰社区", "wenfeng", (0.010, -0.018), "party_service_centre"),
    ("YH", "沿湖社区", "yanhu", (-0.004, 0.022), "neighbourhood_centre"),
    ("ZY", "紫阳社区", "ziyang", (0.021, 0.012), "party_service_centre"),
    ("YC", "园村社区", "yuancun", (-0.020, 0.016), "party_service_centre"),
    ("YJ", "犹江社区", "youjiang", (-0.011, -0.021), "neighbourhood_centre"),
)
COUNTY_LAT, COUNTY_LON = 25.7925, 114.5405
STREETS = (
    "幸福路", "东门路", "西门路", "南河路", "城南大道", "城北大道", "文峰路", "沿湖路", "紫阳大道",
    "园村路", "犹江大道",
)  # fmt: skip
PAIRINGS = (
    ("XF", "DM", "结对共建"),
    ("XM", "NM", "友好社区"),
    ("CN", "CB", "结对共建"),
    ("WF", "YH", "友好社区"),
    ("XF", "ZY", "友好社区"),
)
# 幸福社区 runs "一站多点": its centre plus two satellite points in residential compounds.
XF_SATELLITES = (
    ("XF-sat1", "幸福社区阳光花园邻里点", (0.009, 0.002)),
    ("XF-sat2", "幸福社区滨江小区邻里点", (-0.002, 0.011)),
)
ESCORT_VENUES = ("XF-center", "DM-center", "NM-center", "CB-center", "YJ-center")
CANTEEN_VENUES = ("XF-center", "DM-center", "XM-center", "NM-center", "CN-center", "WF-center",
                  "ZY-center", "YC-center")  # fmt: skip
LATE_VENUE = "YJ-center"  # its school lets out later, so 四点半课堂 starts at 17:00
GROUPS = (("一二年级", "classroom"), ("三四年级", "reading_room"), ("五六年级", "calligraphy"))
ROOMS_MAIN = (
    ("四点半课堂教室", "classroom", 30),
    ("书吧", "reading_room", 24),
    ("书法室", "calligraphy", 16),
    ("舞蹈室", "dance", 30),
    ("志愿服务站", "volunteer_station", 10),
)
ROOMS_SATELLITE = (("四点半课堂教室", "classroom", 20), ("书吧", "reading_room", 12))
OUTREACH = (
    ("outreach_service", "送服务", "general", "党员志愿者送服务：家电维修、代办代缴"),
    ("outreach_education", "送教育", "teacher", "党员教师送教育：家庭教育讲座、作业答疑"),
    ("outreach_health", "送健康", "doctor", "党员医生送健康：义诊、测血压血糖"),
    ("outreach_safety", "送平安", "police", "党员干警送平安：防诈骗、交通安全宣讲"),
    ("outreach_legal", "送法援", "lawyer", "党员律师送法援：法律咨询、调解纠纷"),
    ("outreach_care", "送关爱", "social_worker", "党员社工送关爱：走访独居老人、留守儿童"),
)
QUALIFICATION_TITLES = {
    "doctor": "医师执业证书",
    "police": "人民警察证",
    "lawyer": "律师执业证",
    "social_worker": "社会工作者职业资格证书",
    "teacher": "教师资格证",
}
CUSTOM_TYPES = (
    {
        "code": "festival_visit",
        "name_zh": "节日走访慰问",
        "name_en": "Festival visits",
        "default_skill": "general",
        "children_present": False,
        "outreach": True,
        "risky": False,
        "community": "XF",
    },
    {
        "code": "free_haircut",
        "name_zh": "义剪",
        "name_en": "Free haircuts",
        "default_skill": "barber",
        "children_present": False,
        "outreach": False,
        "risky": False,
        "community": "DM",
    },
)


def _venue_ref(code: str) -> str:
    return f"{code}-center"


def _hhmm_add(hhmm: str, minutes: int) -> str:
    h, m = map(int, hhmm.split(":"))
    total = h * 60 + m + minutes
    return f"{total // 60:02d}:{total % 60:02d}"


def _opening(weekday: tuple[str, str], weekend: tuple[str, str] | None) -> list[dict[str, Any]]:
    hours = [{"weekday": d, "open": weekday[0], "close": weekday[1]} for d in range(5)]
    if weekend:
        hours += [{"weekday": d, "open": weekend[0], "close": weekend[1]} for d in (5, 6)]
    return hours


# --- places -----------------------------------------------------------------------------------


def _communities() -> list[dict[str, Any]]:
    return [
        {"code": code, "name": name, "district": DISTRICT, "calendar_region": REGION}
        for code, name, _slug, _off, _kind in COMMUNITIES
    ]


def _grids(rng: random.Random) -> list[dict[str, Any]]:
    numerals = "一二三四"
    out = []
    for code, name, _slug, _off, _kind in COMMUNITIES:
        count = rng.randint(2, 4)
        for i in range(count):
            out.append(
                {
                    "ref": f"{code}-G{i + 1}",
                    "community": code,
                    "name": f"第{numerals[i]}网格",
                    "households": rng.randrange(300, 501, 5),
                    # Grids share a station two by two, as in "1+2+N" staffing.
                    "station": f"{name}第{numerals[i // 2]}网格服务站",
                }
            )
    return out


def _rooms(venue_ref: str, spec: tuple[tuple[str, str, int], ...], canteen: bool) -> list[dict]:
    rooms = [
        {"ref": f"{venue_ref}:{kind}", "name": n, "kind": kind, "capacity": c}
        for n, kind, c in spec
    ]
    if canteen:
        rooms.append(
            {"ref": f"{venue_ref}:canteen", "name": "孝老食堂", "kind": "canteen", "capacity": 40}
        )
    return rooms


def _venues(rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for i, (code, name, _slug, (dlat, dlon), kind) in enumerate(COMMUNITIES):
        ref = _venue_ref(code)
        label = "邻里中心" if kind == "neighbourhood_centre" else "党群服务中心"
        out.append(
            {
                "ref": ref,
                "community": code,
                "name": f"{name}{label}",
                "kind": kind,
                "address": f"上犹县东山镇{STREETS[i]}{rng.randint(8, 198)}号",
                "lat": round(COUNTY_LAT + dlat, 6),
                "lon": round(COUNTY_LON + dlon, 6),
                "opening_hours": _opening(("08:00", "21:30"), ("08:30", "21:30")),
                "after_school_start": "17:00" if ref == LATE_VENUE else "16:30",
                "tutor_pupil_ratio": rng.choice((8, 10, 10, 12)),
                "rooms": _rooms(ref, ROOMS_MAIN, ref in CANTEEN_VENUES),
            }
        )
    for j, (ref, vname, (dlat, dlon)) in enumerate(XF_SATELLITES):
        out.append(
            {
                "ref": ref,
                "community": "XF",
                "name": vname,
                "kind": "satellite_point",
                "address": f"上犹县东山镇幸福路{60 + 40 * j}号{j + 3}栋架空层",
                "lat": round(COUNTY_LAT + dlat, 6),
                "lon": round(COUNTY_LON + dlon, 6),
                "opening_hours": _opening(("14:00", "20:00"), ("09:00", "19:30")),
                "after_school_start": "16:30",
                "tutor_pupil_ratio": 8,
                "rooms": _rooms(ref, ROOMS_SATELLITE, False),
            }
        )
    return out


# --- people -----------------------------------------------------------------------------------


class _People:
    """Makes volunteers with unique names per community and phone numbers in a fake range."""

    def __init__(self, rng: random.Random, venues: dict[str, dict[str, Any]]) -> None:
        self.rng = rng
        self.venues = venues
        self.taken: dict[str, set[str]] = {}
        self.rows: list[dict[str, Any]] = []
        self.grids: dict[str, list[str]] = {}

    def birth(self, low: int, high: int) -> str:
        """A birth date giving an age in [low, high] on REFERENCE_DAY."""
        age = self.rng.randint(low, high)
        start = date(REFERENCE_DAY.year - age - 1, REFERENCE_DAY.month, REFERENCE_DAY.day)
        return (start + timedelta(days=self.rng.randint(1, 364))).isoformat()

    def add(self, code: str, role: str, **kw: Any) -> dict[str, Any]:
        rng = self.rng
        n = len(self.rows) + 1
        gender = kw.pop("gender", None) or rng.choice(("male", "female"))
        name = unique_name(rng, gender, self.taken.setdefault(code, set()))
        phone = f"1380000{n:04d}"
        centre = self.venues[_venue_ref(code)]
        age_band = kw.pop("age", (25, 60))
        party = kw.pop("party_member", rng.random() < 0.45)
        birth = kw.pop("birth_date", None) or self.birth(*age_band)
        age = REFERENCE_DAY.year - int(birth[:4])
        team = kw.pop("team", None)
        if team is None:
            if party:
                team = "party"
            elif age <= 35:
                team = "youth"
            elif gender == "female":
                team = "women"
        languages = ["普通话", "客家话"] if age >= 40 or rng.random() < 0.4 else ["普通话"]
        channels = [
            {
                "channel": "sms",
                "address": phone,
                "consent": True,
                "consent_at": "2026-02-20T09:00:00",
            }
        ]
        extra = rng.random()
        if extra < 0.3:
            channels.append(
                {
                    "channel": "wecom",
                    "address": phone,
                    "consent": True,
                    "consent_at": "2026-02-20T09:00:00",
                }
            )
        elif extra < 0.45:
            channels.append(
                {
                    "channel": "inbox",
                    "address": "",
                    "consent": True,
                    "consent_at": "2026-02-20T09:00:00",
                }
            )
        if age <= 40 and rng.random() < 0.5:
            channels.append(
                {
                    "channel": "email",
                    "address": f"v{n:04d}@demo.linli.example",
                    "consent": rng.random() < 0.6,
                    "consent_at": "2026-02-20T09:00:00",
                }
            )
            if not channels[-1]["consent"]:
                channels[-1]["consent_at"] = None
            elif rng.random() < 0.5:
                # Younger volunteers often read e-mail first: their preferred channel.
                channels.insert(0, channels.pop())
        grids = self.grids[code]
        row: dict[str, Any] = {
            "ref": f"V{n:04d}",
            "community": code,
            "grid": rng.choice(grids),
            "name": name,
            "gender": gender,
            "phone": phone,
            "id_number": None,
            "birth_date": birth,
            "guardian_name": None,
            "guardian_consent": False,
            "guardian_consent_at": None,
            "team": team,
            "party_member": party,
            "skills": [],
            "languages": languages,
            "qualifications": [],
            "vetted_until": None,
            "insured_until": "2026-12-31" if rng.random() < 0.85 else None,
            "availability": [],
            "leave": [],
            "max_hours_week": None,
            "max_hours_month": None,
            "min_hours_month": 4 if party and rng.random() < 0.5 else None,
            "home_lat": round(centre["lat"] + rng.uniform(-0.008, 0.008), 6),
            "home_lon": round(centre["lon"] + rng.uniform(-0.008, 0.008), 6),
            "preferences": {"venues": [], "avoid_venues": [], "partners": []},
            "contact_channels": channels,
            "joined_on": date(
                rng.randint(2018, 2025), rng.randint(1, 12), rng.randint(1, 28)
            ).isoformat(),
            "experienced": rng.random() < 0.5,
            "active": True,
            "_role": role,
        }
        row.update(kw)
        self.rows.append(row)
        return row


def _window(days: tuple[int, ...], start: str, end: str) -> list[dict[str, Any]]:
    return [{"weekday": d, "start": start, "end": end} for d in days]


def _qualification(
    rng: random.Random, skill: str, valid_until: str, verified: bool = True
) -> dict[str, Any]:
    return {
        "skill": skill,
        "number": f"{QUALIFICATION_TITLES[skill]}{rng.randint(10**7, 10**8 - 1)}",
        "verified": verified,
        "verified_at": "2026-02-25T10:00:00" if verified else None,
        "valid_from": "2021-01-01",
        "valid_until": valid_until,
    }


def _volunteers(rng: random.Random, venues: list[dict], grids: list[dict]) -> list[dict]:
    people = _People(rng, {v["ref"]: v for v in venues})
    for g in grids:
        people.grids.setdefault(g["community"], []).append(g["ref"])
    xf_venues = ["XF-center", "XF-sat1", "XF-sat2"]
    for ci, (code, _name, _slug, _off, _kind) in enumerate(COMMUNITIES):
        own = xf_venues if code == "XF" else [_venue_ref(code)]
        tutors = 24 if code == "XF" else 14
        for t in range(tutors):
            kind = ("retired", "youth", "women")[t % 3]
            age = {"retired": (56, 72), "youth": (19, 34), "women": (32, 52)}[kind]
            days = tuple(sorted(rng.sample(range(5), 4 if kind == "retired" else 3)))
            skills = ["tutor"]
            quals = []
            if kind == "retired" and rng.random() < 0.7:
                skills.append("teacher")
                quals.append(_qualification(rng, "teacher", "2099-12-31"))
            # A few vetting checks have lapsed or lapse mid-term: the scheduler must notice.
            vetted = rng.choice(("2027-02-28", "2027-08-31", "2027-08-31"))
            if t == 5:
                vetted = "2026-01-31"
            elif t == 9 and ci % 3 == 0:
                vetted = "2026-04-30"
            tutor = people.add(
                code,
                "tutor",
                age=age,
                gender="female" if kind == "women" else None,
                party_member=rng.random() < (0.6 if kind == "retired" else 0.3),
                skills=skills,
                qualifications=quals,
                vetted_until=vetted,
                availability=_window(days, "16:00", "19:30"),
                max_hours_week=rng.choice((4, 6, 6, 8)),
                max_hours_month=rng.choice((16, 20, 24)),
                experienced=kind == "retired" or rng.random() < 0.3,
                preferences={"venues": [own[t % len(own)]], "avoid_venues": [], "partners": []},
            )
            if t % 7 == 3:
                start = TERM_START + timedelta(days=rng.randint(7, 100))
                tutor["leave"] = [
                    {
                        "start": start.isoformat(),
                        "end": (start + timedelta(days=rng.randint(2, 12))).isoformat(),
                        "reason": rng.choice(("外出探亲", "身体不适", "单位出差")),
                    }
                ]
        _specialists(people, rng, code, ci)
        _service_volunteers(people, rng, code)
    _minors(people, rng)
    _extras(people, rng)
    _pair_partners(people.rows, rng)
    for row in people.rows:
        del row["_role"]
    return people.rows


def _specialists(people: _People, rng: random.Random, code: str, ci: int) -> None:
    for skill in ("doctor", "police", "lawyer", "social_worker", "teacher"):
        people.add(
            code,
            skill,
            age=(28, 55),
            party_member=True,
            skills=[skill, "general"],
            qualifications=[_qualification(rng, skill, f"{2027 + ci % 3}-12-31")],
            vetted_until="2027-06-30" if skill in ("teacher", "social_worker") else None,
            availability=_window((5, 6), "08:30", "12:00") + _window((2,), "19:00", "21:30"),
            max_hours_month=8,
            experienced=True,
        )


def _service_volunteers(people: _People, rng: random.Random, code: str) -> None:
    for _ in range(3):
        people.add(
            code,
            "grid",
            age=(30, 62),
            party_member=True,
            skills=["grid_visit", "general"],
            availability=_window((5, 6), "08:30", "12:00") + _window((1, 3), "19:00", "21:30"),
            max_hours_month=12,
        )
    for _ in range(3):
        people.add(
            code,
            "general",
            age=(25, 65),
            party_member=True,
            skills=["general"],
            availability=_window((5, 6), "08:00", "17:00") + _window((0, 2, 4), "19:00", "21:30"),
            max_hours_week=6,
        )
    if _venue_ref(code) in CANTEEN_VENUES:
        for _ in range(3):
            people.add(
                code,
                "cook",
                age=(45, 66),
                gender="female",
                party_member=rng.random() < 0.3,
                skills=["cook", "general"],
                availability=_window((0, 1, 2, 3, 4), "10:00", "13:30"),
                max_hours_week=10,
            )
    people.add(
        code,
        "talk_host",
        age=(35, 58),
        party_member=True,
        skills=["talk_host", "general"],
        availability=_window((1, 2, 3), "19:00", "21:30"),
        experienced=True,
    )
    for _ in range(2):
        people.add(
            code,
            "reading_host",
            age=(20, 33),
            party_member=False,
            team="youth",
            skills=["reading_host", "general"],
            availability=_window((5, 6), "09:00", "17:30") + _window((4,), "19:00", "21:30"),
        )
    if _venue_ref(code) in ESCORT_VENUES:
        for _ in range(4):
            people.add(
                code,
                "escort",
                age=(22, 60),
                skills=["escort", "general"],
                vetted_until="2027-02-28",
                availability=_window((0, 1, 2, 3, 4), "15:30", "17:30"),
                max_hours_week=4,
            )
    if code == "DM":
        for _ in range(2):
            people.add(
                code,
                "barber",
                age=(30, 55),
                skills=["barber", "general"],
                availability=_window((6,), "08:30", "12:00"),
            )


def _minors(people: _People, rng: random.Random) -> None:
    # High-school volunteers aged 16-17; the last two have no guardian consent yet.
    for i, code in enumerate(("XF", "DM", "XM", "NM", "CB", "WF", "XF", "YH")):
        consent = i < 6
        birth = date(2009, 6, 1) + timedelta(days=rng.randint(0, 200))
        people.add(
            code,
            "minor",
            birth_date=birth.isoformat(),
            party_member=False,
            team="youth",
            skills=["general", "reading_host"] if i % 2 else ["general", "grid_visit"],
            guardian_name=unique_name(rng, "male", set()),
            guardian_consent=consent,
            guardian_consent_at="2026-02-26T18:30:00" if consent else None,
            availability=_window((5, 6), "09:00", "17:00"),
            max_hours_week=4,
            experienced=False,
            insured_until="2026-12-31",
        )


def _extras(people: _People, rng: random.Random) -> None:
    # Specialists whose papers cannot be used: expired, or not yet verified.
    for code, skill, until, verified in (
        ("XF", "doctor", "2025-12-31", True),
        ("CN", "lawyer", "2026-05-31", True),
        ("ZY", "police", "2028-06-30", False),
        ("YJ", "social_worker", "2025-06-30", True),
    ):
        people.add(
            code,
            skill,
            age=(30, 60),
            party_member=True,
            skills=[skill, "general"],
            qualifications=[_qualification(rng, skill, until, verified)],
            availability=_window((5, 6), "08:30", "12:00"),
            experienced=True,
        )
    # A volunteer who left: kept for the records, not scheduled.
    people.add("XM", "general", skills=["general"], active=False)


def _pair_partners(rows: list[dict[str, Any]], rng: random.Random) -> None:
    tutors = [r for r in rows if r["_role"] == "tutor"]
    by_community: dict[str, list[dict[str, Any]]] = {}
    for r in tutors:
        by_community.setdefault(r["community"], []).append(r)
    for group in by_community.values():
        # An experienced tutor likes to work with a newcomer: the pairing the DOMAIN asks for.
        old = [r for r in group if r["experienced"]]
        new = [r for r in group if not r["experienced"]]
        for a, b in zip(old[:2], new[:2], strict=False):
            a["preferences"]["partners"].append(b["ref"])
            b["preferences"]["partners"].append(a["ref"])
    if tutors:
        tutors[0]["preferences"]["avoid_venues"].append("XF-sat2")


# --- programme --------------------------------------------------------------------------------


def _activity(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "room": None,
        "description": None,
        "min_age": None,
        "max_age": None,
        "requires_vetting": False,
        "requires_insurance": False,
        "requires_party_lead": False,
        "children_present": False,
        "expected_pupils": None,
        "priority": 3,
        "group_label": None,
        "radius_km": None,
    }
    base.update(kw)
    return base


def _term(kind: str, weekdays: tuple[int, ...] = ()) -> dict[str, Any]:
    return {
        "kind": kind,
        "start_date": TERM_START.isoformat(),
        "end_date": TERM_END.isoformat(),
        "weekdays": list(weekdays),
    }


def _once(d: date) -> dict[str, Any]:
    return {"kind": "once", "start_date": d.isoformat(), "end_date": d.isoformat(), "weekdays": []}


def _nth_weekend_day(year: int, month: int, week: int, sunday: bool) -> date:
    first = date(year, month, 1)
    saturday = first + timedelta(days=(5 - first.weekday()) % 7)
    return saturday + timedelta(days=7 * week + (1 if sunday else 0))


def _activities(rng: random.Random, venues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for v in venues:
        code, ref = v["community"], v["ref"]
        start = v["after_school_start"]
        groups = GROUPS if v["kind"] != "satellite_point" else GROUPS[:1]
        for label, room_kind in groups:
            pupils = rng.randint(12, 24)
            out.append(
                _activity(
                    ref=f"{ref}/after_school/{label}",
                    community=code,
                    venue=ref,
                    room=f"{ref}:{room_kind}",
                    type_code="after_school",
                    name=f"四点半课堂（{label}）",
                    description="作业辅导、阅读和兴趣活动",
                    recurrence=_term("school_days"),
                    start_time=start,
                    end_time=_hhmm_add(start, 120),
                    needs=[{"skill": "tutor", "min": 2, "max": 4}],
                    min_age=18,
                    requires_vetting=True,
                    children_present=True,
                    expected_pupils=pupils,
                    priority=5,
                    group_label=label,
                )
            )
        if ref in ESCORT_VENUES:
            out.append(
                _activity(
                    ref=f"{ref}/escort",
                    community=code,
                    venue=ref,
                    type_code="escort",
                    name="护学接送（校门口至邻里中心）",
                    description="放学后从东山小学校门口把学生接到四点半课堂",
                    recurrence=_term("school_days"),
                    start_time=_hhmm_add(start, -30),
                    end_time=start,
                    needs=[{"skill": "escort", "min": 2, "max": 3}],
                    min_age=18,
                    requires_vetting=True,
                    requires_insurance=True,
                    children_present=True,
                    priority=5,
                    radius_km=1.0,
                )
            )
        if ref in CANTEEN_VENUES:
            out.append(
                _activity(
                    ref=f"{ref}/elder_canteen",
                    community=code,
                    venue=ref,
                    room=f"{ref}:canteen",
                    type_code="elder_canteen",
                    name="孝老食堂午餐",
                    description="为 70 岁以上老人备餐、送餐",
                    recurrence=_term("weekly", (0, 1, 2, 3, 4)),
                    start_time="10:30",
                    end_time="13:00",
                    needs=[
                        {"skill": "cook", "min": 1, "max": 2},
                        {"skill": "general", "min": 1, "max": 3},
                    ],
                    min_age=16,
                    priority=4,
                )
            )
    reading_slots = (
        (5, "09:30"), (5, "14:30"), (6, "09:30"), (6, "14:30"), (4, "19:30"), (5, "15:30"),
        (6, "15:30"), (5, "10:00"), (6, "10:00"), (4, "19:00"), (6, "14:00"),
    )  # fmt: skip
    for ci, (code, name, _slug, _off, _kind) in enumerate(COMMUNITIES):
        ref = _venue_ref(code)
        month_outreach = []
        for month in (3, 4, 5, 6):
            for k, (type_code, zh, skill, desc) in enumerate(OUTREACH):
                # Spread the six kinds over the month's weekends, staggered per community.
                slot = (k + ci) % 6
                day = _nth_weekend_day(2026, month, slot // 2, sunday=bool(slot % 2))
                needs = [{"skill": skill, "min": 2 if skill == "general" else 1, "max": 3}]
                if skill != "general":
                    needs.append({"skill": "general", "min": 1, "max": 2})
                month_outreach.append(
                    _activity(
                        ref=f"{ref}/{type_code}/{month:02d}",
                        community=code,
                        venue=ref,
                        type_code=type_code,
                        name=f"{name}{month}月{zh}",
                        description=desc,
                        recurrence=_once(day),
                        start_time="09:00",
                        end_time="11:30",
                        needs=needs,
                        requires_party_lead=True,
                        priority=4,
                    )
                )
        out.extend(month_outreach)
        talk_day = (1, 2, 3)[ci % 3]
        out.append(
            _activity(
                ref=f"{ref}/evening_talk",
                community=code,
                venue=ref,
                room=f"{ref}:volunteer_station",
                type_code="evening_talk",
                name="城市夜话",
                description="与居民面对面讲政策、听民声、解民忧",
                recurrence=_term("weekly", (talk_day,)),
                start_time="19:30",
                end_time="21:00",
                needs=[
                    {"skill": "talk_host", "min": 1, "max": 1},
                    {"skill": "general", "min": 1, "max": 2},
                ],
                requires_party_lead=True,
                priority=3,
            )
        )
        wd, at = reading_slots[ci]
        out.append(
            _activity(
                ref=f"{ref}/youth_reading",
                community=code,
                venue=ref,
                room=f"{ref}:reading_room",
                type_code="youth_reading",
                name="青年读书会",
                description="错时开展，共读一本书",
                recurrence=_term("weekly", (wd,)),
                start_time=at,
                end_time=_hhmm_add(at, 90),
                needs=[
                    {"skill": "reading_host", "min": 1, "max": 1},
                    {"skill": "general", "min": 0, "max": 2},
                ],
                min_age=14,
                priority=2,
            )
        )
        out.append(
            _activity(
                ref=f"{ref}/door_knocking",
                community=code,
                venue=ref,
                type_code="door_knocking",
                name="敲门行动（网格入户走访）",
                description="网格员带领志愿者入户走访，了解困难群众需求",
                recurrence=_term("weekly", (5,)),
                start_time="09:00",
                end_time="11:30",
                needs=[{"skill": "grid_visit", "min": 2, "max": 4}],
                min_age=16,
                priority=3,
                radius_km=1.5,
            )
        )
    out.append(
        _activity(
            ref="XF-center/festival_visit/duanwu",
            community="XF",
            venue="XF-center",
            type_code="festival_visit",
            name="端午节走访慰问独居老人",
            description="送粽子、量血压、陪聊天",
            recurrence=_once(date(2026, 6, 20)),
            start_time="09:00",
            end_time="11:30",
            needs=[{"skill": "general", "min": 2, "max": 4}],
            requires_party_lead=True,
            priority=4,
        )
    )
    for month in (3, 4, 5, 6):
        day = _nth_weekend_day(2026, month, 1, sunday=True)
        out.append(
            _activity(
                ref=f"DM-center/free_haircut/{month:02d}",
                community="DM",
                venue="DM-center",
                type_code="free_haircut",
                name=f"{month}月义剪进社区",
                description="为老人和行动不便居民免费理发",
                recurrence=_once(day),
                start_time="08:30",
                end_time="11:30",
                needs=[
                    {"skill": "barber", "min": 1, "max": 2},
                    {"skill": "general", "min": 1, "max": 2},
                ],
                priority=3,
            )
        )
    return out


def _calendar() -> dict[str, Any]:
    return {
        "region": REGION,
        # Official holidays and 调休 days of 2026 come from chinesecalendar; none added locally.
        "holidays": [],
        "workdays": [],
        "terms": [
            {"name": "2026年春季学期", "start": "2026-03-02", "end": "2026-07-10"},
            {"name": "2026年秋季学期", "start": "2026-09-01", "end": "2027-01-22"},
        ],
        "breaks": [
            {"name": "2026年寒假", "start": "2026-01-24", "end": "2026-03-01"},
            {"name": "2026年暑假", "start": "2026-07-11", "end": "2026-08-31"},
            {"name": "2027年寒假", "start": "2027-01-23", "end": "2027-02-28"},
        ],
        "confirmed_years": [],
    }


# --- users ------------------------------------------------------------------------------------

# (username, community code, a skill the volunteer has, what the login shows)
_VOLUNTEER_LOGINS = (
    ("vol_tutor", "XF", "tutor", "幸福社区的一名四点半课堂辅导老师"),
    ("vol_doctor", "DM", "doctor", "东门社区的一名党员医生"),
    ("vol_youth", "CB", "reading_host", "城北社区的一名青年读书会主持人"),
)


def _users(
    volunteers: list[dict[str, Any]], scopes: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """Demo accounts; ``scopes`` receives a Chinese description of each account's reach."""
    scopes = {} if scopes is None else scopes
    scopes.update(
        {
            "admin": "系统管理员（全部数据）",
            "coord_county": "县级协调员（全部 11 个社区）",
            "scheduler": "排班服务的服务账号",
            "portal": "网页门户的服务账号（为志愿者换取本人令牌）",
            "notifier": "通知服务的服务账号（读取志愿者联系方式）",
        }
    )
    for _code, name, slug, _off, _kind in COMMUNITIES:
        scopes[f"coord_{slug}"] = f"{name}协调员"
    users: list[dict[str, Any]] = [
        {"username": "admin", "role": "admin", "communities": [], "volunteer": None},
        {
            "username": "coord_county",
            "role": "coordinator",
            "communities": [c[0] for c in COMMUNITIES],
            "volunteer": None,
        },
    ]
    for code, _name, slug, _off, _kind in COMMUNITIES:
        users.append(
            {
                "username": f"coord_{slug}",
                "role": "coordinator",
                "communities": [code],
                "volunteer": None,
            }
        )
    for username, code, skill, scope in _VOLUNTEER_LOGINS:
        # Pick an adult volunteer so every demo login can be scheduled.
        vol = next(
            v
            for v in volunteers
            if v["community"] == code
            and skill in v["skills"]
            and v["active"]
            and int(v["birth_date"][:4]) <= 2000
        )
        users.append(
            {
                "username": username,
                "role": "volunteer",
                "communities": [code],
                "volunteer": vol["ref"],
            }
        )
        scopes[username] = f"{scope}（{vol['name']}）"
    users.append({"username": "scheduler", "role": "service", "communities": [], "volunteer": None})
    users.append({"username": "portal", "role": "service", "communities": [], "volunteer": None})
    users.append(
        {"username": "notifier", "role": "service", "communities": [], "volunteer": None}
    )
    for u in users:
        u["password"] = DEMO_PASSWORD
        u["active"] = True
    return users


def build_demo_county() -> dict[str, Any]:
    """The whole demo county as plain records; the same every time (fixed seed)."""
    return _build({})


def _build(scopes: dict[str, str]) -> dict[str, Any]:
    rng = random.Random(SEED)
    grids = _grids(rng)
    venues = _venues(rng)
    volunteers = _volunteers(rng, venues, grids)
    return {
        "region": REGION,
        "district": DISTRICT,
        "communities": _communities(),
        "pairings": [{"community": a, "partner": b, "kind": k} for a, b, k in PAIRINGS],
        "grids": grids,
        "venues": venues,
        "volunteers": volunteers,
        "activity_types": [dict(t) for t in CUSTOM_TYPES],
        "activities": _activities(rng, venues),
        "calendar": _calendar(),
        "users": _users(volunteers, scopes),
    }


def _demo_logins() -> tuple[dict[str, str], ...]:
    scopes: dict[str, str] = {}
    users = _build(scopes)["users"]
    return tuple(
        {
            "username": u["username"],
            "password": u["password"],
            "role": u["role"],
            "scope": scopes[u["username"]],
        }
        for u in users
    )


# Every demo account with its password and a Chinese description, for `make run` to print.
DEMO_LOGINS: tuple[dict[str, str], ...] = _demo_logins()
