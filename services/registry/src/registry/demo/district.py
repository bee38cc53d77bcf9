"""The demo district: 90 communities of a city district, ~3,000 volunteers, one week of shifts.

A fictional 临江区 the size of a real urban district (80–100 社区), for load and scale checks:
every community has a 邻里中心 or 党群服务中心 (some also a satellite point), grids, volunteers
in the three teams 党员 / 青年 / 巾帼, and a week of the usual programme — 四点半课堂 on school
days, 护学接送, 孝老食堂, one "六送" outreach, 城市夜话 or 青年读书会, and 敲门行动 on the
weekend. About 1,000 shifts in the week of ``WEEK_START``.

Records use the conventions of ``registry.demo.county`` (references by ``code``/``ref``), plus
the week's shifts already expanded (``shifts``: activity ref and date), so the district loads
with a few bulk inserts instead of one request per record. Built from a fixed seed: the same
every time. Phone numbers are in the unassigned-looking 1391000xxxx range; all people are
fictional.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

from registry.domain.calendar import calendar_from_record
from registry.domain.recurrence import Recurrence, occurrence_dates

from .names import unique_name

SEED = 20260302
DISTRICT = "临江区"
REGION = "demo-linjiang"
DEMO_PASSWORD = "linli-demo"
WEEK_START = date(2026, 3, 2)  # an ordinary spring-term week, Monday to Sunday
WEEK_END = WEEK_START + timedelta(days=6)
COMMUNITIES = 90
VOLUNTEERS = 3000
CENTRE_LAT, CENTRE_LON = 30.6500, 114.3000
SPREAD_KM = 9.0
PLACES = (
    "江滩 汉兴 青年 滨湖 临江 百步 花桥 后湖 二七 永清 劳动 新村 球场 台北 西马 解放 惠济 "
    "民意 大智 车站 丹水 塔子湖 常青 幸福 堤角 新荣 塔子 谌家矶 后湖 岱家山 天门墩 竹叶山"
).split()
SUFFIXES = ("", "东", "南", "西", "北", "新村", "花园")
STREETS = ("沿江大道", "解放大道", "中山大道", "建设大道", "发展大道", "二七路", "黄浦大街")
TEAMS = (("party", 0.45), ("youth", 0.30), ("women", 0.25))
OUTREACH = (
    ("outreach_service", "送服务", "general"),
    ("outreach_education", "送教育", "teacher"),
    ("outreach_health", "送健康", "doctor"),
    ("outreach_safety", "送平安", "police"),
    ("outreach_legal", "送法援", "lawyer"),
    ("outreach_care", "送关爱", "social_worker"),
)
QUALIFICATION_TITLES = {
    "doctor": "医师执业证书",
    "police": "人民警察证",
    "lawyer": "律师执业证",
    "social_worker": "社会工作者职业资格证书",
    "teacher": "教师资格证",
}
CLASS_STARTS = ("16:30", "16:30", "16:30", "17:00")
ROOMS_MAIN = (
    ("四点半课堂教室", "classroom", 30),
    ("书吧", "reading_room", 24),
    ("志愿服务站", "volunteer_station", 10),
)
CONSENT_AT = "2026-02-20T09:00:00"
# How far from home a volunteer serves: the 15-minute walking circle for everyday work, wider
# for outreach, where specialists travel. In a district this is what keeps the plan local.
RADIUS_KM = {
    "after_school": 3.0,
    "escort": 1.5,
    "elder_canteen": 2.0,
    "outreach": 6.0,
    "evening_talk": 2.5,
    "youth_reading": 4.0,
    "door_knocking": 2.0,
}


def _hhmm_add(hhmm: str, minutes: int) -> str:
    h, m = map(int, hhmm.split(":"))
    total = h * 60 + m + minutes
    return f"{total // 60:02d}:{total % 60:02d}"


def _window(days: tuple[int, ...], start: str, end: str) -> list[dict[str, Any]]:
    return [{"weekday": d, "start": start, "end": end} for d in days]


def _calendar() -> dict[str, Any]:
    return {
        "region": REGION,
        # Official holidays and 调休 days come from chinesecalendar; none added locally.
        "holidays": [],
        "workdays": [],
        "terms": [{"name": "2026年春季学期", "start": "2026-03-02", "end": "2026-07-10"}],
        "breaks": [{"name": "2026年暑假", "start": "2026-07-11", "end": "2026-08-31"}],
        "confirmed_years": [],
    }


class _District:
    """The random stream and the growing record lists of one district."""

    def __init__(self) -> None:
        self.rng = random.Random(f"linli:district:{SEED}")
        self.communities: list[dict[str, Any]] = []
        self.grids: list[dict[str, Any]] = []
        self.venues: list[dict[str, Any]] = []
        self.volunteers: list[dict[str, Any]] = []
        self.activities: list[dict[str, Any]] = []
        self.names: dict[str, set[str]] = {}
        # What each community runs; decides both who lives there and which activities it has.
        self.programme: dict[str, dict[str, Any]] = {}

    # --- places -------------------------------------------------------------------------------
    def _point(self, lat: float, lon: float, km: float) -> tuple[float, float]:
        distance = km * math.sqrt(self.rng.random())
        angle = self.rng.uniform(0, 2 * math.pi)
        dlat = distance * math.cos(angle) / 111.2
        dlon = distance * math.sin(angle) / (111.2 * math.cos(math.radians(lat)))
        return round(lat + dlat, 6), round(lon + dlon, 6)

    def places(self) -> None:
        """Communities, their grids and centres, and pairings."""
        rng = self.rng
        unique_places = list(dict.fromkeys(PLACES))
        names = [f"{p}{s}社区" for s in SUFFIXES for p in unique_places][:COMMUNITIES]
        for index, name in enumerate(names, start=1):
            code = f"LJ{index:03d}"
            self.communities.append(
                {"code": code, "name": name, "district": DISTRICT, "calendar_region": REGION}
            )
            lat, lon = self._point(CENTRE_LAT, CENTRE_LON, SPREAD_KM)
            for g in range(rng.randint(2, 4)):
                self.grids.append(
                    {
                        "ref": f"{code}-G{g + 1}",
                        "community": code,
                        "name": f"第{'一二三四'[g]}网格",
                        "households": rng.randrange(300, 601, 5),
                        "station": f"{name}网格服务站",
                    }
                )
            kind = rng.choice(("neighbourhood_centre", "party_service_centre"))
            label = "邻里中心" if kind == "neighbourhood_centre" else "党群服务中心"
            programme = {
                "lat": lat,
                "lon": lon,
                "satellite": rng.random() < 0.12,
                "upper_group": rng.random() < 0.15,
                "escort": rng.random() < 0.15,
                "canteen": rng.random() < 0.5,
                "size": rng.uniform(0.7, 1.3),
            }
            self.programme[code] = programme
            rooms = [
                {"ref": f"{code}-C:{kind_}", "name": n, "kind": kind_, "capacity": c}
                for n, kind_, c in ROOMS_MAIN
            ]
            if programme["canteen"]:
                rooms.append({"ref": f"{code}-C:canteen", "name": "孝老食堂", "kind": "canteen",
                              "capacity": 40})
            self.venues.append(
                self._venue(f"{code}-C", code, f"{name}{label}", kind, lat, lon, rooms)
            )
            if programme["satellite"]:
                slat, slon = self._point(lat, lon, 0.8)
                self.venues.append(
                    self._venue(
                        f"{code}-S", code, f"{name}邻里点", "satellite_point", slat, slon,
                        [{"ref": f"{code}-S:classroom", "name": "四点半课堂教室",
                          "kind": "classroom", "capacity": 20}],
                    )
                )
        codes = [c["code"] for c in self.communities]
        order = codes[:]
        rng.shuffle(order)
        self.pairings = [
            {"community": a, "partner": b, "kind": "结对共建"}
            for a, b in zip(order[0::2], order[1::2], strict=False)
        ]

    def _venue(self, ref: str, code: str, name: str, kind: str, lat: float, lon: float,
               rooms: list[dict[str, Any]]) -> dict[str, Any]:
        rng = self.rng
        hours = [{"weekday": d, "open": "08:00", "close": "21:30"} for d in range(7)]
        return {
            "ref": ref,
            "community": code,
            "name": name,
            "kind": kind,
            "address": f"{DISTRICT}{rng.choice(STREETS)}{rng.randint(1, 999)}号",
            "lat": lat,
            "lon": lon,
            "opening_hours": hours,
            "after_school_start": rng.choice(CLASS_STARTS),
            "tutor_pupil_ratio": rng.choice((8, 10, 12)),
            "rooms": rooms,
        }

    # --- people -------------------------------------------------------------------------------
    def _birth(self, low: int, high: int) -> str:
        age = self.rng.randint(low, high)
        start = date(WEEK_START.year - age - 1, WEEK_START.month, WEEK_START.day)
        return (start + timedelta(days=self.rng.randint(1, 364))).isoformat()

    def _qualification(self, skill: str) -> dict[str, Any]:
        rng = self.rng
        return {
            "skill": skill,
            "number": f"{QUALIFICATION_TITLES[skill]}{rng.randint(10**7, 10**8 - 1)}",
            "verified": rng.random() > 0.05,
            "verified_at": "2026-02-25T10:00:00",
            "valid_from": "2021-01-01",
            # A few have lapsed: the scheduler must leave them out of specialist places.
            "valid_until": "2025-12-31" if rng.random() < 0.06 else "2028-12-31",
        }

    def person(self, code: str, skills: list[str], availability: list[dict[str, Any]],
               **kw: Any) -> dict[str, Any]:
        """One volunteer of community ``code``; ``kw`` overrides the drawn fields."""
        rng = self.rng
        n = len(self.volunteers) + 1
        team = kw.pop("team", None) or rng.choices(
            [t for t, _ in TEAMS], [w for _, w in TEAMS])[0]
        gender = "female" if team == "women" else rng.choice(("male", "female"))
        ages = kw.pop("age", (19, 35) if team == "youth" else (36, 68))
        programme = self.programme[code]
        lat, lon = self._point(programme["lat"], programme["lon"], 1.2)
        phone = f"1391000{n:04d}"
        channels = [{"channel": "sms", "address": phone, "consent": True,
                     "consent_at": CONSENT_AT}]
        if rng.random() < 0.2:
            channels.append({"channel": "inbox", "address": "", "consent": True,
                             "consent_at": CONSENT_AT})
        row: dict[str, Any] = {
            "ref": f"D{n:05d}",
            "community": code,
            "grid": rng.choice([g["ref"] for g in self.grids if g["community"] == code]),
            "name": unique_name(rng, gender, self.names.setdefault(code, set())),
            "gender": gender,
            "phone": phone,
            "birth_date": self._birth(*ages),
            "guardian_name": None,
            "guardian_consent": False,
            "guardian_consent_at": None,
            "team": team,
            "party_member": team == "party" or rng.random() < 0.1,
            "skills": skills,
            "languages": ["普通话"],
            "qualifications": [self._qualification(s) for s in skills
                               if s in QUALIFICATION_TITLES],
            "vetted_until": None,
            "insured_until": "2026-12-31" if rng.random() < 0.85 else None,
            "availability": availability,
            "leave": [],
            "max_hours_week": None,
            "max_hours_month": None,
            "min_hours_month": None,
            "home_lat": lat,
            "home_lon": lon,
            "preferences": {"venues": [], "avoid_venues": [], "partners": []},
            "contact_channels": channels,
            "joined_on": date(rng.randint(2018, 2025), rng.randint(1, 12),
                              rng.randint(1, 28)).isoformat(),
            "experienced": rng.random() < 0.5,
            "active": True,
        }
        row.update(kw)
        self.volunteers.append(row)
        return row

    def people(self) -> None:
        """Each community's volunteers: tutors, specialists, hosts, cooks and helpers."""
        rng = self.rng
        total_size = sum(p["size"] for p in self.programme.values())
        for community in self.communities:
            code = community["code"]
            programme = self.programme[code]
            first = len(self.volunteers)
            tutors = 10 + (4 if programme["satellite"] else 0) + (3 if programme["upper_group"]
                                                                  else 0)
            for t in range(tutors):
                days = tuple(sorted(rng.sample(range(5), rng.choice((2, 3, 4)))))
                skills = ["tutor", "general"] + (["teacher"] if t % 4 == 0 else [])
                self.person(
                    code, skills, _window(days, "16:00", "19:30"),
                    vetted_until="2026-01-31" if t == 7 else "2027-08-31",
                    max_hours_week=rng.choice((4, 6, 6, 8)),
                    preferences={"venues": [f"{code}-S" if programme["satellite"] and t % 3 == 0
                                            else f"{code}-C"], "avoid_venues": [], "partners": []},
                )
            for skill in QUALIFICATION_TITLES:
                self.person(
                    code, [skill, "general"],
                    _window((5, 6), "08:30", "17:00")
                    + _window(tuple(sorted(rng.sample(range(5), 2))), "08:30", "17:30"),
                    team="party", max_hours_month=8, experienced=True,
                    vetted_until="2027-06-30" if skill in ("teacher", "social_worker") else None,
                )
            for _ in range(4):
                self.person(code, ["grid_visit", "general"],
                            _window((5, 6), "08:30", "12:00") + _window((1, 3), "19:00", "21:30"),
                            max_hours_week=6)
            self.person(code, ["talk_host", "general"], _window((1, 2, 3), "19:00", "21:30"),
                        team="party", experienced=True)
            for _ in range(2):
                self.person(code, ["reading_host", "general"],
                            _window((5, 6), "09:00", "17:30") + _window((4,), "19:00", "21:30"),
                            team="youth")
            if programme["escort"]:
                for _ in range(4):
                    self.person(code, ["escort", "general"], _window(tuple(range(5)), "15:30",
                                                                      "17:30"),
                                vetted_until="2027-02-28", max_hours_week=4)
            if programme["canteen"]:
                for _ in range(3):
                    self.person(code, ["cook", "general"], _window(tuple(range(5)), "10:00",
                                                                    "13:30"),
                                age=(45, 66), max_hours_week=10)
            # A high-school volunteer with the guardian's consent, for weekend work.
            self.person(code, ["general", "grid_visit"], _window((5, 6), "09:00", "17:00"),
                        team="youth", age=(16, 17), guardian_name="监护人" + code,
                        guardian_consent=True, guardian_consent_at="2026-02-26T18:30:00",
                        max_hours_week=4)
            target = round(VOLUNTEERS * programme["size"] / total_size)
            for _ in range(max(3, target - (len(self.volunteers) - first))):
                days = tuple(sorted(rng.sample(range(7), rng.randint(2, 5))))
                start, end = rng.choice((("08:00", "18:00"), ("08:30", "21:30"),
                                         ("14:00", "21:30")))
                self.person(code, ["general"], _window(days, start, end),
                            max_hours_week=rng.choice((4, 6, 8, None)))

    # --- programme ----------------------------------------------------------------------------
    def activity(self, code: str, venue: str, type_code: str, name: str, weekdays: tuple[int, ...],
                 start: str, end: str, needs: list[dict[str, Any]], **kw: Any) -> None:
        """One activity whose series covers the week (``school_days`` unless ``kind`` given)."""
        row: dict[str, Any] = {
            "ref": f"{venue}/{type_code}/{len(self.activities) + 1}",
            "community": code,
            "venue": venue,
            "room": None,
            "type_code": type_code,
            "name": name,
            "description": None,
            "recurrence": {"kind": kw.pop("kind", "weekly"), "start_date": WEEK_START.isoformat(),
                           "end_date": WEEK_END.isoformat(), "weekdays": list(weekdays)},
            "start_time": start,
            "end_time": end,
            "needs": needs,
            "min_age": 18,
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
        row.update(kw)
        self.activities.append(row)

    def programme_of_week(self) -> None:
        """Each community's activities in the week."""
        rng = self.rng
        for ci, community in enumerate(self.communities):
            code, name = community["code"], community["name"]
            programme = self.programme[code]
            venues = [v for v in self.venues if v["community"] == code]
            for venue in venues:
                start = venue["after_school_start"]
                groups: list[tuple[str, tuple[int, ...]]] = [("低年级", ())]
                if programme["upper_group"] and venue["kind"] != "satellite_point":
                    groups.append(("高年级", (1, 3)))
                for label, weekdays in groups:
                    self.activity(
                        code, venue["ref"], "after_school", f"四点半课堂（{label}）", weekdays,
                        start, _hhmm_add(start, 120), [{"skill": "tutor", "min": 2, "max": 3}],
                        kind="school_days", room=f"{venue['ref']}:classroom",
                        requires_vetting=True, children_present=True,
                        expected_pupils=rng.randint(12, 30), priority=5, group_label=label,
                        radius_km=RADIUS_KM["after_school"],
                    )
            main = f"{code}-C"
            if programme["escort"]:
                start = venues[0]["after_school_start"]
                self.activity(code, main, "escort", "护学接送（校门口至邻里中心）", (),
                              _hhmm_add(start, -30), start,
                              [{"skill": "escort", "min": 2, "max": 2}], kind="school_days",
                              requires_vetting=True, requires_insurance=True,
                              children_present=True, priority=5,
                              radius_km=RADIUS_KM["escort"])
            if programme["canteen"]:
                days = (0, 2, 4) if rng.random() < 0.4 else (1, 3)
                self.activity(code, main, "elder_canteen", "孝老食堂午餐", days, "10:30", "13:00",
                              [{"skill": "cook", "min": 1, "max": 1},
                               {"skill": "general", "min": 1, "max": 2}],
                              room=f"{main}:canteen", min_age=16, requires_insurance=True,
                              priority=4, radius_km=RADIUS_KM["elder_canteen"])
            type_code, label, skill = OUTREACH[ci % len(OUTREACH)]
            needs = [{"skill": "general", "min": 2, "max": 4}] if skill == "general" else [
                {"skill": skill, "min": 1, "max": 1}, {"skill": "general", "min": 1, "max": 2}]
            self.activity(code, main, type_code, f"{name}{label}", (rng.choice((2, 5, 6)),),
                          "09:00", "11:30", needs, requires_party_lead=True, priority=4,
                          radius_km=RADIUS_KM["outreach"])
            if ci % 2:
                self.activity(code, main, "evening_talk", "城市夜话", (rng.choice((1, 2, 3)),),
                              "19:30", "21:00", [{"skill": "talk_host", "min": 1, "max": 1},
                                                 {"skill": "general", "min": 1, "max": 2}],
                              room=f"{main}:volunteer_station", requires_party_lead=True,
                              radius_km=RADIUS_KM["evening_talk"])
            else:
                day, at = rng.choice(((5, "09:30"), (5, "14:30"), (6, "14:30"), (4, "19:00")))
                self.activity(code, main, "youth_reading", "青年读书会", (day,), at,
                              _hhmm_add(at, 90), [{"skill": "reading_host", "min": 1, "max": 1},
                                                  {"skill": "general", "min": 0, "max": 2}],
                              room=f"{main}:reading_room", min_age=14, priority=2,
                              radius_km=RADIUS_KM["youth_reading"])
            self.activity(code, main, "door_knocking", "敲门行动（网格入户走访）", (5,), "09:00",
                          "11:30", [{"skill": "grid_visit", "min": 2, "max": 3}], min_age=16,
                          radius_km=RADIUS_KM["door_knocking"])

    def shifts(self) -> list[dict[str, Any]]:
        """The week's dated shifts of every activity, by the district's school calendar."""
        calendar = calendar_from_record(_calendar())
        out = []
        for activity in self.activities:
            rec = activity["recurrence"]
            rule = Recurrence(rec["kind"], WEEK_START, WEEK_END, tuple(rec["weekdays"]))
            for day in occurrence_dates(rule, calendar):
                out.append({"activity": activity["ref"], "date": day.isoformat()})
        return out


def _users(communities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    users: list[dict[str, Any]] = [
        {"username": "admin", "role": "admin", "communities": []},
        {"username": "coord_district", "role": "coordinator",
         "communities": [c["code"] for c in communities]},
        {"username": "scheduler", "role": "service", "communities": []},
        {"username": "notifier", "role": "service", "communities": []},
    ]
    for user in users:
        user.update(password=DEMO_PASSWORD, volunteer=None, active=True)
    return users


def build_demo_district() -> dict[str, Any]:
    """The whole demo district as plain records; the same every time (fixed seed)."""
    district = _District()
    district.places()
    district.people()
    district.programme_of_week()
    return {
        "region": REGION,
        "district": DISTRICT,
        "week": {"start": WEEK_START.isoformat(), "end": WEEK_END.isoformat()},
        "communities": district.communities,
        "pairings": district.pairings,
        "grids": district.grids,
        "venues": district.venues,
        "volunteers": district.volunteers,
        "activities": district.activities,
        "shifts": district.shifts(),
        "calendar": _calendar(),
        "users": _users(district.communities),
    }


__all__ = ["DEMO_PASSWORD", "WEEK_END", "WEEK_START", "build_demo_district"]
