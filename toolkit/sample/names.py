"""Word lists for plausible sample content: Chinese names, places, area codes, donors.

This is sample *content*, not rules: the county, its townships and every rule parameter come
from the configuration. Surname weights follow the published frequency ranking (Ministry of
Public Security 2019/2020 lists), rounded; surnames common in north-east Yunnan get a little
extra weight.
"""

from __future__ import annotations

import random

# (surname, relative frequency in ‰, roughly)
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 72), ("李", 72), ("张", 68), ("刘", 55), ("陈", 46), ("杨", 40), ("黄", 25),
    ("赵", 23), ("吴", 21), ("周", 21), ("徐", 13), ("孙", 12), ("马", 12), ("朱", 11),
    ("胡", 11), ("郭", 11), ("何", 10), ("罗", 12), ("高", 10), ("林", 8), ("郑", 7),
    ("梁", 7), ("谢", 7), ("宋", 6), ("唐", 6), ("许", 6), ("韩", 6), ("邓", 6),
    ("冯", 6), ("曹", 5), ("彭", 5), ("曾", 5), ("肖", 5), ("田", 5), ("董", 5),
    ("潘", 4), ("袁", 4), ("蔡", 4), ("蒋", 4), ("余", 4), ("于", 4), ("杜", 4),
    ("叶", 4), ("程", 4), ("魏", 4), ("苏", 4), ("吕", 3), ("丁", 3), ("任", 3),
    ("卢", 3), ("姚", 3), ("沈", 3), ("钟", 3), ("姜", 3), ("崔", 3), ("谭", 3),
    ("陆", 3), ("范", 3), ("汪", 3), ("廖", 3), ("石", 3), ("金", 3), ("韦", 3),
    ("贾", 3), ("夏", 3), ("付", 3), ("方", 2), ("邹", 2), ("熊", 3), ("白", 2),
    ("孟", 2), ("秦", 2), ("邱", 2), ("侯", 2), ("江", 2), ("尹", 2), ("薛", 2),
    ("闫", 2), ("段", 2), ("雷", 2), ("龙", 3), ("黎", 2), ("史", 2), ("陶", 3),
    ("贺", 2), ("毛", 2), ("郝", 2), ("顾", 2), ("龚", 2), ("邵", 2), ("万", 2),
    ("覃", 1), ("武", 2), ("钱", 1), ("戴", 2), ("严", 1), ("莫", 1), ("孔", 1),
    ("向", 2), ("常", 1), ("汤", 1), ("康", 1), ("易", 1), ("乔", 1), ("赖", 1),
    ("文", 1), ("施", 1), ("洪", 1), ("牛", 1), ("邬", 1), ("申", 1), ("母", 1),
    ("兰", 1), ("幸", 1), ("殷", 1), ("颜", 1), ("游", 1), ("欧阳", 0.5), ("诸葛", 0.1),
)

MALE_CHARS = (
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏",
    "华", "飞", "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "峰", "建", "国", "文",
    "云", "林", "龙", "海", "荣", "德", "福", "贵", "发", "成", "才", "中", "兵", "江",
    "川", "东", "志", "永", "洪", "祥", "金", "昌", "开", "兴", "学", "光", "顺", "友",
    "忠", "家", "富", "松", "坤",
)
FEMALE_CHARS = (
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "琳", "倩",
    "梅", "兰", "英", "秀", "红", "萍", "莉", "琴", "慧", "佳", "欣", "怡", "月", "春",
    "花", "凤", "菊", "珍", "桂", "群", "美", "蓉", "丹", "洁", "晶", "颖", "娇", "小",
    "翠", "巧", "莲", "琼", "先", "会", "银", "利",
)
# middle characters that go with either sex in a two-character given name
MIDDLE_CHARS = (
    "德", "文", "明", "永", "建", "国", "志", "家", "世", "正", "光", "天", "应", "泽",
    "朝", "兴", "开", "绍", "学", "远", "成", "仕", "发", "昌", "先", "友", "乾", "启",
)

# village name parts (mountain county in north-east Yunnan)
VILLAGE_HEADS = (
    "河坝", "大田", "石坎", "青杠", "核桃", "水井", "龙洞", "马鞍", "杉树", "大湾",
    "坪上", "新街", "落木", "岩脚", "双龙", "桂花", "大坪", "小河", "观音", "营盘",
    "回龙", "麻柳", "白果", "高坎", "硝厂", "茶园", "竹林", "庙坝", "凉风", "水口",
    "团结", "新田", "松林", "瓦厂", "红岩", "长坝", "林口", "花坪", "三元", "黄坪",
)
URBAN_COMMUNITY_HEADS = ("东城", "西街", "南屏", "北门", "新城", "红旗", "云峰", "凤凰",
                         "扎营", "文化")
GROUP_NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一",
                  "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十")
