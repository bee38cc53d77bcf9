"""Name pools for demo volunteers: surnames common in southern Jiangxi and given names."""

from __future__ import annotations

import random

# Hakka counties of Ganzhou have many 刘、黄、钟、曾、赖、邱、谢 families.
SURNAMES: tuple[str, ...] = (
    "刘", "黄", "陈", "李", "钟", "曾", "赖", "邱", "谢", "张", "王", "杨", "吴", "肖",
    "郭", "罗", "朱", "何", "蔡", "温", "廖", "彭", "叶", "凌", "胡", "卢", "袁", "邓",
)  # fmt: skip
MALE_GIVEN: tuple[str, ...] = (
    "建国", "志强", "国华", "文军", "永红", "海波", "明辉", "卫东", "建华", "小龙", "俊杰",
    "浩然", "子豪", "宇航", "文斌", "伟民", "家明", "晓东", "振华", "德胜", "立新", "光荣",
    "长生", "金生", "春生", "庆云", "世杰", "博文", "一鸣", "思远",
)  # fmt: skip
FEMALE_GIVEN: tuple[str, ...] = (
    "秀英", "桂英", "玉兰", "淑芬", "丽华", "美玲", "小红", "春梅", "海燕", "丽萍", "晓梅",
    "雪梅", "慧敏", "静怡", "欣怡", "雨欣", "佳琪", "梦瑶", "婷婷", "思琪", "冬梅", "秋菊",
    "红霞", "凤英", "翠兰", "玉珍", "晓燕", "艳芳", "文婷", "诗涵",
)  # fmt: skip


def unique_name(rng: random.Random, gender: str, taken: set[str]) -> str:
    """A surname + given name not yet in ``taken`` (which is updated)."""
    pool = MALE_GIVEN if gender == "male" else FEMALE_GIVEN
    for _ in range(1000):
        name = rng.choice(SURNAMES) + rng.choice(pool)
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("name pool exhausted")
