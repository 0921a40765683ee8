"""Staff search's tokens (domain.staff_search, no AWS): who is found by which query.

A person is found when the query's key begins one of their tokens; the index and its one Query are
tested on the fakes (test_directory_service.py) and on moto (tests/service/test_messaging_store.py)."""

from __future__ import annotations

import pytest
from chalicelib.messaging.domain.staff_search import (
    MAX_TOKENS,
    matched_token,
    search_key,
    search_tokens,
)
from hypothesis import given, settings
from hypothesis import strategies as st


def found(name: str, query: str, employee_no: str = "E001") -> bool:
    key = search_key(query)
    return bool(key) and any(t.startswith(key) for t in search_tokens(name, employee_no))


@pytest.mark.parametrize(
    ("name", "reading", "initials"),
    [
        ("曾乐", "zengyue", "zy"),  # 曾 the surname is zeng (not ceng); 乐 le or yue in a given name
        ("单雪", "shanxue", "sx"),  # not danxue
        ("解放", "xiefang", "xf"),  # not jiefang
        ("仇军", "qiujun", "qj"),  # not chou
        ("区伟", "ouwei", "ow"),  # not qu
        ("朴勇", "piaoyong", "py"),  # not pu
        ("查文", "zhawen", "zw"),  # not cha
        ("盖明", "geming", "gm"),  # not gai
        ("乐平", "yueping", "yp"),  # not le
        ("员敏", "yunmin", "ym"),  # not yuan
        ("尉迟恭", "yuchigong", "ycg"),  # a compound surname: yu chi, not wei chi
        ("万俟卨", "moqixie", "mqx"),  # not wan si
        ("长孙无忌", "zhangsunwuji", "zswj"),  # not chang sun
        ("欧阳娜娜", "ouyangnana", "oynn"),
    ],
)
def test_surnames_read_as_surnames(name: str, reading: str, initials: str) -> None:
    assert found(name, reading) and found(name, initials) and found(name, name)
    surname_only = {"曾乐": "ceng", "单雪": "dan", "解放": "jie", "仇军": "chou", "朴勇": "pu", "查文": "cha"}
    if name in surname_only:  # the everyday reading of the surname character does not find them
        assert not found(name, surname_only[name])


def test_a_compound_surname_is_a_surname_only_with_a_given_name_after_it() -> None:
    assert found("尉迟恭", "gong") and found("尉迟恭", "恭")  # the given name alone
    assert not found("尉迟恭", "chigong")  # 迟 is part of the surname, not of the given name
    # two characters are a surname and a given name: 尉 (wei, as a surname of its own) and 迟
    assert found("尉迟", "weichi") and found("尉迟", "chi") and not found("尉迟", "yuchi")


@pytest.mark.parametrize(
    ("name", "readings"),
    [
        ("张乐", ("zhangle", "zhangyue")),
        ("李行", ("lixing", "lihang")),
        ("王重阳", ("wangzhongyang", "wangchongyang")),
    ],
)
def test_each_reading_of_a_polyphonic_given_name_finds_them(name: str, readings: tuple[str, ...]) -> None:
    for reading in readings:
        assert found(name, reading), reading
        assert found(name, reading[: len(reading) - 1]), reading  # and while typing it


@pytest.mark.parametrize("query", ["lv", "lyu", "lü", "LÜ", "lu:", "Lyu Bu", "lvbu", "lü bu", "lb", "吕"])
def test_lyu_lv_and_lu_are_one_spelling(query: str) -> None:
    assert found("吕布", query)
    assert not found("吕布", "lubu")  # u is not ü


def test_yu_after_n_stays_yu() -> None:
    # tianyu is tian + yu: rewriting nyu to nü would break typing tiany…
    assert found("田宇", "tiany") and found("田宇", "tianyu")
    assert found("女娲", "nvwa") and found("女娲", "nyuwa") and found("女娲", "nüwa")


@pytest.mark.parametrize(
    "query",
    ["李", "李四", "li", "lis", "lisi", "Li Si", "LISI", "ls", "LS", "si", "四", "e-001", "E001", "ｌｉ"],
)
def test_name_pinyin_initials_given_name_and_number_find_them(query: str) -> None:
    assert found("李四", query, employee_no="E-001")


@pytest.mark.parametrize("query", ["zhang", "四李", "sil", "lisii", "e002", "lsi x", "i"])
def test_what_begins_none_of_their_tokens_does_not_find_them(query: str) -> None:
    assert not found("李四", query, employee_no="E-001")