# kinds of 小区 in a county seat and the 住户类别 each implies
URBAN_ESTATES: tuple[tuple[str, str], ...] = (
    ("{h}单位宿舍", "单位职工住户"), ("{h}职工小区", "单位职工住户"),
    ("{h}花园", "商业小区住户"), ("{h}御景苑", "商业小区住户"), ("{h}商住小区", "商业小区住户"),
    ("{h}易迁安置小区", "易迁小区住户"), ("{h}易地扶贫搬迁小区", "易迁小区住户"),
    ("{h}片区散户", "社区散户"), ("{h}老街片区", "社区散户"),
)
RURAL_CATEGORY = "农村住户"
TOWN_CENTRE_CATEGORY = "社区散户"

# places people arrive from: (province, city)
HUBEI = "湖北省"
HUBEI_CITIES: tuple[tuple[str, float], ...] = (
    ("武汉市", 60), ("孝感市", 8), ("黄冈市", 8), ("荆州市", 5), ("宜昌市", 4), ("襄阳市", 3),
    ("十堰市", 2), ("随州市", 2), ("咸宁市", 2), ("鄂州市", 2), ("黄石市", 2), ("荆门市", 1),
    ("恩施州", 1),
)
# ID area codes of Hubei cities (Wuhan districts first)
HUBEI_AREAS = ("420102", "420103", "420104", "420106", "420111", "420115", "420902",
               "421102", "421002", "420502")
OTHER_PLACES: tuple[tuple[str, float], ...] = (
    ("广东省东莞市", 14), ("广东省深圳市", 12), ("广东省广州市", 6), ("广东省佛山市", 5),
    ("浙江省温州市", 8), ("浙江省宁波市", 6), ("浙江省杭州市", 4), ("浙江省义乌市", 3),
    ("福建省晋江市", 5), ("福建省厦门市", 3), ("江苏省苏州市", 5), ("上海市", 4),
    ("四川省成都市", 6), ("四川省泸州市", 4), ("四川省宜宾市", 3), ("贵州省毕节市", 4),
    ("贵州省贵阳市", 3), ("重庆市", 6), ("云南省昆明市", 8), ("云南省昭通市", 6),
    ("北京市", 2), ("天津市", 1), ("山东省青岛市", 1), ("河南省郑州市", 1), ("湖南省长沙市", 2),
)
# ID area codes near the county (same prefecture and neighbours) and farther away
NEARBY_AREAS = ("530602", "530627", "530628", "530623", "530624", "510524", "520525")
FAR_AREAS = ("440306", "441900", "330302", "350582", "320505", "510104", "500101", "530102")

LANDLINE_CODE = "0870"  # 昭通 area code for the few landlines in the sample
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150",
    "151", "152", "153", "155", "156", "157", "158", "159", "166", "173", "177", "178",
    "180", "181", "182", "183", "185", "186", "187", "188", "189", "198", "199",
)

CHECKPOINT_SUFFIXES = ("高速路口卡点", "客运站卡点", "集镇入口卡点", "省道检查点", "桥头卡点",
                       "收费站卡点", "三岔路口卡点")
DONORS = (
    "威信个私协会党支部", "县工商联", "爱心人士", "扎西红色文化研究会", "县建筑业协会",
    "县中小企业商会", "在外务工人员党支部", "县红十字会", "县慈善总会", "县烟草专卖局",
    "县农村信用社", "县移动公司", "县电信公司", "个体工商户", "县酒业有限公司",
)
DONATION_ITEMS: tuple[tuple[str, str, float, float], ...] = (
    # item, unit, (min, max) quantity, unit price in yuan
    ("口罩", "个", 500, 3000), ("医用酒精", "瓶", 50, 300), ("84消毒液", "箱", 5, 60),
    ("方便面", "箱", 10, 200), ("矿泉水", "件", 20, 300), ("体温枪", "把", 2, 30),
    ("防护服", "套", 10, 100), ("蔬菜", "公斤", 100, 2000), ("现金", "元", 1000, 50000),
)
DONATION_PRICES = {"口罩": 2.5, "医用酒精": 18.0, "84消毒液": 60.0, "方便面": 45.0,
                   "矿泉水": 24.0, "体温枪": 180.0, "防护服": 120.0, "蔬菜": 4.0, "现金": 1.0}
ETHNIC = ("汉族", "汉族", "汉族", "汉族", "苗族", "彝族", "回族")
TRANSPORT = ("自驾", "大巴", "火车", "飞机", "摩托车", "顺风车")


class NamePicker:
    """Weighted random names: surname by frequency, given name of one or two characters."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._surnames = [s for s, _ in SURNAMES]
        acc, cum = 0.0, []
        for _, w in SURNAMES:
            acc += w
            cum.append(acc)
        self._cum = cum

    def surname(self) -> str:
        return self.rng.choices(self._surnames, cum_weights=self._cum)[0]

    def name(self, male: bool, surname: str | None = None) -> str:
        r = self.rng
        chars = MALE_CHARS if male else FEMALE_CHARS
        given = r.choice(chars)
        if r.random() < 0.7:
            given = (r.choice(MIDDLE_CHARS) if r.random() < 0.6 else r.choice(chars)) + given
        return (surname or self.surname()) + given


def weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]
