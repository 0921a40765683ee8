"""The questionnaires every hospital has from the start (version 1 of each, until it adapts one):

- ``discharge-d7`` 出院后第7天随访问卷 — how the patient is a week after discharge: general feeling, fever
  (and the temperature, asked only after a 'yes'), the wound, pain on a 0–10 scale, taking the
  medicines, and anything they want to ask. Scores add up to a band; a temperature above 38.5 °C, pain
  above 7, an oozing wound or stopped medicines are abnormal.
- ``hypertension-bp`` 高血压家庭血压监测 — a home reading: the day, systolic and diastolic pressure (above
  160/100 mmHg is abnormal, and so is below 90 systolic), heart rate, and symptoms (chest tightness is
  abnormal). ``urgent``: an abnormal reading is a DING to the doctor.
"""

from __future__ import annotations

from chalicelib.followup.domain.questionnaires import (
    Band,
    Condition,
    Item,
    Option,
    Questionnaire,
    Threshold,
)

DISCHARGE_D7 = Questionnaire(
    id="discharge-d7",
    version=1,
    builtin=True,
    title="出院后第7天随访问卷",
    description="您好！这是医院的出院随访问卷，请根据您这几天的情况填写，约需2分钟。",
    items=[
        Item(
            id="feeling",
            kind="single",
            label="出院后您总体感觉如何？",
            options=[
                Option(value="good", label="良好", score=0),
                Option(value="fair", label="一般", score=1),
                Option(value="poor", label="较差", score=3),
            ],
        ),
        Item(
            id="fever",
            kind="single",
            label="出院后是否发热？",
            options=[Option(value="no", label="否", score=0), Option(value="yes", label="是", score=2)],
        ),
        Item(
            id="temperature",
            kind="number",
            label="最高体温",
            unit="°C",
            min=35,
            max=43,
            show_if=Condition(item="fever", any_of=["yes"]),
            threshold=Threshold(above=38.5),
        ),
        Item(
            id="wound",
            kind="single",
            label="伤口情况",
            options=[
                Option(value="healed", label="愈合良好", score=0),
                Option(value="red", label="红肿", score=2),
                Option(value="oozing", label="渗液或裂开", score=3),
                Option(value="none", label="无伤口", score=0),
            ],
            threshold=Threshold(any_of=["oozing"]),
        ),
        Item(
            id="pain",
            kind="scale",
            label="疼痛程度（0 无痛，10 最痛）",
            min=0,
            max=10,
            threshold=Threshold(above=7),
        ),
        Item(
            id="medication",
            kind="single",
            label="是否按医嘱服药？",
            options=[
                Option(value="on_time", label="按时服药", score=0),
                Option(value="sometimes", label="偶尔漏服", score=1),
                Option(value="stopped", label="已自行停药", score=3),
            ],
            threshold=Threshold(any_of=["stopped"]),
        ),
        Item(id="questions", kind="text", label="您还有什么想咨询医生的？", required=False),
    ],
    bands=[
        Band(min_score=0, label="恢复良好"),
        Band(min_score=3, label="需关注"),
        Band(min_score=6, label="恢复欠佳", abnormal=True),
    ],
)

HYPERTENSION_BP = Questionnaire(
    id="hypertension-bp",
    version=1,
    builtin=True,
    title="高血压家庭血压监测",
    description="请在安静休息5分钟后测量血压，并如实填写。",
    urgent=True,
    items=[
        Item(id="measured_on", kind="date", label="测量日期"),
        Item(
            id="systolic",
            kind="number",
            label="收缩压",
            unit="mmHg",
            min=50,
            max=300,
            threshold=Threshold(above=160, below=90),
        ),
        Item(
            id="diastolic",
            kind="number",
            label="舒张压",
            unit="mmHg",
            min=30,
            max=200,
            threshold=Threshold(above=100),
        ),
        Item(id="heart_rate", kind="number", label="心率", unit="次/分", min=20, max=250, required=False),
        Item(
            id="symptoms",
            kind="multi",
            label="近期是否有以下不适？",
            required=False,
            options=[
                Option(value="dizzy", label="头晕", score=1),
                Option(value="headache", label="头痛", score=1),
                Option(value="chest", label="胸闷胸痛", score=3),
                Option(value="none", label="无", score=0),
            ],
            threshold=Threshold(any_of=["chest"]),
        ),
    ],
)

BUILTINS: dict[str, Questionnaire] = {q.id: q for q in (DISCHARGE_D7, HYPERTENSION_BP)}
