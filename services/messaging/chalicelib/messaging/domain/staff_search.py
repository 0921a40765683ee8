"""Staff search: the tokens a member of staff is found by, and a query as it is matched (pure).

A person is found when the query (``search_key``) is the beginning of one of their tokens
(``search_tokens``): the name (``李四``), the given name (``四``), the full pinyin (``lisi``), the
given name's pinyin (``si``), the initials (``ls``) and the 工号. Typing ``li``, ``lis``, ``李`` or
``ls`` finds 李四 because each is the beginning of a token, so only whole tokens are stored (the index
answers a prefix with ``begins_with``), never every prefix.

Surnames are read as surnames (曾 zeng, 单 shan, 解 xie, 尉迟 yuchi…): pypinyin has no surname mode, so
the readings are the table below. A polyphonic character of the given name is indexed under each of its
readings (乐 le and yue), up to ``MAX_READINGS`` readings of the whole name. ``ü`` is ``v`` (``lü`` and
``lu:`` are ``lv``), and a reading with ``ü`` is indexed spelled ``yu`` too (吕 is ``lv`` and ``lyu``), so
``lyu``, ``lv``, ``lü`` and ``lu:`` all find 吕; case, spaces, punctuation and full-width letters do not
matter.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

MAX_READINGS = 4  # the readings of one name indexed: the usual one, then one polyphonic character at a time
MAX_TOKENS = 20  # what one person may be indexed under (each token is an item in their change's transaction)

# Single-character surnames whose surname reading is not the character's usual one (or is one of several).
SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "查": "zha",
    "盖": "ge", "乐": "yue", "员": "yun", "贠": "yun", "秘": "bi", "冼": "xian", "华": "hua",
    "过": "guo", "纪": "ji", "燕": "yan", "种": "chong", "繁": "po", "覃": "qin", "缪": "miao",
    "瞿": "qu", "折": "she", "那": "na", "佴": "nai", "粘": "nian", "藏": "zang", "翟": "zhai",
    "都": "du", "六": "lu", "薄": "bo", "贾": "jia", "居": "ju", "盛": "sheng", "柏": "bai",
    "牟": "mou", "乜": "nie", "阚": "kan", "叶": "ye", "车": "che", "沈": "shen", "宿": "su",
    "卜": "bu", "於": "yu", "重": "chong", "莘": "shen", "句": "gou", "召": "shao", "眭": "sui",
    "隗": "wei", "郇": "huan", "尉": "wei", "万": "wan", "长": "chang", "石": "shi", "曲": "qu",
    "祭": "zhai", "能": "nai", "殷": "yin", "阿": "a", "和": "he", "强": "qiang", "褚": "chu",
    "南": "nan", "塔": "ta", "哈": "ha", "占": "zhan", "吕": "lv", "缑": "gou", "逄": "pang",
}  # fmt: skip

# Compound surnames (复姓), read as surnames: 尉迟 is yuchi, not weichi; 万俟 moqi, not wansi.
COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "欧阳": ("ou", "yang"), "司马": ("si", "ma"), "上官": ("shang", "guan"), "诸葛": ("zhu", "ge"),
    "尉迟": ("yu", "chi"), "万俟": ("mo", "qi"), "长孙": ("zhang", "sun"), "单于": ("chan", "yu"),
    "令狐": ("ling", "hu"), "皇甫": ("huang", "fu"), "慕容": ("mu", "rong"), "东方": ("dong", "fang"),
    "宇文": ("yu", "wen"), "公孙": ("gong", "sun"), "夏侯": ("xia", "hou"), "澹台": ("tan", "tai"),
    "轩辕": ("xuan", "yuan"), "司徒": ("si", "tu"), "司空": ("si", "kong"), "端木": ("duan", "mu"),
    "南宫": ("nan", "gong"), "闻人": ("wen", "ren"), "赫连": ("he", "lian"), "钟离": ("zhong", "li"),
    "呼延": ("hu", "yan"), "独孤": ("du", "gu"), "百里": ("bai", "li"), "西门": ("xi", "men"),
    "申屠": ("shen", "tu"), "公冶": ("gong", "ye"), "淳于": ("chun", "yu"), "太叔": ("tai", "shu"),
    "濮阳": ("pu", "yang"), "仲孙": ("zhong", "sun"), "鲜于": ("xian", "yu"), "闾丘": ("lv", "qiu"),
    "亓官": ("qi", "guan"), "司寇": ("si", "kou"), "子车": ("zi", "ju"), "颛孙": ("zhuan", "sun"),
    "巫马": ("wu", "ma"), "公西": ("gong", "xi"), "漆雕": ("qi", "diao"), "乐正": ("yue", "zheng"),
    "壤驷": ("rang", "si"), "公良": ("gong", "liang"), "拓跋": ("tuo", "ba"), "夹谷": ("jia", "gu"),
    "宰父": ("zai", "fu"), "谷梁": ("gu", "liang"), "段干": ("duan", "gan"), "第五": ("di", "wu"),
    "梁丘": ("liang", "qiu"), "左丘": ("zuo", "qiu"), "东郭": ("dong", "guo"), "公羊": ("gong", "yang"),
    "宗政": ("zong", "zheng"), "完颜": ("wan", "yan"),
}  # fmt: skip


def _key_once(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("ü", "v").replace("u:", "v")
    return "".join(ch for ch in text if ch.isalnum())


def search_key(text: str) -> str:
    """A query (or a token) as it is matched: ``Li Si`` → ``lisi``, ``Lü`` and ``lu:`` → ``lv``,
    ``ＬＩ`` → ``li``, ``E-001`` → ``e001``; Chinese characters stay as they are. (``lyu`` is not
    rewritten — ``tianyu`` must stay ``tianyu`` —: a ``v`` reading is indexed with ``yu`` too.)"""
    for _ in range(4):  # a fixed point: a key is its own key (normalising can expose another change)
        again = _key_once(text)
        if again == text:
            break
        text = again
    return text


def _spellings(readings: tuple[str, ...]) -> tuple[str, ...]:
    """Each reading, and after one with ü (``lv``, ``nve``) its passport spelling (``lyu``, ``nyue``)."""
    out: list[str] = []
    for reading in readings:
        out.append(reading)
        if "v" in reading:
            out.append(reading.replace("v", "yu"))
    return tuple(dict.fromkeys(out))


def _is_han(ch: str) -> bool:
    return "\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\U00020000" <= ch <= "\U0003134f"


@dataclass(frozen=True)
class _Unit:
    """One syllable of a name (a Chinese character) or one word of another script, with its readings."""

    text: str
    readings: tuple[str, ...]


def _char_readings(ch: str) -> tuple[str, ...]:
    from pypinyin import Style, pinyin  # its dictionaries are large: loaded on first write, not import

    found = [search_key(r) for r in pinyin(ch, style=Style.NORMAL, heteronym=True)[0]]
    return _spellings(tuple(r for r in found if r)) or (search_key(ch),)


def _units(name: str) -> tuple[list[_Unit], int]:
    """The name's units and how many of them the surname is (0 when there is no given name)."""
    units: list[_Unit] = []
    word = ""
    for ch in name:
        if _is_han(ch):
            if word:
                units.append(_Unit(word, (search_key(word),)))
                word = ""
            units.append(_Unit(ch, ()))
        elif search_key(ch):
            word += ch
        elif word:
            units.append(_Unit(word, (search_key(word),)))
            word = ""
    if word:
        units.append(_Unit(word, (search_key(word),)))
    units = [u for u in units if u.readings != ("",)]
    if not units:
        return [], 0
    head = "".join(u.text for u in units[:2])
    compound = COMPOUND_SURNAMES.get(head) if len(units) > 2 else None
    surname = 2 if compound else 1
    resolved: list[_Unit] = []
    for index, unit in enumerate(units):
        if unit.readings:
            resolved.append(unit)
        elif compound and index < 2:
            resolved.append(_Unit(unit.text, _spellings((compound[index],))))
        elif index == 0 and unit.text in SURNAME_READINGS and len(units) > 1:
            resolved.append(_Unit(unit.text, _spellings((SURNAME_READINGS[unit.text],))))
        else:
            resolved.append(_Unit(unit.text, _char_readings(unit.text)))
    return resolved, surname if len(resolved) > surname else 0


