"""Realistic planning problems for benchmarks and tests.

Builds ``linli-problem/1`` problems that look like a county (上犹县: 11 communities, 13
neighbourhood centres) or a city district (84–100 communities) planning a week or a month of
community volunteering: 四点半课堂 on school days, "六送" outreach led by party members,
城市夜话, 青年读书会, 孝老食堂 and weekend 敲门行动.  Volunteers have teams, skills,
qualifications that expire, vetting, insurance, weekly availability, leave and hour caps; some
are minors with or without guardian consent.  Scarce specialists and tight evenings leave some
slots unfillable, as in real life.

The output depends only on the preset, the seed and the start date.  Usage::

    python -m scheduler.bench.generator county-week --seed 1 > problem.json
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar

WEIGHTS = {
    "coverage": 1000,
    "over_cover": 0,
    "fairness": 10,
    "preference": 5,
    "requests": 1,
    "continuity": 5,
    "proximity": 1,
    "mentoring": 2,
    "stability": 50,
}


@dataclass(frozen=True)
class Region:
    """Where the communities lie."""

    name: str
    lat: float
    lon: float
    spread_km: float
    place_names: tuple[str, ...]


@dataclass(frozen=True)
class Preset:
    """The size of a generated problem."""

    region: str
    communities: int
    centres: int
    volunteers: int
    start: date
    days: int


COUNTY = Region(
    name="上犹县",
    lat=25.79,
    lon=114.53,
    spread_km=3.0,
    place_names=tuple(
        "东门 南门 西门 北门 犹江 水南 阳明 黄埠 章源 紫阳 双溪 梅岭 营前 寺下 稀土 新城".split()
    ),
)
DISTRICT = Region(
    name="滨城区",
    lat=37.38,
    lon=118.00,
    spread_km=9.0,
    place_names=tuple(
        "渤海 黄河 新立河 彭李 梁才 滨北 市西 市东 杜店 沙河 里则 三河湖 秦皇河 凤凰 兴华 振华 "
        "富源 和平 幸福 康乐 丽景 长江 金海 安居 锦绣 翠竹 丹凤 新华 玉龙 东城 南城 西城 北城 "
        "银座 中海 蒲湖 樱花 运河 滨河 书院".split()
    ),
)
REGIONS = {"county": COUNTY, "district": DISTRICT}

# Week presets: an ordinary spring-term week.  Month presets: four weeks around 劳动节, with
# its holidays and the 调休 Saturday (2026-05-09) that is a school day.
PRESETS = {
    "tiny": Preset("county", 2, 2, 36, date(2026, 3, 2), 7),
    "county-week": Preset("county", 11, 13, 250, date(2026, 3, 2), 7),
    "county-month": Preset("county", 11, 13, 250, date(2026, 4, 27), 28),
    "district-week": Preset("district", 84, 100, 3000, date(2026, 3, 2), 7),
    "district-month": Preset("district", 100, 120, 5000, date(2026, 4, 27), 28),
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严赖覃洪武莫孔"
)
GIVEN_FEMALE = "丽娟敏静秀英华芳燕红霞玲梅兰琴云萍莉婷雪颖慧佳欣怡琳洁倩璐瑶晶"
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆晨阳峰建国林"

# 六送: kind, name, specialist skill (None: general service), its min and max.
OUTREACH = (
    ("outreach_service", "送服务", None, 0, 0),
    ("outreach_education", "送教育", "teacher", 1, 2),
    ("outreach_health", "送健康", "doctor", 1, 2),
    ("outreach_safety", "送平安", "police", 1, 1),
    ("outreach_legal", "送法援", "lawyer", 1, 1),
    ("outreach_care", "送关爱", "social_worker", 1, 2),
)
QUALIFIED_SKILLS = ("teacher", "doctor", "police", "lawyer", "social_worker")
# How far from home a volunteer may be asked to serve, by activity: about the 15-minute walking
# circle for everyday neighbourhood work, wider for outreach, where specialists travel.
RADIUS_KM = {
    "after_school": 3.0,
    "escort": 2.0,
    "holiday_care": 3.0,
    "evening_talk": 2.5,
    "reading_club": 4.0,
    "canteen": 2.0,
    "door_knock": 2.0,
}
OUTREACH_RADIUS_KM = 6.0
ACTIVITY_NAMES = {
    "after_school": "四点半课堂",
    "escort": "四点半课堂接送",
    "holiday_care": "假期托管",
    "evening_talk": "城市夜话",
    "reading_club": "青年读书会",
    "canteen": "孝老食堂",
    "door_knock": "敲门行动",
    **{kind: f"“六送”·{label}" for kind, label, *_ in OUTREACH},
}
CLASS_TIMES = (("16:30", "18:00"), ("16:30", "18:00"), ("16:30", "18:30"), ("17:00", "18:30"))


def km_to_degrees(lat: float, north_km: float, east_km: float) -> tuple[float, float]:
    """Offset in degrees of latitude and longitude for a displacement in km."""
    return north_km / 111.2, east_km / (111.2 * math.cos(math.radians(lat)))


def school_days(start: date, days: int) -> list[bool]:
    """Which horizon days are school days by the official calendar (调休 included)."""
    try:
        return [chinese_calendar.is_workday(start + timedelta(days=i)) for i in range(days)]
    except NotImplementedError as exc:
        raise ValueError(
            f"{start.year} 年的法定节假日尚无官方数据，不能生成四点半课堂班次；请换一个开始日期"
        ) from exc


def statutory_holidays(start: date, days: int) -> list[bool]:
    """Which horizon days are public holidays (not ordinary weekends)."""
    out = []
    for i in range(days):
        day = start + timedelta(days=i)
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        out.append(bool(on_holiday and name))
    return out


class _Builder:
    """Holds the random stream and the growing lists of one generated problem."""

    def __init__(self, preset_name: str, preset: Preset, seed: int, start: date) -> None:
        self.name = preset_name
        self.preset = preset
        self.region = REGIONS[preset.region]
        self.rng = random.Random(f"linli:{preset_name}:{seed}")
        self.start = start
        self.end = start + timedelta(days=preset.days - 1)
        self.communities: list[dict] = []
        self.venues: list[dict] = []
        self.volunteers: list[dict] = []
        self.shifts: list[dict] = []

    # --- places -------------------------------------------------------------------------------
    def _point_near(self, lat: float, lon: float, radius_km: float) -> tuple[float, float]:
        distance = radius_km * math.sqrt(self.rng.random())
        angle = self.rng.uniform(0, 2 * math.pi)
        dlat, dlon = km_to_degrees(lat, distance * math.cos(angle), distance * math.sin(angle))
        return round(lat + dlat, 6), round(lon + dlon, 6)

    def _community_names(self, count: int) -> list[str]:
        names = [
            f"{place}{suffix}社区"
            for suffix in ("", "东", "南", "西", "北", "新村", "花园")
            for place in self.region.place_names
        ]
        # Plain names first so that a county gets the short ones.
        head, tail = names[: len(self.region.place_names)], names[len(self.region.place_names) :]
        self.rng.shuffle(head)
        self.rng.shuffle(tail)
        return (head + tail)[:count]

    def build_places(self) -> None:
        """Communities, their centres (一站多点: some have a satellite point) and grids."""
        p = self.preset
        for index, name in enumerate(self._community_names(p.communities), start=1):
            lat, lon = self._point_near(self.region.lat, self.region.lon, self.region.spread_km)
            self.communities.append(
                {
                    "id": f"c{index:03d}",
                    "name": name,
                    "lat": lat,
                    "lon": lon,
                    "grids": self.rng.randint(2, 5),
                    "canteen": self.rng.random() < 0.55,
                    "venues": [],
                    "size": self.rng.uniform(0.6, 1.5),
                }
            )
        satellites = set(self.rng.sample(range(p.communities), p.centres - p.communities))
        for index, community in enumerate(self.communities):
            kinds = ["邻里中心"] + (["党群服务站"] if index in satellites else [])
            for label in kinds:
                number = len(self.venues) + 1
                if label == "邻里中心":
                    lat, lon = community["lat"], community["lon"]
                else:
                    lat, lon = self._point_near(community["lat"], community["lon"], 0.8)
                venue = {
                    "id": f"v{number:03d}",
                    "name": f"{community['name']}{label}",
                    "community_id": community["id"],
                    "lat": lat,
                    "lon": lon,
                }
                self.venues.append(venue)
                community["venues"].append(venue)
        # Every community has a paired one (结对共建) whose residents may serve in it.
        order = list(range(p.communities))
        self.rng.shuffle(order)
        for a, b in zip(order, order[1:] + order[:1], strict=True):
            self.communities[a]["pair"] = self.communities[b]

    # --- people -------------------------------------------------------------------------------
    def _name(self, female: bool) -> str:
        chars = GIVEN_FEMALE if female else GIVEN_MALE
        given = "".join(self.rng.choice(chars) for _ in range(self.rng.choice((1, 2, 2))))
        return self.rng.choice(SURNAMES) + given

    def _future(self, low: int, high: int) -> str:
        return (self.end + timedelta(days=self.rng.randint(low, high))).isoformat()

    def _past(self, low: int, high: int) -> str:
        return (self.start - timedelta(days=self.rng.randint(low, high))).isoformat()

    def _during(self) -> str:
        return (self.start + timedelta(days=self.rng.randrange(self.preset.days))).isoformat()

    def _windows(self, persona: str) -> list[dict]:
        rng = self.rng

        def window(weekday: int, start: str, end: str) -> dict:
            return {"weekday": weekday, "start": start, "end": end}

        if persona == "retiree":
            days = sorted(rng.sample(range(5), rng.randint(2, 5)))
            late = rng.random() < 0.4
            out = [window(d, "08:00", "21:00" if late else "18:30") for d in days]
            if rng.random() < 0.5:
                out.append(window(5, "08:00", "12:00"))
            return out
        if persona == "teacher":
            days = sorted(rng.sample(range(5), rng.randint(2, 4)))
            out = [window(d, "16:00", "19:30") for d in days]
            if rng.random() < 0.5:
                out.append(window(5, "08:30", "17:00"))
            return out
        if persona == "specialist":
            # Outreach days are arranged with the employer: one or two working days a month.
            days = sorted(rng.sample(range(5), rng.randint(1, 2)))
            out = [window(d, "08:30", "17:30") for d in days]
            out.append(window(rng.choice((5, 6)), "08:30", "17:00"))
            return out
        if persona == "student":
            out = [window(5, "08:30", "20:00"), window(6, "08:30", "20:00")]
            for d in sorted(rng.sample(range(5), rng.randint(0, 2))):
                out.append(window(d, "16:00", "21:00"))
            return out
        if persona == "worker":
            out = [
                window(d, "18:30", "21:30") for d in sorted(rng.sample(range(5), rng.randint(1, 3)))
            ]
            for d in (5, 6):
                if rng.random() < 0.6:
                    out.append(window(d, "08:30", "18:00"))
            return out
        return []  # flexible: available at any time

    def _qualification(self, skill: str) -> dict:
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            valid_until = self._past(1, 200)  # lapsed before the horizon
        elif roll < 0.14:
            valid_until = self._during()  # lapses during the horizon
        else:
            valid_until = self._future(30, 900)
        return {
            "skill": skill,
            "verified": rng.random() > 0.06,
            "valid_from": self._past(200, 2000),
            "valid_until": valid_until,
        }

    def build_volunteers(self) -> None:
        """Volunteers spread over communities by size, each with a persona."""
        rng = self.rng
        p = self.preset
        total_size = sum(c["size"] for c in self.communities)
        homes = []
        for community in self.communities:
            homes += [community] * max(3, round(p.volunteers * community["size"] / total_size))
        rng.shuffle(homes)
        homes = (homes * 2)[: p.volunteers]
        personas = (
            ("retiree", 0.28),
            ("teacher", 0.2),
            ("specialist", 0.12),
            ("student", 0.17),
            ("worker", 0.15),
            ("flexible", 0.08),
        )
        for index, community in enumerate(homes, start=1):
            persona = rng.choices([n for n, _ in personas], [w for _, w in personas])[0]
            team = {
                "retiree": rng.choice(("party", "party", "women")),
                "teacher": rng.choice(("party", "youth", "women")),
                "specialist": rng.choice(("party", "party", "youth", "women")),
                "student": "youth",
                "worker": rng.choice(("party", "youth", "women", "women")),
                "flexible": rng.choice(("party", "women")),
            }[persona]
            female = team == "women" or rng.random() < 0.5
            age = {
                "retiree": rng.randint(56, 72),
                "teacher": rng.randint(24, 58),
                "specialist": rng.randint(27, 58),
                "student": rng.randint(16, 24),
                "worker": rng.randint(23, 55),
                "flexible": rng.randint(30, 68),
            }[persona]
            minor = age < 18
            birth = date(self.start.year - age, rng.randint(1, 12), rng.randint(1, 28))

            skills = ["general"]
            qualifications = []
            if persona == "teacher" or (persona == "retiree" and rng.random() < 0.5):
                skills.append("tutor")
                if persona == "teacher" or rng.random() < 0.5:
                    skills.append("teacher")
                    qualifications.append(self._qualification("teacher"))
            if persona == "student" and age >= 18 and rng.random() < 0.6:
                skills.append("tutor")
            if persona == "specialist":
                skill = rng.choices(
                    ("doctor", "police", "lawyer", "social_worker", "teacher"), (30, 22, 13, 25, 10)
                )[0]
                skills.append(skill)
                qualifications.append(self._qualification(skill))
            if persona in ("retiree", "flexible", "worker") and rng.random() < 0.12:
                skills.append("cook")
            if rng.random() < 0.04:
                skills.append("barber")

            working_with_children = "tutor" in skills or persona in ("teacher", "retiree")
            roll = rng.random()
            if minor:
                vetted = None
            elif working_with_children and roll < 0.85:
                vetted = self._future(20, 700)
            elif working_with_children and roll < 0.93:
                vetted = self._past(1, 300)
            else:
                vetted = self._future(20, 700) if roll < 0.25 else None
            roll = rng.random()
            insured = (
                self._future(10, 365)
                if roll < 0.65
                else self._past(1, 200)
                if roll < 0.75
                else None
            )

            leave = []
            if rng.random() < 0.15:
                first = self.start + timedelta(days=rng.randrange(p.days))
                leave.append(
                    {
                        "start": first.isoformat(),
                        "end": (first + timedelta(rng.randint(0, 6))).isoformat(),
                    }
                )
            own_venue = rng.choice(community["venues"])
            if rng.random() < 0.1:
                base = community["pair"]
                lat, lon = self._point_near(base["lat"], base["lon"], 1.0)
            else:
                lat, lon = self._point_near(own_venue["lat"], own_venue["lon"], 1.2)
            prefs: dict = {"venues": [], "avoid_venues": [], "partners": [], "shift_requests": []}
            if rng.random() < 0.4:
                prefs["venues"] = [own_venue["id"]]
            if rng.random() < 0.05:
                prefs["avoid_venues"] = [rng.choice(self.venues)["id"]]
            if rng.random() < 0.2:
                prefs["shift_requests"].append(
                    {
                        "date": self._during(),
                        "kind": None,
                        "want": False,
                        "weight": rng.randint(1, 3),
                    }
                )
            max_by_kind = {}
            if "tutor" in skills and rng.random() < 0.15:
                max_by_kind["after_school"] = 2 if p.days <= 7 else 6
            volunteer = {
                "id": f"p{index:05d}",
                "name": self._name(female),
                "community_id": community["id"],
                "team": team,
                "party_member": team == "party" or rng.random() < 0.12,
                "skills": skills,
                "qualifications": qualifications,
                "vetted_until": vetted,
                "insured_until": insured,
                "birth_date": birth.isoformat(),
                "guardian_consent": minor and rng.random() < 0.8,
                "availability": self._windows(persona),
                "leave": leave,
                "max_hours_week": rng.choice((4, 6, 6, 8, 10, None)),
                "max_hours_month": rng.choice((16, 20, 24, 30, 40, None)),
                "max_shifts_by_kind": max_by_kind,
                "home": {"lat": lat, "lon": lon},
                "experienced": rng.random() < 0.55,
                "preferences": prefs,
            }
            self.volunteers.append(volunteer)
        # Partners: friends who like to serve together, within one community.
        by_community: dict[str, list[dict]] = {}
        for v in self.volunteers:
            by_community.setdefault(v["community_id"], []).append(v)
        for group in by_community.values():
            for v in group:
                if len(group) > 1 and rng.random() < 0.1:
                    other = rng.choice([o for o in group if o is not v])
                    v["preferences"]["partners"] = [other["id"]]

    # --- shifts -------------------------------------------------------------------------------
    def _shift(
        self,
        kind: str,
        activity: str,
        venue: dict,
        day: int,
        times: tuple[str, str],
        needs: list[dict],
        *,
        priority: int,
        group_id: str | None = None,
        children: bool = False,
        vetting: bool = False,
        insurance: bool = False,
        party_lead: bool = False,
        min_age: int | None = 18,
    ) -> None:
        self.shifts.append(
            {
                "id": f"s{len(self.shifts) + 1:05d}",
                "activity_id": activity,
                "kind": kind,
                "venue_id": venue["id"],
                "community_id": venue["community_id"],
                "date": (self.start + timedelta(days=day)).isoformat(),
                "start": times[0],
                "end": times[1],
                "group_id": group_id,
                "priority": priority,
                "children_present": children,
                "needs": needs,
                "requires": {
                    "vetting": vetting,
                    "insurance": insurance,
                    "party_lead": party_lead,
                    "min_age": min_age,
                    "max_age": None,
                    "radius_km": RADIUS_KM.get(kind, OUTREACH_RADIUS_KM),
                },
                "meta": {"name": ACTIVITY_NAMES[kind]},
            }
        )

    @staticmethod
    def _need(skill: str, low: int, high: int) -> dict:
        return {"skill": skill, "min": low, "max": high, "weight_under": None, "weight_over": None}

    def build_shifts(self) -> None:
        """Each community's programme over the horizon."""
        rng = self.rng
        days = self.preset.days
        school = school_days(self.start, days)
        holiday = statutory_holidays(self.start, days)
        weekday = [(self.start + timedelta(days=d)).weekday() for d in range(days)]
        for c_index, community in enumerate(self.communities):
            cid = community["id"]
            main = community["venues"][0]
            # 四点半课堂 at every centre; bigger ones run a second (upper-grade) group.
            for venue in community["venues"]:
                times = rng.choice(CLASS_TIMES)
                groups = [("低年级", set(range(5)))]
                if rng.random() < 0.3:
                    groups.append(("高年级", set(rng.sample(range(5), 2))))
                escort = rng.random() < 0.15
                holiday_care = rng.random() < 0.4
                for label, weekdays in groups:
                    pupils = rng.randint(12, 30)
                    tutors = max(2, math.ceil(pupils / 12))
                    group_id = f"{venue['id']}-{label}"
                    activity = f"a-{venue['id']}-after_school-{label}"
                    for d in range(days):
                        # A 调休 Saturday or Sunday is a school day for every group.
                        if school[d] and (weekday[d] in weekdays or weekday[d] >= 5):
                            self._shift(
                                "after_school",
                                activity,
                                venue,
                                d,
                                times,
                                [self._need("tutor", tutors, tutors + 1)],
                                priority=3,
                                group_id=group_id,
                                children=True,
                                vetting=True,
                            )
                    if label == "低年级" and escort:
                        # Walk the pupils over from the school gate before class starts.
                        begin = int(times[0][:2]) * 60 + int(times[0][3:]) - 25
                        start = f"{begin // 60:02d}:{begin % 60:02d}"
                        for d in range(days):
                            if school[d]:
                                self._shift(
                                    "escort",
                                    f"a-{venue['id']}-escort",
                                    venue,
                                    d,
                                    (start, times[0]),
                                    [self._need("general", 2, 2)],
                                    priority=3,
                                    children=True,
                                    vetting=True,
                                )
                if holiday_care:
                    for d in range(days):
                        if holiday[d] and weekday[d] < 5:
                            self._shift(
                                "holiday_care",
                                f"a-{venue['id']}-holiday_care",
                                venue,
                                d,
                                ("09:00", "11:30"),
                                [self._need("tutor", 2, 3)],
                                priority=2,
                                children=True,
                                vetting=True,
                            )
            # 六送: two outreach visits a week, the type rotating across communities and weeks.
            for week in range(math.ceil(days / 7)):
                for slot in range(2):
                    kind, label, skill, low, high = OUTREACH[(c_index * 2 + week * 3 + slot) % 6]
                    d = week * 7 + rng.choice((1, 2, 3, 5) if slot else (0, 2, 4, 5))
                    if d >= days or (holiday[d] and rng.random() < 0.5):
                        continue
                    times = rng.choice((("09:00", "11:30"), ("14:30", "17:00")))
                    if skill is None:
                        needs = [self._need("general", 3, 5)]
                        if rng.random() < 0.5:
                            needs.append(self._need("barber", 1, 1))  # 义剪
                    else:
                        needs = [self._need(skill, low, high), self._need("general", 1, 2)]
                    self._shift(
                        kind,
                        f"a-{cid}-{kind}",
                        main,
                        d,
                        times,
                        needs,
                        priority=2,
                        party_lead=True,
                    )
            # 城市夜话 every other week; 青年读书会 every other week at staggered times.
            talk_day = rng.choice((2, 3))
            club = rng.choice(
                ((5, ("09:30", "11:00")), (5, ("14:30", "16:00")), (4, ("19:00", "20:30")))
            )
            for week in range(math.ceil(days / 7)):
                if (week + c_index) % 2 == 0 and week * 7 + talk_day < days:
                    self._shift(
                        "evening_talk",
                        f"a-{cid}-evening_talk",
                        main,
                        week * 7 + talk_day,
                        ("19:30", "21:00"),
                        [self._need("general", 2, 3)],
                        priority=1,
                        party_lead=True,
                    )
                if (week + c_index) % 2 == 1 and week * 7 + club[0] < days:
                    self._shift(
                        "reading_club",
                        f"a-{cid}-reading_club",
                        main,
                        week * 7 + club[0],
                        club[1],
                        [self._need("general", 2, 3)],
                        priority=1,
                        min_age=14,
                    )
            # 孝老食堂 midday on two or three weekdays where the community runs a canteen.
            if community["canteen"]:
                canteen_days = {0, 2, 4} if rng.random() < 0.3 else {1, 3}
                for d in range(days):
                    if weekday[d] in canteen_days and not holiday[d]:
                        self._shift(
                            "canteen",
                            f"a-{cid}-canteen",
                            main,
                            d,
                            ("10:30", "13:00"),
                            [self._need("cook", 1, 1), self._need("general", 2, 3)],
                            priority=3,
                            insurance=True,
                        )
            # 敲门行动: one grid a weekend, rotating through the community's grids.
            door_day = rng.choice((5, 6))
            for week in range(math.ceil(days / 7)):
                d = week * 7 + door_day
                if d < days:
                    grid = week % community["grids"] + 1
                    self._shift(
                        "door_knock",
                        f"a-{cid}-door_knock",
                        main,
                        d,
                        ("09:00", "11:30"),
                        [self._need("general", 2, 3)],
                        priority=2,
                        group_id=f"{cid}-网格{grid}",
                        min_age=16,
                    )

    def problem(self) -> dict:
        """The assembled problem."""
        return {
            "format": "linli-problem/1",
            "meta": {
                "generator": "scheduler.bench.generator",
                "preset": self.name,
                "region": self.region.name,
                "communities": [
                    {"id": c["id"], "name": c["name"], "paired_with": c["pair"]["id"]}
                    for c in self.communities
                ],
            },
            "horizon": {"start": self.start.isoformat(), "end": self.end.isoformat()},
            "rules": {
                "max_shifts_per_day": 2,
                "min_rest_minutes": 0,
                "max_consecutive_days": None,
                "travel_speed_kmh": 15,
                "travel_buffer_minutes": 10,
                "minor_daytime": ["08:00", "20:00"],
                "min_adults_with_children": 2,
                "forbidden_successions": [],
                "min_block_boundary": "exempt",
            },
            "weights": dict(WEIGHTS),
            "venues": self.venues,
            "volunteers": self.volunteers,
            "shifts": self.shifts,
            "pins": [],
        }


