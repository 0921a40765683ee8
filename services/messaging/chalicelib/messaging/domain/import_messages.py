"""What an HR import tells a person, in Chinese or English: row problems, outcomes and column names.

A problem is kept as a code with its parameters (on the job, in its preview pages) and put into words
only when someone reads it, in the language their request asks for (``Accept-Language``): the preview
is computed by the consumer, which has no reader. Messages never quote a validator's rule or a regex.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

Language = Literal["zh", "en"]

# Our field → how the column is called, per language (the Chinese is what HR exports use).
LABELS: dict[str, tuple[str, str]] = {
    "name": ("姓名", "name"),
    "employee_no": ("工号", "employee no."),
    "department": ("科室", "department"),
    "department_id": ("科室", "department"),
    "title": ("职称", "title"),
    "nurse_grade": ("护理层级", "nurse grade"),
    "roles": ("角色", "roles"),
    "mobile": ("手机", "mobile"),
    "correction": ("更正", "correction"),
    "": ("", ""),
}

# code → (Chinese, English); ``{…}`` are the problem's parameters.
MESSAGES: dict[str, tuple[str, str]] = {
    "file_empty": ("文件是空的", "the file is empty"),
    "file_unreadable": ("无法读取此 {format} 文件", "cannot read the {format} file"),
    "file_encoding": ("文件既不是 UTF-8 也不是 GBK 编码", "the file is neither UTF-8 nor GBK text"),
    "file_too_large": (
        "超过 {max} 行；每次最多导入 {max} 行",
        "more than {max} rows; at most {max} per import",
    ),
    "file_too_dense": (
        "文件内容过多（单元格过长），请拆分后分批导入",
        "the file holds too much (cells too long) to import at once; split it",
    ),
    "not_base64": ("文件内容不是有效的 base64", "the file is not valid base64"),
    "missing_column": ("缺少“{label}”列", "missing column '{label}'"),
    "required": ("{label}不能为空", "{label} must not be empty"),
    "cannot_clear": ("{label}不能清空", "{label} cannot be cleared"),
    "too_long": ("{label}最长 {max} 个字", "{label} is at most {max} characters"),
    "employee_no_invalid": (
        "工号只能由字母、数字、- 和 _ 组成，最长 32 位",
        "employee no. must be 1–32 letters, digits, - or _",
    ),
    "nurse_grade_invalid": ("护理层级应为 N0–N4", "nurse grade must be one of N0–N4"),
    "roles_unknown": ("未知角色：{roles}", "unknown roles: {roles}"),
    "roles_too_many": ("角色最多 {max} 个", "at most {max} roles"),
    "mobile_invalid": (
        "手机号格式不正确（应为 1 开头的 11 位数字）",
        "mobile must be 11 digits starting with 1",
    ),
    "correction_invalid": ("“更正”列应填 是 或 否", "correction must be yes or no (是/否)"),
    "invalid": ("{label}格式不正确", "{label} is not valid"),
    "duplicate_number": ("工号与第 {row} 行重复", "this employee no. is also on row {row}"),
    "department_unknown": ("没有名为“{value}”的科室", "no unit named '{value}'"),
    "department_ambiguous": (
        "“{value}”对应多个科室：{paths}；请写路径，如“{example}”",
        "'{value}' names more than one unit: {paths}; write its path, e.g. '{example}'",
    ),
    "name_mismatch": (
        "工号 {employee_no} 属于 {current}，此行为 {name}（如为更正，请在“更正”列填“是”）",
        "employee no. {employee_no} belongs to {current}, this row says {name} "
        "(if this is a correction, put yes in the correction column)",
    ),
    "staff_left": (
        "工号 {employee_no}（{current}）已离职，记录仅作历史保留",
        "employee no. {employee_no} ({current}) has left; the record is kept as history",
    ),
    "stale": (
        "预览后此人的资料已被修改，本行未导入；请重新上传预览",
        "changed in the directory since the preview; not applied — upload the file again to preview it",
    ),
    "refused": ("目录拒绝了本行：{reason}", "the directory refused this row: {reason}"),
    "skipped": ("本行有错误，已跳过", "this row has errors and was skipped"),
    # about the job as a whole
    "file_problems": (
        "文件有 {count} 处问题，未导入任何内容",
        "{count} problems in the file; nothing was imported",
    ),
    "not_ready": (
        "预览尚未完成（{percent}%），完成后再确认",
        "the preview is not ready yet ({percent}%); confirm once it is",
    ),
    "expired": (
        "预览已于 {until} 过期；请重新上传文件预览",
        "the preview expired at {until}; upload the file again to preview it",
    ),
    "has_errors": (
        "有 {count} 行存在错误：请改正文件后重新上传，或确认时选择跳过错误行（skip_errors）",
        "{count} rows have errors: fix the file and upload it again, "
        "or confirm with skip_errors to apply the rest",
    ),
}

ROLE_LABELS: dict[str, tuple[str, str]] = {
    "doctor": ("医生", "doctor"),
    "nurse": ("护士", "nurse"),
    "head_nurse": ("护士长", "head nurse"),
    "department_head": ("科主任", "department head"),
    "hospital_admin": ("管理员", "hospital admin"),
    "pharmacist": ("药师", "pharmacist"),
    "technician": ("技师", "technician"),
    "clerk": ("文员", "clerk"),
    "referral_desk": ("转诊中心", "referral desk"),
    "hospital_leader": ("院领导", "hospital leader"),
}


def language(accept_language: str | None) -> Language:
    """Chinese when the reader's ``Accept-Language`` puts a ``zh`` tag first (``zh``, ``zh-CN``,
    ``zh-Hans;q=0.9``…), English otherwise."""
    best, best_q = "", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > best_q:
            best, best_q = tag.strip().lower(), q
    return "zh" if best.startswith("zh") else "en"


def _pick(pair: tuple[str, str], lang: Language) -> str:
    return pair[0] if lang == "zh" else pair[1]


def label(column: str, lang: Language) -> str:
    return _pick(LABELS.get(column, (column, column)), lang)


def role_name(role: str, lang: Language) -> str:
    return _pick(ROLE_LABELS.get(role, (role, role)), lang)


def render(code: str, params: Mapping[str, Any], lang: Language, column: str = "") -> str:
    """The sentence for a problem ``code`` in ``lang``; ``{label}`` is the column's name."""
    template = _pick(MESSAGES.get(code, MESSAGES["invalid"]), lang)
    values = {"label": label(column, lang), **params}
    if "roles" in values and isinstance(values["roles"], list):
        values["roles"] = ("、" if lang == "zh" else ", ").join(values["roles"])
    if "paths" in values and isinstance(values["paths"], list):
        values["paths"] = ("、" if lang == "zh" else ", ").join(values["paths"])
    try:
        return template.format(**values)
    except (KeyError, IndexError):  # a parameter missing: still a sentence, never a traceback
        return _pick(MESSAGES["invalid"], lang).format(label=values["label"])