def _readings(units: list[_Unit]) -> list[list[str]]:
    """The usual reading of the whole name, then each other reading of one character at a time."""
    usual = [u.readings[0] for u in units]
    out = [usual]
    for index, unit in enumerate(units):
        for other in unit.readings[1:]:
            if len(out) >= MAX_READINGS:
                return out
            out.append([*usual[:index], other, *usual[index + 1 :]])
    return out


def search_tokens(name: str, employee_no: str) -> list[str]:
    """What a member of staff is found by (sorted, distinct, at most ``MAX_TOKENS``)."""
    units, surname = _units(name)
    wanted = [search_key(name)]
    if surname:
        wanted.append(search_key("".join(u.text for u in units[surname:])))  # the given name, 四
    for syllables in _readings(units) if units else []:
        wanted.append("".join(syllables))  # lisi
        wanted.append("".join(s[0] for s in syllables))  # ls
        if surname:
            wanted.append("".join(syllables[surname:]))  # si
    wanted.append(search_key(employee_no))
    distinct = dict.fromkeys(key for key in (search_key(token) for token in wanted) if key)
    return sorted(list(distinct)[:MAX_TOKENS])  # the first ones matter most: the name, the usual reading


def matched_token(tokens: list[str], key: str) -> str | None:
    """The first of a person's tokens (in the index's order) that ``key`` begins, if any. The index
    holds a person once per token, so a query beginning two of their tokens reads them twice; only the
    first is kept, which needs nothing from the pages before."""
    return min((t for t in tokens if t.startswith(key)), key=lambda t: t + "#", default=None)