def generate(preset: str, seed: int = 0, start: date | None = None) -> dict:
    """Generate the problem of a preset; the same arguments always give the same problem."""
    try:
        spec = PRESETS[preset]
    except KeyError:
        raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}") from None
    builder = _Builder(preset, spec, seed, start or spec.start)
    builder.build_places()
    builder.build_volunteers()
    builder.build_shifts()
    return builder.problem()


def main(argv: list[str] | None = None) -> int:
    """Print a generated problem as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m scheduler generate", description="生成一个逼真的排班问题（JSON）"
    )
    parser.add_argument("preset", choices=sorted(PRESETS), help="问题规模")
    parser.add_argument("--seed", type=int, default=0, help="随机种子（相同种子得到相同问题）")
    parser.add_argument(
        "--start", type=date.fromisoformat, default=None, help="开始日期 YYYY-MM-DD"
    )
    parser.add_argument("--indent", type=int, default=None, help="JSON 缩进")
    parser.add_argument("-o", "--output", default="-", help="输出文件（默认标准输出）")
    args = parser.parse_args(argv)
    try:
        problem = generate(args.preset, seed=args.seed, start=args.start)
    except ValueError as exc:
        parser.error(str(exc))
    text = json.dumps(problem, ensure_ascii=False, indent=args.indent) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
