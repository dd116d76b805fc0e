"""A clean, realistic register for one township: every sheet of the schema, every rule kept.

Rule parameters (cut-off, observation days, staffing ranges, shifts, measures, symptoms,
joint-defence minimum) come from ``config.schema.rules``; the township and its villages from
``config.county``. The register is cumulative: rows for every day so far.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass

from ..config.county import Config, Township
from ..config.schema import Rules
from .model import Row, Table
from .names import (
    CHECKPOINT_SUFFIXES,
    DONATION_ITEMS,
    DONATION_PRICES,
    DONORS,
    GROUP_NUMERALS,
    HUBEI,
    HUBEI_CITIES,
    OTHER_PLACES,
    RURAL_CATEGORY,
    TOWN_CENTRE_CATEGORY,
    URBAN_COMMUNITY_HEADS,
    URBAN_ESTATES,
    VILLAGE_HEADS,
)
from .people import IdFactory, People

# Screened persons and households per township at scale 1 (scale 100 = county size:
# 40,000 screened persons per township, 400,000 over ten).
SCREENED_PER_TOWNSHIP = 400
HOUSEHOLDS_PER_TOWNSHIP = 300
# Checkpoints, publicity and teams started some days after the screening cut-off (the county
# started checkpoints and the publicity campaign in late January); sample content only.
CAMPAIGN_DAYS_AFTER_CUTOFF = 16
NOTES = ("春节返乡", "务工返乡", "探亲", "学生放假返乡", "经商返乡", "走亲访友")


@dataclass
class Grid:
    row: Row
    grid_id: str
    village: str
    group: str
    category: str  # the 住户类别 of its households
    staff: list[str]  # names a household's 包保责任人 is chosen from
    defence_size: int
    defence_party_members: int


@dataclass
class Household:
    row: Row
    household_id: str
    responsible: str


def short_name(township: str) -> str:
    """扎西镇 -> 扎西 (for checkpoint and team names)."""
    return township[:-1] if len(township) > 2 and township[-1] in "镇乡" else township


def is_seat(config: Config, township: Township) -> bool:
    seat = config.county.seat
    return bool(seat) and township.name.startswith(seat)


def campaign_start(rules: Rules, report_date: dt.date) -> dt.date:
    start = rules.cutoff_date + dt.timedelta(days=CAMPAIGN_DAYS_AFTER_CUTOFF)
    return min(start, report_date)


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def new_table(config: Config, sheet: str) -> Table:
    return Table(sheet, [c.name for c in config.schema.sheet(sheet).columns], [])


def add(table: Table, values: dict[str, object]) -> Row:
    row = [values.get(c) for c in table.columns]
    table.rows.append(row)
    return row


class TownshipBuilder:
    """Builds the clean tables of one township register."""

    def __init__(self, config: Config, township: Township, report_date: dt.date, scale: float,
                 rng: random.Random, ids: IdFactory) -> None:
        self.config = config
        self.rules = config.schema.rules
        self.township = township
        self.date = report_date
        self.scale = scale
        self.rng = rng
        self.people = People(rng, ids, config.county.area_code or "530629", report_date)
        self.short = short_name(township.name)
        self.seat = is_seat(config, township)
        self.start = campaign_start(self.rules, report_date)
        self.grids: list[Grid] = []
        self.households: list[Household] = []
        self.checkpoints: list[str] = []

    # -- sheets ------------------------------------------------------------------------
    def build(self) -> dict[str, Table]:
        tables = {
            "填报信息": self.info(),
            "网格": self.grid_table(),
        }
        tables["住户"] = self.household_table()
        tables["排查登记"] = self.screening_table()
        tables["卡点值守"] = self.checkpoint_table()
        tables["队伍"] = self.team_table()
        tables["宣传"] = self.publicity_table()
        tables["捐赠"] = self.donation_table()
        return tables

    def info(self) -> Table:
        t = new_table(self.config, "填报信息")
        add(t, {"填报单位": self.township.name, "填报日期": self.date,
                "填报人": self.people.staff_name(), "联系电话": self.people.mobile(),
                "审核人": self.people.staff_name()})
        return t

    def villages(self) -> list[tuple[str, bool]]:
        """(village name, is an urban community)."""
        r = self.rng
        if self.township.villages:
            return [(v, v.endswith("社区")) for v in self.township.villages]
        heads = list(VILLAGE_HEADS)
        r.shuffle(heads)
        if self.seat:
            urban = list(URBAN_COMMUNITY_HEADS)
            r.shuffle(urban)
            out = [(f"{h}社区", True) for h in urban[: r.randint(5, 7)]]
            return out + [(f"{h}村", False) for h in heads[: r.randint(2, 3)]]
        out = [(f"{self.short}社区", True)] if r.random() < 0.7 else []
        return out + [(f"{h}村", False) for h in heads[: r.randint(6, 10)]]

    def grid_table(self) -> Table:
        t = new_table(self.config, "网格")
        r, p = self.rng, self.people
        per_village = max(2, min(20, round(r.uniform(3, 5) * math.sqrt(self.scale))))
        jd_min = self.rules.joint_defence_min
        estates = list(URBAN_ESTATES)
        for v_no, (village, urban) in enumerate(self.villages(), start=1):
            n_groups = max(1, per_village + r.randint(-1, 1))
            for g_no in range(1, n_groups + 1):
                grid_id = f"{self.township.code}-{v_no:02d}-{g_no:02d}"
                if urban and self.seat:
                    pattern, category = estates[(v_no * 7 + g_no) % len(estates)]
                    group = pattern.format(h=village[:-2]) if g_no <= len(estates) else (
                        f"{village[:-2]}第{g_no}网格")
                    if g_no > len(estates):
                        category = TOWN_CENTRE_CATEGORY
                elif urban:
                    group, category = f"{GROUP_NUMERALS[(g_no - 1) % 20]}组", TOWN_CENTRE_CATEGORY
                else:
                    group, category = f"{GROUP_NUMERALS[(g_no - 1) % 20]}组", RURAL_CATEGORY
                values: dict[str, object] = {
                    "网格编号": grid_id, "乡镇": self.township.name, "村(社区)": village,
                    "村民小组/小区": group,
                }
                staff: list[str] = []
                for role, (lo, hi) in self.rules.grid_staffing.items():
                    names = [p.staff_name() for _ in range(r.randint(lo, hi))]
                    values[role] = "、".join(names)
                    if role != "网格长":
                        staff.extend(names)
                size = r.randint(jd_min, jd_min + 15)
                party = r.randint(1, min(size, 8))
                values["联防队人数"], values["联防队党员人数"] = size, party
                values["联系电话"] = p.phone(0.15)
                row = add(t, values)
                self.grids.append(Grid(row, grid_id, village, group, category, staff, size,
                                       party))
        return t

    def household_table(self) -> Table:
        t = new_table(self.config, "住户")
        r, p = self.rng, self.people
        n = max(len(self.grids), round(HOUSEHOLDS_PER_TOWNSHIP * self.scale))
        counters = [0] * len(self.grids)
        order = list(range(len(self.grids))) + [
            r.randrange(len(self.grids)) for _ in range(n - len(self.grids))]
        order.sort()
        for gi in order:
            grid = self.grids[gi]
            counters[gi] += 1
            k = counters[gi]
            head = p.person(male=r.random() < 0.8, min_age=25, max_age=80)
            category = grid.category
            if category == RURAL_CATEGORY and r.random() < 0.03:
                category = TOWN_CENTRE_CATEGORY
            responsible = r.choice(grid.staff)
            hid = f"{grid.grid_id}-{k:03d}"
            row = add(t, {
                "户编号": hid, "网格编号": grid.grid_id, "户主姓名": head.name,
                "身份证号": head.id_number, "联系电话": head.phone if r.random() < 0.95 else None,
                "家庭人口数": r.choice((1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7)),
                "住址": f"{grid.village}{grid.group}{k}号", "住户类别": category,
                "包保责任人": responsible,
            })
            self.households.append(Household(row, hid, responsible))
        return t

    def screening_table(self) -> Table:
        t = new_table(self.config, "排查登记")
        r, p, rules = self.rng, self.people, self.rules
        n = max(1, round(SCREENED_PER_TOWNSHIP * self.scale))
        span = (self.date - rules.cutoff_date).days
        obs = dt.timedelta(days=rules.observation_days)
        normal = next((v for v in self.config.schema.sheet("排查登记").column("健康状况").values
                       if v not in rules.symptoms), "正常")
        managed = rules.managed_measures
        hubei_cities = [c for c, _ in HUBEI_CITIES]
        hubei_weights = [w for _, w in HUBEI_CITIES]
        others = [c for c, _ in OTHER_PLACES]
        other_weights = [w for _, w in OTHER_PLACES]
        for i in range(n):
            hh = self.households[r.randrange(len(self.households))]
            hubei = r.random() < 0.08
            person = p.person(min_age=1 if r.random() < 0.1 else 16,
                              max_age=85 if r.random() < 0.1 else 60, hubei=hubei)
            origin = (HUBEI + r.choices(hubei_cities, hubei_weights)[0] if hubei
                      else r.choices(others, other_weights)[0])
            arrival = rules.cutoff_date + dt.timedelta(
                days=round(r.triangular(0, span, span * 0.55)))
            contact = "有" if (hubei and r.random() < 0.3) or r.random() < 0.03 else "无"
            x = r.random()
            health = normal if x > 0.025 else r.choice(rules.symptoms)
            symptomatic = health != normal
            risk = hubei or contact == "有" or symptomatic
            start = end = None
            if risk or r.random() < 0.08:
                start, end = arrival, arrival + obs
                if symptomatic:
                    measure = managed[-1] if r.random() < 0.6 else managed[1 % len(managed)]
                elif end <= self.date and r.random() < 0.85:
                    measure = rules.released_measure
                elif hubei and r.random() < 0.3:
                    measure = managed[1 % len(managed)]
                else:
                    measure = managed[0]
            else:
                measure = rules.unmanaged_measure
            add(t, {
                "序号": i + 1, "姓名": person.name, "性别": person.sex,
                "身份证号": person.id_number, "联系电话": person.phone,
                "户编号": hh.household_id, "来源地": origin,
                "是否湖北来威": "是" if hubei else "否", "抵威日期": arrival, "接触史": contact,
                "健康状况": health, "管控措施": measure, "观察起始日期": start,
                "观察解除日期": end, "包保责任人": hh.responsible,
                "备注": r.choice(NOTES) if r.random() < 0.2 else None,
            })
        return t

    def checkpoint_table(self) -> Table:
        t = new_table(self.config, "卡点值守")
        r, p = self.rng, self.people
        suffixes = list(CHECKPOINT_SUFFIXES)
        r.shuffle(suffixes)
        self.checkpoints = [f"{self.short}{s}" for s in suffixes[: r.randint(2, 4)]]
        leaders = {cp: [p.staff_name() for _ in self.rules.shifts] for cp in self.checkpoints}
        for day in days(self.start, self.date):
            for cp in self.checkpoints:
                for k, shift in enumerate(self.rules.shifts):
                    staff = r.randint(4, 9)
                    night = k == len(self.rules.shifts) - 1
                    vehicles = r.randint(10, 60) if night else r.randint(60, 260)
                    add(t, {"日期": day, "卡点名称": cp, "班次": shift, "值守人数": staff,
                            "其中党员": r.randint(1, staff), "检查车辆": vehicles,
                            "检查人员": vehicles * r.randint(2, 3),
                            "体温异常人数": 1 if r.random() < 0.03 else 0,
                            "负责人": leaders[cp][k]})
        return t

    def team_table(self) -> Table:
        t = new_table(self.config, "队伍")
        r, p = self.rng, self.people
        kinds = self.config.schema.sheet("队伍").column("类型").values
        volunteer, vanguard, medical, branch, defence = (list(kinds) + [""] * 5)[:5]
        for village in dict.fromkeys(g.village for g in self.grids):
            size = r.randint(10, 40)
            add(t, {"队伍名称": f"{village}党员志愿服务队", "类型": volunteer, "人数": size,
                    "党员人数": r.randint(size // 2, size), "负责人": p.staff_name()})
        for k in range(r.randint(1, 2)):
            size = r.randint(15, 40)
            add(t, {"队伍名称": f"{self.short}党员先锋队" + ("" if k == 0 else f"第{k + 1}分队"),
                    "类型": vanguard, "人数": size, "党员人数": size, "负责人": p.staff_name()})
        for k in range(r.randint(1, 2)):
            size = r.randint(5, 12)
            add(t, {"队伍名称": f"{self.short}卫生院医疗小分队{'' if k == 0 else k + 1}",
                    "类型": medical, "人数": size, "党员人数": r.randint(1, size),
                    "负责人": p.staff_name()})
        for cp in self.checkpoints:
            size = r.randint(3, 9)
            add(t, {"队伍名称": f"{cp}临时党支部", "类型": branch, "人数": size,
                    "党员人数": size, "负责人": p.staff_name()})
        for g in self.grids:
            add(t, {"队伍名称": f"{g.village}{g.group}联防队", "类型": defence,
                    "人数": g.defence_size, "党员人数": g.defence_party_members,
                    "负责人": p.staff_name()})
        return t

    def publicity_table(self) -> Table:
        t = new_table(self.config, "宣传")
        r = self.rng
        for day in days(self.start, self.date):
            add(t, {"日期": day, "宣传资料(份)": r.randint(200, 3000),
                    "标语横幅(条)": r.randint(5, 60), "宣传车(辆次)": r.randint(1, 10),
                    "摩托车(辆次)": r.randint(2, 30), "应急广播(次)": r.randint(5, 40),
                    "取消宴席聚会(户)": r.randint(0, 12)})
        return t

    def donation_table(self) -> Table:
        t = new_table(self.config, "捐赠")
        r, p = self.rng, self.people
        recipients = [f"{self.township.name}人民政府", f"{self.short}卫生院",
                      *(f"{g.village}委会" if g.village.endswith("村") else g.village
                        for g in self.grids[:3])]
        per_day = max(1, round(2 * self.scale ** 0.3))
        for day in days(self.start, self.date):
            for _ in range(r.randint(0, per_day)):
                item, unit, lo, hi = r.choice(DONATION_ITEMS)
                quantity = round(r.uniform(lo, hi) / 10) * 10 or lo
                amount = round(quantity * DONATION_PRICES[item], 2)
                donor = r.choice(DONORS)
                if donor in ("爱心人士", "个体工商户"):
                    donor = f"{donor}{p.staff_name()}"
                add(t, {"日期": day, "捐赠方": donor, "物资名称": item, "数量": quantity,
                        "计量单位": unit, "折合金额(元)": amount if r.random() < 0.9 else None,
                        "接收单位": r.choice(recipients), "经办人": p.staff_name()})
        return t