def test_other_scripts_are_found_by_each_word_and_initials() -> None:
    for query in ("anna", "Anna Lee", "lee", "al", "x9"):
        assert found("Anna Lee", query, employee_no="X9"), query


def test_tokens_are_bounded_and_are_their_own_keys() -> None:
    name = "和行重乐长单朴查"  # every character polyphonic
    tokens = search_tokens(name, "E1")
    assert 0 < len(tokens) <= MAX_TOKENS
    assert all(search_key(t) == t for t in tokens)


def test_a_person_is_kept_at_the_first_token_a_query_begins() -> None:
    tokens = search_tokens("李四", "E1")
    assert matched_token(tokens, "l") == "lisi"  # l begins lisi and ls: lisi#… comes first in the index
    assert matched_token(tokens, "ls") == "ls"
    assert matched_token(tokens, "zh") is None


# --- properties ----------------------------------------------------------------------------------

# Names whose readings the test knows without pypinyin: the surnames as surnames, given-name characters
# with one reading only, so the test's own list of what finds them is complete.
SURNAMES = {"张": ("zhang",), "李": ("li",), "陈": ("chen",), "曾": ("zeng",), "单": ("shan",),
            "区": ("ou",), "吕": ("lv",), "欧阳": ("ou", "yang"), "尉迟": ("yu", "chi"),
            "万俟": ("mo", "qi"), "长孙": ("zhang", "sun")}  # fmt: skip
GIVEN = {"伟": "wei", "芳": "fang", "敏": "min", "静": "jing", "磊": "lei", "军": "jun", "杰": "jie",
         "涛": "tao", "霞": "xia", "刚": "gang", "桂": "gui", "华": "hua", "玉": "yu", "梅": "mei",
         "丽": "li", "秀": "xiu", "兰": "lan", "海": "hai", "鹏": "peng", "飞": "fei"}  # fmt: skip

people = st.tuples(
    st.sampled_from(sorted(SURNAMES)),
    st.lists(st.sampled_from(sorted(GIVEN)), min_size=1, max_size=2),
    st.from_regex(r"[A-Z]{0,2}[0-9]{1,6}", fullmatch=True),
)


def what_finds(surname: str, given_chars: list[str], number: str) -> set[str]:
    """The test's own account: name, given name, full pinyin (吕 also as lyu), initials, the given name's
    pinyin, the 工号."""
    given_pinyin = "".join(GIVEN[c] for c in given_chars)
    full = "".join(SURNAMES[surname]) + given_pinyin
    initials = "".join(s[0] for s in (*SURNAMES[surname], *(GIVEN[c] for c in given_chars)))
    out = {surname + "".join(given_chars), "".join(given_chars), full, initials, given_pinyin}
    if surname == "吕":
        out.add("lyu" + given_pinyin)
    return out | {number.lower()}


@settings(max_examples=300, deadline=None)
@given(person=people)
def test_every_person_is_found_by_full_pinyin_initials_name_and_number(
    person: tuple[str, list[str], str],
) -> None:
    surname, given_chars, number = person
    name = surname + "".join(given_chars)
    syllables = [*SURNAMES[surname], *(GIVEN[c] for c in given_chars)]
    initials = "".join(s[0] for s in syllables)
    for query in ("".join(syllables), " ".join(syllables).upper(), initials, name, surname, number):
        assert found(name, query, number), (name, query)


@settings(max_examples=500, deadline=None)
@given(person=people, data=st.data())
def test_no_query_finds_a_person_unless_it_begins_something_of_theirs(
    person: tuple[str, list[str], str], data: st.DataObject
) -> None:
    surname, given_chars, number = person
    name = surname + "".join(given_chars)
    theirs = what_finds(surname, given_chars, number)
    typed = st.sampled_from(sorted(theirs)).flatmap(
        lambda t: st.tuples(
            st.integers(1, len(t)), st.text("abcdeghilnorsuvxyz0123456789张伟", max_size=2)
        ).map(lambda cut: t[: cut[0]] + cut[1])
    )
    query = data.draw(st.one_of(typed, st.text("abcghilnuvyz张李伟0123456789 :ü", min_size=1, max_size=6)))
    key = search_key(query)
    assert found(name, query, number) == (bool(key) and any(t.startswith(key) for t in theirs)), (name, query)


@given(st.text(max_size=30))
def test_a_key_is_its_own_key(text: str) -> None:
    assert search_key(search_key(text)) == search_key(text)
