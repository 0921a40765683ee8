"""Errors in the reader's language: problem titles, details and field messages in Chinese when asked.

Code raises its errors in English, as it always has. When a request's ``Accept-Language`` prefers
Chinese, the HTTP layer renders the problem through this catalogue: the title by the problem's slug,
the detail and each field message by its English template (``{}`` stands for a value the code put in,
which is carried over — translated too when it is a known word such as a status). A test walks every
raise site of the services and ``shared`` and fails on a message this catalogue does not know, so a
new error cannot ship in English only.

Pure: no AWS, no Chalice; used by ``shared.http`` and the local gateway.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from shared.problems import FieldError, Problem

ZH = "zh"
EN = "en"


def language(accept_language: str | None) -> str:
    """``zh`` when the most preferred language the header names is Chinese, else ``en``.

    ``Accept-Language: zh-CN,zh;q=0.9,en;q=0.8`` → zh; ``en-US,zh;q=0.5`` → en; absent → en.
    """
    best, best_q = EN, -1.0
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        if not tag:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > best_q + 1e-9 or (q == best_q and index == 0):
            best_q = q
            best = ZH if tag == "zh" or tag.startswith("zh-") else EN
    return best


TITLES = {
    "malformed-request": "请求格式错误",
    "validation-failed": "校验未通过",
    "unauthorized": "未认证",
    "forbidden": "无权操作",
    "not-found": "未找到",
    "conflict": "冲突",
    "payload-too-large": "请求体过大",
    "unsupported-media-type": "不支持的内容类型",
    "rate-limited": "请求过于频繁",
    "unavailable": "服务暂不可用",
    "internal": "内部错误",
    "internal-error": "内部错误",
    "rule-violated": "违反业务规则",
    "roster-rule-violated": "违反排班规则",
    "roster-import-refused": "排班表无法导入",
}

# A problem whose slug has no title of its own reads by its status.
STATUS_TITLES = {
    400: "请求格式错误",
    401: "未认证",
    403: "无权操作",
    404: "未找到",
    409: "冲突",
    410: "已失效",
    413: "请求体过大",
    415: "不支持的内容类型",
    422: "校验未通过",
    429: "请求过于频繁",
    500: "内部错误",
    503: "服务暂不可用",
}

# What ``NotFound(what)`` names, for "No such {what}".
NOUNS = {
    "census upload": "日报上传文件",
    "resource": "资源",
    # follow-up: intake
    "plan": "随访方案",
    "plan version": "随访方案版本",
    "approval": "审批",
    "attachment": "附件",
    "consortium": "医联体",
    # reports: the daily report
    "day kept in the table (older days are in the history export)": "保留期内的报表日（更早的数据请查询历史导出）",
    "conversation": "会话",
    "department": "科室",
    "deputy": "代理人设置",
    "patient": "患者",
    "hospital": "医院",
    "hospital in this consortium": "该医联体中的医院",
    "solve job": "排班任务",
    "import": "导入任务",
    "import rows": "导入数据",
    "import page": "导入预览页",
    "message": "消息",
    "notification": "通知",
    "staff": "员工",
    "staff record for this user": "该用户对应的员工档案",
    "template": "审批模板",
    "template version": "模板版本",
    "file": "文件",
    "service": "服务",
    "unit": "组织单元",
    "ward": "病区",
    "roster period": "排班周期",
    "request": "排班意愿",
    "roster version": "排班版本",
    "nurse of the roster period": "本排班周期的护士",
    "shift type": "班次",
    "calendar day": "日历日期",
    "calendar feed": "日历订阅",
    # late leave, sick calls and repairs
    "disruption": "排班异动",
    "swap": "换班",
    # follow-up
    "task": "随访任务",
    "recording": "通话录音",
    # follow-up: chronic revisits and care teams
    "care team": "家庭医生团队",
    "signed resident": "签约居民",
    "revisit request": "复诊申请",
    "questionnaire": "随访问卷",
    "link": "随访链接",
    # follow-up: two-way referral (双向转诊)
    "referral": "转诊单",
    # follow-up: consultations
    "consultation": "会诊",
    # marketplace (M1)
    "app": "应用",
    "app version": "应用版本",
    "partner profile": "合作伙伴资料",
    "version in review": "待审核的版本",
    "installation": "应用安装",
    "bundle": "应用套件",
    # marketplace: webhooks (M2)
    "secret": "签名密钥",
}

# Values code puts into messages that a reader should see in Chinese too.
VALUES = {
    "requested": "审批中",
    "applied": "已生效",
    "approved": "已通过",
    "rejected": "已驳回",
    "withdrawn": "已撤回",
    "returned": "已退回",
    "pending": "审批中",
    "draft": "草稿",
    "submitted": "审批中",
    "published": "已发布",
    "department": "科室",
    "staff": "员工",
    "ward": "病区",
    "hospital": "医院",
    "division": "部门",
    "team": "小组",
    # auto-roster jobs: their states and results, the skills a shortage names
    "queued": "排队中",
    "running": "求解中",
    "succeeded": "已完成",
    "failed": "已失败",
    "cancelled": "已取消",
    "saved": "已保存为草稿",
    "kept": "已保留待应用",
    "senior": "高年资护士（N2–N4）",
    "head_nurse": "护士长",
    # a disruption's states (late leave, sick calls and repairs)
    "resolved": "已调整",
    "dismissed": "已忽略",
    # a chronic revisit request's states
    "pool": "待抢单",
    "claimed": "已被抢单",
    "closed": "已处理",
    # a referral's states (双向转诊)
    "accepted": "已接收",
    "arrived": "已到院",
    "no_show": "未到院",
    "completed": "已完成",
    # a consultation's states
    "answered": "已答复",
}

# English template → Chinese template; ``{}`` placeholders in the same order.
MESSAGES = {
    # shared: the HTTP layer, auth, persistence
    "No such {}": "未找到{}",
    # reports: the daily report
    "the day must be a date (YYYY-MM-DD)": "日期格式应为 YYYY-MM-DD",
    "the day is in the future": "该日期尚未到来，暂无日报",
    "No service at {}": "{} 处没有服务",
    "No route {}": "没有路由 {}",
    "the local gateway failed": "本地网关出错",
    "Something went wrong on our side": "服务端出错，请稍后重试",
    "the body is not valid JSON": "请求体不是有效的 JSON",
    "the body is nested deeper than {} levels": "请求体嵌套超过 {} 层",
    "The body exceeds {} bytes": "请求体超过 {} 字节",
    "Invalid fields: {}": "以下字段有误：{}",
    "A valid bearer token is required": "需要有效的 Bearer 令牌",
    "a body is sent as application/json, not {}": "请求体须为 application/json，而不是 {}",
    "the store is busy, retry shortly": "存储繁忙，请稍后重试",
    "idempotency store unavailable, retry shortly": "幂等存储暂不可用，请稍后重试",
    "{} items still unprocessed after {} attempts": "{} 项在 {} 次尝试后仍未处理",
    "already exists": "已存在",
    "changed": "已被修改",
    "changed meanwhile": "已被他人修改",
    "changed meanwhile; reload": "已被他人修改，请刷新",
    "duplicate event": "重复的事件",
    "one change may write at most {} items": "一次变更最多写入 {} 项",
    "invalid cursor": "分页游标无效",
    "Idempotency-Key must be 1 to {} characters": "Idempotency-Key 须为 1 至 {} 个字符",
    "this Idempotency-Key was used with a different request body": "此 Idempotency-Key 已用于另一个请求体",
    "a request with this Idempotency-Key is still in progress": "使用此 Idempotency-Key 的请求仍在处理中",
    "callers of kind '{}' may not use this operation": "类型为“{}”的调用方不能执行此操作",
    "requires one of the roles: {}": "需要以下角色之一：{}",
    "requires the scopes: {}": "需要以下权限范围：{}",
    "an app's token may not use this operation (it declares no partner scope)": "应用令牌不能执行此操作（该接口未声明合作伙伴权限范围）",
    "only an installed app's token may use this operation": "仅已安装应用的令牌可执行此操作",
    "partner token names no installation": "合作伙伴令牌未指明安装实例",
    "partner token names no app": "合作伙伴令牌未指明应用",
    "partner token keys unavailable": "应用令牌的签名密钥暂不可用",
    "this app is not installed in this hospital (it was uninstalled or suspended)": "该应用未安装在本院（已卸载或已停用）",
    "the token's app does not match its installation": "令牌中的应用与其安装实例不符",
    "the app's credentials were revoked; request a new token": "该应用的凭据已被吊销，请重新获取令牌",
    "this app may make {} calls a minute in this hospital": "该应用在本院每分钟最多调用 {} 次",
    "expected 'Authorization: Bearer <token>'": "应为“Authorization: Bearer <令牌>”",
    "invalid token: {}": "令牌无效：{}",
    "malformed token": "令牌格式错误",
    "missing Authorization header": "缺少 Authorization 请求头",
    "signing keys unavailable": "签名密钥暂不可用",
    "token algorithm does not match its key": "令牌算法与密钥不符",
    "token algorithm not allowed": "不允许的令牌算法",
    "token has an invalid '{}' claim": "令牌的“{}”声明无效",
    "token has an invalid subject": "令牌的主体无效",
    "token has an unknown principal kind": "令牌的调用方类型未知",
    "token has no key id": "令牌缺少密钥标识",
    "token lacks a valid '{}' claim": "令牌缺少有效的“{}”声明",
    "token may not carry its own key": "令牌不能自带密钥",
    "token roles must be a list of strings": "令牌的角色必须是字符串列表",
    "token too large": "令牌过大",
    "token verification is not configured (FH_JWKS_URL)": "未配置令牌校验（FH_JWKS_URL）",
    "unknown signing key": "未知的签名密钥",
    "the token's staff_id belongs to another member of staff": "令牌中的 staff_id 属于另一名员工",
    "the token's staff_id is not bound to this sign-in in the directory (a hospital admin binds it: "
    "PATCH /messaging/staff/{id} with user_id)": "令牌中的 staff_id 未与此登录账号绑定（由医院管理员绑定："
    "PATCH /messaging/staff/{id}，填写 user_id）",
    "this member of staff has left the hospital; their sign-in no longer works here": "该员工已离职，其登录账号在本院已失效",
    "this sign-in is no longer bound to a member of staff": "此登录账号已不再绑定任何员工",
    # field messages (pydantic and our validators)
    "Field required": "必填",
    "must not be blank": "不能为空",
    "has an invalid format": "格式不正确",
    "unknown roles: {}": "未知角色：{}",
    "not a mainland mobile number (11 digits starting with 1)": "不是有效的大陆手机号（以 1 开头的 11 位数字）",
    "Extra inputs are not permitted": "不允许的多余字段",
    "Input should be a valid string": "应为字符串",
    "Input should be a valid integer": "应为整数",
    "Input should be a valid integer, unable to parse string as an integer": "应为整数",
    "Input should be a valid number": "应为数字",
    "Input should be a valid number, unable to parse string as a number": "应为数字",
    "Input should be a valid boolean": "应为布尔值",
    "Input should be a valid list": "应为列表",
    "Input should be a valid dictionary": "应为对象",
    "Input should be a valid date": "应为日期",
    "Input should be a valid datetime": "应为日期时间",
    "String should have at least {} character": "至少 {} 个字符",
    "String should have at least {} characters": "至少 {} 个字符",
    "String should have at most {} character": "最多 {} 个字符",
    "String should have at most {} characters": "最多 {} 个字符",
    "List should have at least {} item after validation, not {}": "至少 {} 项，当前 {} 项",
    "List should have at least {} items after validation, not {}": "至少 {} 项，当前 {} 项",
    "List should have at most {} item after validation, not {}": "最多 {} 项，当前 {} 项",
    "List should have at most {} items after validation, not {}": "最多 {} 项，当前 {} 项",
    "Input should be greater than {}": "应大于 {}",
    "Input should be greater than or equal to {}": "应大于或等于 {}",
    "Input should be less than {}": "应小于 {}",
    "Input should be less than or equal to {}": "应小于或等于 {}",
    "Input should be {}": "应为 {}",
    # approvals' form fields (each field's message, beside its path)
    "a detail table needs columns": "明细表需要列",
    "a select needs options": "选择项需要选项",
    "at most {} characters": "最多 {} 个字符",
    "does not match the expected format": "格式不正确",
    "duplicate field name {}": "字段名 {} 重复",
    "end is before start": "结束早于开始",
    "is required": "必填",
    "money has at most two decimals": "金额最多两位小数",
    "must be a date (YYYY-MM-DD)": "应为日期（YYYY-MM-DD）",
    "must be a list of at most 200 rows": "应为最多 200 行的列表",
    "must be a list of at most {} staff ids": "应为最多 {} 名员工的列表",
    "must be a list of the options": "应为选项中的若干项",
    "must be a number": "应为数字",
    "must be a {} id": "应为{}标识",
    "must be an object": "应为对象",
    "must be at least {}": "不能小于 {}",
    "must be at most {}": "不能大于 {}",
    "must be one of the options": "应为选项之一",
    "must be text": "应为文本",
    "must be {start, end} (and start_half, end_half: am or pm)": "应为 {start, end}（可加 start_half、end_half：am 上午或 pm 下午）",
    "not a valid regular expression": "不是有效的正则表达式",
    "start and end must be dates (YYYY-MM-DD)": "开始和结束应为日期（YYYY-MM-DD）",
    "start_half and end_half are am (上午) or pm (下午)": "start_half 和 end_half 应为 am（上午）或 pm（下午）",
    "tables do not nest": "明细表不能嵌套",
    "unknown field": "未知字段",
    # messaging
    "a message can be recalled only within {} minutes": "消息只能在发送后 {} 分钟内撤回",
    "answered meanwhile": "已被他人处理",
    "employee number {} is already taken": "工号 {} 已被占用",
    "escalated meanwhile": "已在此期间升级",
    "the lead hospital can leave only after removing the other hospitals": "牵头医院须先移除其他成员医院才能退出",
    "this conversation already exists": "该会话已存在",
    "this referral group is closed": "该转诊群已关闭",
    "this group is closed: its hospital is no longer in the consortium": "该群已关闭：其所属医院已不在医联体中",
    "this hospital is already a member": "该医院已是成员",
    "this hospital was invited meanwhile": "该医院已在此期间被邀请",
    "this member of staff has already left": "该员工已离职",
    "this member of staff has left; their record is kept as history": "该员工已离职，其档案作为历史保留",
    "this record was changed by someone else; reload it and try again": "此记录已被他人修改，请刷新后重试",
    "this sign-in is bound to another member of staff already": "此登录账号已绑定其他员工",
    "a DING to more than {} people is for {} only": "超过 {} 人的 DING 仅限 {} 发送",
    "an emergency DING is not enabled for your role in this hospital": "本院未对您的角色开放紧急 DING",
    "notifying by role reaches the whole hospital: only {} may": "按角色通知会发给全院：仅限 {}",
    "only the person themselves or a hospital admin may see the full number": "仅本人或医院管理员可查看完整号码",
    "only the sender may recall a message": "只有发送人可以撤回消息",
    "you may name at most {} colleagues in one notification": "一条通知最多指定 {} 名同事",
    "you may notify your own department and its wards; {} is beyond it (only {} may notify any unit)": "您只能通知本科室及其病区；{} 超出范围（仅 {} 可通知任意单元）",
    "the hospital has sent {} notifications this hour; try again later": "本院本小时已发送 {} 条通知，请稍后再试",
    "the hospital's SMS and call budget for today is spent: a DING could not escalate; send it as a "
    "notification, or DING again tomorrow": "本院今日短信和电话额度已用完：DING 无法升级；请改发工作通知，或明天再 DING",
    "you have sent {} notifications this hour; try again later": "您本小时已发送 {} 条通知，请稍后再试",
    "a cross-hospital group has at most {} members": "跨院群最多 {} 人",
    "a cross-hospital group is a named group with a consortium_id": "跨院群须为带 consortium_id 的命名群",
    "a direct conversation has exactly one other member": "单聊只能有一位对方成员",
    "a group needs a name": "群聊需要名称",
    "a hospital cannot invite itself": "医院不能邀请自己",
    "a unit cannot be moved under itself or one of its own sub-units": "组织单元不能移到自身或其下级单元之下",
    "a {} cannot be placed under {}": "{}不能放在{}之下",
    "name cannot be removed": "姓名不能删除",
    "no attachment {} in this conversation": "此会话中没有附件 {}",
    "no such active member of staff": "没有这名在职员工",
    "no such department": "没有这个科室",
    "no such departments: {}": "没有这些科室：{}",
    "no such message in this conversation": "此会话中没有这条消息",
    "no such parent unit": "没有这个上级单元",
    "nobody can be resolved on duty: {}": "无法确定值班人员：{}",
    "not active members of this consortium: {}": "不是该医联体的在册成员：{}",
    "not active staff: {}": "不是在职员工：{}",
    "push platform '{}' is not configured here": "此处未配置推送平台“{}”",
    "supervisor lines cannot form a cycle": "上级关系不能形成环",
    "the SMS step comes at least {} minutes after sending (sooner only as an emergency DING, where the "
    "hospital enabled it)": "短信提醒至少在发送 {} 分钟后（更早仅限本院开放的紧急 DING）",
    "the call step cannot come before the SMS step": "电话提醒不能早于短信提醒",
    "the call step comes at least {} minutes after sending": "电话提醒至少在发送 {} 分钟后",
    "the lead hospital leaves, it is not removed": "牵头医院只能主动退出，不能被移除",
    "the unit tree may be at most {} levels deep": "组织架构最多 {} 层",
    "these recipients resolve to nobody": "这些接收人对应不到任何人",
    "your hospital has not joined this consortium": "本院未加入该医联体",
    "your hospital is not an active member of this consortium": "本院不是该医联体的在册成员",
    "{} cannot be removed": "{} 不能删除",
    "{} recipients; at most {} per notification": "接收人 {} 名；每条通知最多 {} 名",
    "{} still holds staff: {}, units under it: {} ({}); move or remove them first": "{}仍有在职人员 {} 名、下级单位 {} 个（{}），请先调出或删除",
    "this import is {}: only a confirmed one is applied": "该导入任务{}：只有确认后的导入才会执行",
    # approvals
    "already reminded": "已经提醒过",
    "already submitted": "已经提交",
    "not submitted": "尚未提交",
    "someone has already approved: it can no longer be withdrawn": "已有人审批通过，不能再撤回",
    "template code {} is already taken": "模板编码 {} 已被占用",
    "the approval is at version {}, not {}": "该审批当前为第 {} 版，而不是第 {} 版",
    "the approval is {}": "该审批{}",
    "the escalation is not due yet": "尚未到升级时间",
    "the task is not overdue yet": "该任务尚未超时",
    "the template changed meanwhile; reload and retry": "模板已被他人修改，请刷新后重试",
    "the template is at version {}, not {}": "该模板当前为第 {} 版，而不是第 {} 版",
    "this approver has no task with an SLA on the current step": "该审批人在当前步骤没有带时限的任务",
    "this task does not escalate (not reminded yet, or already escalated)": "该任务不能升级（尚未提醒，或已升级）",
    "this task has already been handled or the step decided": "该任务已处理，或该步骤已有结论",
    "this template does not allow withdrawing": "该模板不允许撤回",
    "it is not your turn on this approval": "还没轮到您审批",
    "only the people on this approval may comment": "只有审批相关人员可以评论",
    "only the submitter may resubmit": "只有提交人可以重新提交",
    "only the submitter may urge": "只有提交人可以催办",
    "only the submitter may withdraw": "只有提交人可以撤回",
    "reminders and escalations come from the SLA timer": "提醒和升级由时限定时器发起",
    "the approver you stand in for has no task pending on this approval": "您代理的审批人在此审批上没有待办任务",
    "you may act for someone only while you are their deputy (代理人)": "只有在担任代理人期间才能代为审批",
    "you may not act on your own request, as a deputy or otherwise": "不能审批自己的申请（包括以代理人身份）",
    "a comment needs text or attachments": "评论需要文字或附件",
    "add other members of staff (not yourself or the submitter)": "请加签其他员工（不能是自己或提交人）",
    "resubmit needs the form and route": "重新提交需要表单和审批路线",
    "return to an earlier step that was approved": "只能退回到已通过的较早步骤",
    "step {}: the person chosen here may not be the submitter": "第 {} 步：此处选择的人不能是提交人",
    "step {}: the submitter is its only approver, and there is no fallback approver or supervisor to "
    "take it": "第 {} 步：提交人是唯一审批人，且没有备用审批人或上级可以接手",
    "step {}: {}, and there is no fallback approver": "第 {} 步：{}，且没有备用审批人",
    "submit needs the submission, form and route": "提交需要申请内容、表单和审批路线",
    "they already have this task": "对方已有此任务",
    "transfer to another member of staff": "请转交给其他员工",
    "only the submitter or a hospital admin may cancel leave": "只有提交人或医院管理员可以销假",
    'the leave is still pending: withdraw it instead ({"action": "withdraw"})': '该请假仍在审批中：请改为撤回（{"action": "withdraw"}）',
    "the approval is {}: only approved leave can be cancelled": "该审批{}：只有已批准的请假可以销假",
    "only leave can be cancelled (销假); this approval stays approved": "只有请假可以销假；该审批仍为已通过",
    "overlaps your leave 「{}」 {} ({}, approval {}): cancel or withdraw it first, or choose other dates": "与您的请假「{}」{}（{}，审批 {}）重叠：请先销假或撤回，或选择其他日期",
    "files are PDF, Word, Excel, PowerPoint, JPEG, PNG or OFD": "文件须为 PDF、Word、Excel、PowerPoint、JPEG、PNG 或 OFD",
    "must be a list of at most {} attachment ids": "须为附件 id 的列表，最多 {} 个",
    "a form may name at most {} files": "一张表单最多附 {} 个文件",
    "no file {} in this hospital (upload it with POST /attachments)": "本院没有文件 {}（请用 POST /attachments 上传）",
    "「{}」 is someone else's upload: attach your own": "「{}」是他人上传的文件：请附上您自己上传的文件",
    "「{}」 is attached to another approval: upload it again": "「{}」已附在另一审批上：请重新上传",
    "「{}」 has not been uploaded yet: PUT it to its upload_url first": "「{}」尚未上传：请先 PUT 到其 upload_url",
    "「{}」 was attached to another approval meanwhile": "「{}」刚被附到另一审批上，请重新上传后再提交",
    # scheduling: who rosters a ward (service/access.py)
    "rostering a ward needs the role head_nurse, scheduler or hospital_admin": "排班需要护士长（head_nurse）、排班员（scheduler）或医院管理员（hospital_admin）角色",
    "you roster only the wards of your own unit, the units under it and the units you head: "
    "this ward is none of them": "您只能为本单元、其下属单元以及您担任负责人的单元排班：该病区不在其中",
    "a ward's roster is read by its rosterers, its department head and its own staff": "病区排班表仅限其排班人、科室主任和本病区人员查看",
    # scheduling: ward setup, shift catalogue and calendar
    "the ward's setup was changed by someone else; reload it and try again": "该病区的排班设置已被他人修改，请刷新后重试",
    "a ward runs at least one shift": "病区至少要使用一个班次",
    "shift {} is given twice": "班次 {} 重复",
    "no shift {} in the catalogue or the ward's own": "班次目录和本病区均没有班次 {}",
    "no shift {} in this ward's shifts": "本病区的班次中没有 {}",
    "no contract {} in this ward": "本病区没有合同类型 {}",
    "{} is not a nurse of this ward": "{} 不是本病区的护士",
    "the minimum is above the optimal": "最少人数高于理想人数",
    "the demand for {} {} {} is given twice": "{} {} {} 的人力需求重复",
    "contract {} is given twice": "合同类型 {} 重复",
    "{} is above {} in this contract": "该合同中 {} 高于 {}",
    "a date is YYYY-MM-DD": "日期格式应为 YYYY-MM-DD",
    "the chinesecalendar package has no holidays for {} yet and the hospital has added none: a hospital "
    "admin adds them with PUT /scheduling/calendar/{date} once the State Council announces them (until "
    "then every day of {} is rostered by its weekday)": (
        "chinesecalendar 软件包尚未收录 {} 年的节假日，医院也尚未添加：国务院公布后，请医院管理员用 "
        "PUT /scheduling/calendar/{date} 逐日添加（在此之前，{} 年的每一天按星期排班）"
    ),
    "a shift code is at most 16 letters, digits, - or _": "班次代码最多 16 个字母、数字、- 或 _",
    # scheduling
    "only your own leave, unless you roster others": "只能查看自己的请假，除非您负责排班",
    "ask for at most a year at a time": "一次最多查询一年",
    "the window ends before it starts": "结束时间早于开始时间",
    # scheduling: fairness over months (domain/fairness.py)
    "the window is longer than a year (366 days)": "时间范围超过一年（366 天）",
    # scheduling: a nurse's calendar feed (service/calendar_feeds.py, adapters/calendar_feeds.py)
    "a calendar feed is a member of staff's own: sign in as one": "日历订阅属于员工本人：请以员工身份登录",
    "your calendar feed changed meanwhile; try again": "您的日历订阅刚刚已被更改，请重试",
    # scheduling: roster periods (service/periods.py, domain/periods.py)
    "the period ends before it starts": "排班周期的结束日期早于开始日期",
    "a period is at most 62 days (a week or a month)": "排班周期最长 62 天（一周或一个月）",
    "a ward is named twice": "同一病区重复出现",
    "{} already has the roster period {} ({} to {})": "{}已有排班周期「{}」（{} 至 {}）",
    "only a draft that was never published can be deleted": "只能删除从未发布过的草稿",
    "the roster period is {}": "该排班周期{}",
    "the roster period is {}: withdraw it before changing it": "该排班周期{}：请先撤回再修改",
    "the roster period is at revision {}, not {}; reload it": "该排班周期当前为第 {} 次修改，而不是第 {} 次，请刷新",
    "the roster period changed meanwhile; reload it": "该排班周期已被他人修改，请刷新",
    "If-Match holds the period's revision, a number": "If-Match 应为排班周期的修改次数（数字）",
    "{} on {}: {}": "{}（{}）：{}",
    "the edit breaks a hard rule: {}": "该修改违反硬性规则：{}",
    "this ward publishes without approval: publish the roster directly": "该病区无需审批：请直接发布排班",
    "the roster period is published already: change it to publish a new version": "该排班周期已发布：修改后才能发布新版本",
    "the head nurse has changed this cell in the roster's draft since it was published; ask her to change it there": "护士长在发布后已在排班草稿中改动了该班次，请联系护士长在草稿中修改",
    "the roster period is not published yet: change its draft instead": "该排班周期尚未发布：请直接修改草稿",
    "a roster's history is read by the ward's rosterers and the heads of its units": "排班变更记录仅限病区排班人和上级科室负责人查看",
    "the published roster is at version {}, not {}; the change was made on another version": "已发布的排班当前为第 {} 版，而不是第 {} 版：该变更基于其他版本",
    "the roster period is draft: submit it for approval before publishing": "该排班周期为草稿：请先提交审批再发布",
    "version {} is already published": "第 {} 版已发布",
    "a later version is on duty already": "更新的版本已生效",
    "the roster names nurses who are not in the period": "排班中有不属于本排班周期的护士",
    # scheduling: nurses' requests (service/requests.py, contracts/periods.py)
    "there is a request for that day already": "当天已有排班意愿",
    "the request changed meanwhile; reload it": "该排班意愿已被修改，请刷新",
    "a day_off request names no shift": "休息申请不需要指定班次",
    "shift_off and shift_on requests name the shift": "不上某班或希望上某班的申请需要指定班次",
    "the request deadline is after the period ends": "排班意愿截止日期晚于排班周期结束日期",
    "requests are closed: the roster period is {}": "排班意愿已关闭：该排班周期{}",
    "requests for this roster period closed on {}": "本排班周期的排班意愿已于 {} 截止",
    "a nurse files her own requests; the period's rosterers may record one for her": "护士只能提交自己的排班意愿；排班人员可代为登记",
    "{} already has a request on {}: withdraw it first": "{}在 {} 已有排班意愿：请先撤回",
    "at most {} requests per nurse in a roster period": "每位护士每个排班周期最多提交 {} 条排班意愿",
    "a nurse withdraws only her own requests": "护士只能撤回自己的排班意愿",
    "requests are filed by the nurses of the roster period": "只有本排班周期的护士可以提交排班意愿",
    # scheduling: swaps and give-aways (service/swaps.py, domain/swaps.py, adapters/swaps.py)
    "the swap breaks a hard rule: {}": "该换班违反硬性规则：{}",
    "swaps are proposed by the nurses of the roster period, for their own shifts": "只有本排班周期的护士可以为自己的班次提出换班",
    "a day already past cannot be swapped": "已过去的日期不能换班",
    "taking an open shift names no colleague": "认领空班不需要指定同事",
    "taking an open shift names the shift": "认领空班需要指定班次",
    "you already work {} on {}": "您已有{}（{}）",
    "{} on {} has no open place: it is fully staffed": "{}（{}）没有空缺：人数已满",
    "only taking an open shift names the shift": "只有认领空班需要指定班次",
    "a swap or a give-away names the colleague": "换班或送班需要指定同事",
    "the colleague is someone other than you": "换班同事不能是您自己",
    "the colleague is not a nurse of this roster period": "该同事不是本排班周期的护士",
    "a give-away names no date of the colleague's": "送班不需要指定对方的日期",
    "you have no shift on {} to give": "您在 {} 没有可送出的班次",
    "{} already works {} on {}": "{}已有{}（{}）",
    "the two of you work the same shifts on those days: nothing to swap": "你们在这些日期的班次相同：无需换班",
    "{}'s shift on {} changed since the swap was proposed": "{}在 {} 的班次在提出换班后已有变动",
    "the swap is {}": "该换班{}",
    "only the nurse who proposed a swap cancels it": "只有提出换班的护士可以取消",
    "a swap is reversed by one of its nurses": "只有换班双方可以撤销换班",
    "the swap exists already": "该换班已存在",
    "{}'s shift on {} is in another swap waiting for approval": "{}在 {} 的班次已在另一项待审批的换班中",
    "the swap changed meanwhile; reload it": "该换班已被更改，请刷新",
    # scheduling: copy, rotation and explain (service/roster_operations.py, domain/roster_operations.py)
    "the copy breaks a hard rule: {}": "该复制违反硬性规则：{}",
    "the rotation breaks a hard rule: {}": "该轮转违反硬性规则：{}",
    "the block ends before it starts": "复制区域的结束日期早于开始日期",
    "a block is at most 62 days": "复制区域最长 62 天",
    "give match or nurse_map, not both": "match 与 nurse_map 只能二选一",
    "give offsets, or staff_ids and stagger, not both": "offsets 与 staff_ids/stagger 只能二选一",
    "offsets names no nurse": "offsets 中没有护士",
    "the pattern has no shift": "轮转模式中没有任何班次",
    "the range ends before it starts": "结束日期早于开始日期",
    "{} is not a nurse of the source block": "{} 不是复制来源中的护士",
    "{} is not a nurse of this period": "{} 不是本排班周期的护士",
    "a target nurse is named twice": "同一目标护士重复出现",
    "{} is not a day of the roster period ({} to {})": "{} 不在排班周期内（{} 至 {}）",
    "the ward is not one of the roster period's wards": "该病区不属于本排班周期",
    "no nurse of the source block is a nurse of this period": "复制来源中没有本排班周期的护士",
    "the ward has no shift {}": "本病区没有班次 {}",
    "a nurse is named twice": "同一护士重复出现",
    "copy from a period of the same ward: the source period has none of this period's wards": "只能从同一病区的排班周期复制：来源周期不包含本周期的病区",
    "a nurse's roster is explained to the ward's rosterers and to herself": "护士的排班说明仅限本病区排班人和本人查看",
    "give the time with its time zone": "请给出带时区的时间",
    "ask for at most 62 days at a time": "一次最多查询 62 天",
    # scheduling: the grid as a spreadsheet (service/sheets.py, domain/sheets.py), each fault by its cell
    "the file is not base64": "文件不是 base64 编码",
    "the file is not an xlsx workbook": "文件不是 xlsx 工作簿",
    "the file is larger than a roster period: at most {} rows and {} columns": (
        "文件超出一个排班周期的大小：最多 {} 行、{} 列"
    ),
    "{} cells of the spreadsheet cannot be imported; nothing was changed": "排班表有 {} 个单元格无法导入，未做任何修改",
    "{} is not a date": "{} 不是日期",
    "{} is outside the period ({} to {})": "{} 不在排班周期内（{} 至 {}）",
    "{} is in the header twice (also {})": "{} 在表头中出现了两次（另见 {}）",
    "{} is not a nurse of this roster period": "{} 不是本排班周期的护士",
    "two nurses of the period are named {}: give each her grade": "本排班周期有两名护士叫 {}：请填写各自的层级",
    "{} has a row already ({})": "{} 已有一行（{}）",
    "{} is not a shift of this ward": "{} 不是本病区的班次",
    "no header row: column A of one row must read 姓名, followed by the days": "没有表头行：须有一行的 A 列为「姓名」，其后为各天日期",
    "the header row has no day of the period": "表头行中没有本排班周期的日期",
    # scheduling: auto-roster jobs (raised, and the reasons a job records)
    "a solve of this period is already running: job {}": "该排班周期已有自动排班在进行：任务 {}",
    "the job has ended ({}): there is nothing to cancel": "该任务已结束（{}）：无可取消",
    "only a result kept because the draft changed can be applied; this job's is {}": (
        "只有因草稿在求解期间被修改而保留的结果才能应用；该任务的结果为：{}"
    ),
    "the solver could not be started, retry shortly": "无法启动排班求解，请稍后重试",
    "the solver stopped answering (no heartbeat for {} minutes)": "排班求解已无响应（{} 分钟无心跳）",
    "no solver took the job within {} minutes": "{} 分钟内没有求解进程接手该任务",
    "no roster satisfies the hard rules": "没有满足全部硬性规则的排班方案",
    "no roster satisfies the hard rules: {}": "没有满足全部硬性规则的排班方案：{}",
    "{} {} needs {} {}, only {} can work": "{} {} 需要 {} 名{}，只有 {} 人可排",
    "the solver failed: {}": "排班求解失败：{}",
    "cancelled by {}": "已由 {} 取消",
    "cancelled while solving: nothing was kept": "求解中被取消：未保留任何结果",
    "stopped by {} after {} s: the best roster found by then": "已由 {} 在第 {} 秒停止：保留此时找到的最佳排班",
    "the job has ended ({}): there is nothing to stop": "该任务已结束（{}）：无可停止",
    "the draft changed while solving (revision {} → {}): the result is kept on the job; apply it to "
    "replace the draft": "求解期间草稿已被修改（版本 {} → {}）：结果保留在任务中，如需替换草稿请应用该结果",
    # late leave, sick calls and repairs (scheduling/domain/repairs.py, service/repairs.py)
    "the disruption is {}: there is nothing more to repair": "该排班异动{}：无需再处理",
    "the disruption has no proposal ready to accept: ask for a repair first": "该排班异动没有可接受的调整方案：请先生成调整方案",
    "the proposal was made on version {} and the live roster is at version {}: ask for a new proposal": "调整方案基于第 {} 版排班，而当前生效的是第 {} 版：请重新生成调整方案",
    "this nurse cannot cover the absent nurse's shifts: choose one of the candidates": "该护士不能顶替缺勤护士的班次：请从候选人中选择",
    "the day is not in the roster period": "该日期不在排班周期内",
    "a sick call is for today or a later day": "病假缺勤只能登记今天或之后的日期",
    "the nurse has no shift that day in the published roster: nothing to cover": "该护士当天在已发布的排班中没有班次：无需顶替",
    "a nurse reports only her own sick call; a ward's rosterers report anyone's": "护士只能登记本人的病假缺勤；病区排班人员可为任何护士登记",
    "the disruption is recorded already": "该排班异动已登记",
    "the disruption changed meanwhile; reload it": "该排班异动已被他人修改，请刷新后重试",
    "the disruption no longer waits for this repair": "该排班异动已不再等待此调整方案",
    "the repair breaks a hard rule: {}": "该调整违反硬性规则：{}",
    "the disruption was resolved or dismissed while solving: the proposal was not kept": "求解期间该排班异动已被处理或忽略：调整方案未保留",
    # follow-up: plans, enrolment rules, discharges and FHIR (followup/service/plans.py, intake.py, domain/fhir.py)
    "plans are read by clinical staff and admins": "随访方案仅限临床人员和管理员查看",
    "the plan exists already": "该随访方案已存在",
    "the plan is at version {}, not {}": "该随访方案当前为第 {} 版，而不是第 {} 版",
    "the plan changed meanwhile; reload and retry": "该随访方案已被他人修改，请刷新后重试",
    "the rules are at version {}, not {}": "入组规则当前为第 {} 版，而不是第 {} 版",
    "the rules changed meanwhile; reload and retry": "入组规则已被他人修改，请刷新后重试",
    "no such plan": "没有该随访方案",
    "no such member of staff, or they have left": "没有该员工，或其已离职",
    "this discharge was brought in before": "该出院记录此前已导入",
    "this discharge was brought in meanwhile": "该出院记录刚刚已被导入",
    "the enrolment changed meanwhile": "该随访入组已被修改",
    "a diagnosis is an ICD-10 code, e.g. I10 or E11.9": "诊断须为 ICD-10 编码，例如 I10 或 E11.9",
    "a lab item needs a normal range (low, high) or a normal result": "检验项目须有正常范围（下限、上限）或正常结果",
    "a lab item's low is above its high": "检验项目的下限高于上限",
    "a questionnaire step names its questionnaire_code": "问卷步骤须填写 questionnaire_code",
    "a lab step lists its lab_items": "检验步骤须列出 lab_items",
    "a step repeats until a day after its first": "步骤重复的截止日须在首次之后",
    "two steps have the same id": "两个步骤的 id 相同",
    "a plan makes at most {} tasks in a year": "一个随访方案一年内最多生成 {} 个任务",
    "a rule sets at least one of icd10_prefix, department_id, procedure_code": "规则须至少设置 icd10_prefix、department_id、procedure_code 之一",
    "a bundle lists its resources in entry": "Bundle 须在 entry 中列出资源",
    "each entry holds a resource with its resourceType": "每个 entry 须包含带 resourceType 的资源",
    "not a FHIR R4 resource type": "不是 FHIR R4 资源类型",
    "not a valid FHIR R4 bundle ({})": "不是有效的 FHIR R4 Bundle（{}）",
    "a discharge bundle holds exactly one Patient": "出院 Bundle 须恰好包含一个 Patient",
    "a discharge bundle holds exactly one Encounter": "出院 Bundle 须恰好包含一个 Encounter",
    "a discharge bundle holds at least one Condition": "出院 Bundle 须至少包含一个 Condition",
    "no identifier with the resident ID system {}": "没有系统为 {} 的居民身份证号标识",
    "the patient has no name": "患者没有姓名",
    "the encounter's subject is not the bundle's Patient": "Encounter 的 subject 不是本 Bundle 中的 Patient",
    "the encounter has no discharge date (period.end)": "Encounter 没有出院日期（period.end）",
    "the department is an Organization/<department id> reference": "科室须为 Organization/<科室 id> 引用",
    "the responsible doctor is a Practitioner/<staff id> participant": "责任医生须为 Practitioner/<员工 id> 参与者",
    "the condition has no ICD-10 coding": "Condition 没有 ICD-10 编码",
    # follow-up: patients and who reaches them
    "follow-up is used by the hospital's staff": "随访仅供本院医护人员使用",
    "you may not bring patients into this department's follow-up": "您不能将患者纳入该科室的随访",
    "you do not work in this department": "您不在该科室工作",
    "the birth date differs from the resident ID number's": "出生日期与身份证号不符",
    "the sex differs from the resident ID number's": "性别与身份证号不符",
    "no such department in this hospital": "本院没有该科室",
    "a patient with this resident ID number is registered already": "该身份证号的患者已登记",
    "give exactly one of id_number and mobile": "请只提供身份证号或手机号中的一项",
    "the patient changed meanwhile; try again": "患者信息已被他人修改，请重试",
    "the patient changed meanwhile": "患者信息已被他人修改",
    "no such care team in this department": "该科室没有这个家庭医生团队",
    "the patient has withdrawn consent to follow-up: no link is sent to them": "患者已撤回随访同意：不能再向其发送随访链接",
    "the retention period changed meanwhile; try again": "保存期限已被他人修改，请重试",
    "a resident ID number has 17 digits and a check digit or X": "身份证号应为17位数字加1位校验码（数字或X）",
    "the resident ID number's birth date is not a date": "身份证号中的出生日期无效",
    "the resident ID number's check digit is wrong": "身份证号校验码错误",
    # follow-up: the task board, doing a task, the call log, the sweep
    "this task is not open any more (done, missed or cancelled): it cannot be done again": "该随访任务已不在待办状态（已完成、已错过或已取消），不能再次完成",
    "lost to follow-up needs the reason (e.g. 号码停机、搬迁)": "失访需填写原因（如号码停机、搬迁）",
    "the task board is for clinical staff (doctor, nurse, head nurse, department head)": "任务看板仅供临床人员（医生、护士、护士长、科主任）使用",
    "name the care team whose board to show (owner_id)": "请指定要查看其看板的团队（owner_id）",
    "only the care team's members read its board": "只有该团队的成员才能查看其任务看板",
    "this task was changed meanwhile (someone else finished it?): reload it": "该随访任务已被他人修改（可能已由同事完成）：请刷新后重试",
    "the patient's tasks changed meanwhile: try again": "该患者的随访任务已被修改：请重试",
    "the patient's tasks changed meanwhile": "该患者的随访任务已被修改",
    "the recording has not been uploaded yet: PUT it to its upload_url first": "录音尚未上传：请先 PUT 到其 upload_url",
    "another sweep is on this hospital": "另一轮巡检正在处理本院",
    # follow-up: chronic revisits (慢病复诊)
    "the revisit request was claimed by {}": "该复诊申请已被{}抢单",
    "your revisit request is still being handled: a doctor will contact you": "您的复诊申请正在处理中，医生会与您联系",
    "the revisit request is closed already": "该复诊申请已处理完毕",
    "the revisit request is {}, not claimed": "该复诊申请{}，并未被抢单",
    "only the doctor who claimed the revisit request may do this": "只有抢单的医生可以处理该复诊申请",
    "the claim has not run out": "抢单尚未超时",
    "a renewal names the prescription note": "续方须填写处方内容",
    "a booking names the day of the revisit": "预约复诊须填写复诊日期",
    "a revisit is booked for today or a later day": "复诊只能预约今天或之后的日期",
    "the revisit request changed meanwhile; reload it": "该复诊申请已被他人修改，请刷新后重试",
    "requires one of the roles: doctor": "需要以下角色之一：医生",
    # follow-up: care teams (家庭医生团队)
    "a care team is set up by a hospital admin or the head of its department": "家庭医生团队由医院管理员或所属科室主任设立",
    "residents are signed with a care team by its members or its department's staff": "只有团队成员或所属科室人员可为团队签约居民",
    "the patient's record changed meanwhile; try again": "该患者档案已被他人修改，请重试",
    "a member of staff is in a team once": "同一员工在团队中只能出现一次",
    "every member must be active staff of the hospital": "团队成员须为本院在职员工",
    "the care team changed meanwhile; reload it": "该团队已被他人修改，请刷新后重试",
    "the patient is signed with this care team already": "该患者已与此团队签约",
    "only the care team's members see its residents": "只有团队成员可查看其签约居民",
    "a note is shared in a care team its author belongs to": "随访记录只能共享给本人所在的团队",
    "the patient is not signed with this care team": "该患者未与此团队签约",
    # follow-up: questionnaires, patient links, responses, lab results (services/followup)
    "the task is {}: a link is sent for an open task": "该随访任务状态为{}：只能为未完成的任务发送链接",
    "the task names no questionnaire: name one": "该随访任务未指定问卷：请指定问卷",
    "the link changed meanwhile: reload it": "该随访链接已被他人修改，请刷新后重试",
    "too many requests for this link: wait a minute and try again": "该链接请求过于频繁，请一分钟后再试",
    "this questionnaire has been answered already": "该问卷已提交，无需重复填写",
    "the follow-up task changed meanwhile: submit again": "随访任务已被修改，请重新提交",
    "this link is not valid: it has expired, was revoked, or does not exist": "链接无效：已过期、已撤销或不存在",
    "the questionnaire changed meanwhile: reload it": "该问卷已被他人修改，请刷新后重试",
    "a built-in questionnaire has this code: change it with PUT instead": "已有同编码的内置问卷：请用 PUT 修改它",
    "a questionnaire with this code exists": "已存在同编码的问卷",
    "the questionnaire is at version {} now, not {}: reload it": "该问卷当前为第 {} 版，而不是第 {} 版：请刷新后重试",
    "the value is in {}, its range in {}: send it in {}": "该结果单位为 {}，参考范围单位为 {}：请以 {} 提交",
    "no such task of this patient": "该患者没有此随访任务",
    "the item id {} is used twice": "题目编号 {} 重复",
    "a choice item needs options": "选择题需要选项",
    "an option value is used twice": "选项值重复",
    "only a choice item has options": "只有选择题可以有选项",
    "min is above max": "最小值大于最大值",
    "the condition names an unknown item {}": "显示条件引用了不存在的题目 {}",
    "{} has no option {}": "{} 没有选项 {}",
    "a rule on the choice item {} names its options (any_of)": "选择题 {} 的规则须列出选项（any_of）",
    "a rule on the number item {} gives above or below": "数值题 {} 的规则须给出 above 或 below",
    "a rule cannot test the {} item {}": "规则不能判断{}题 {}",
    "no such item": "没有该题目",
    "an answer is required": "此题必答",
    "choose one of the options": "请选择一个选项",
    "choose one or more of the options": "请选择一个或多个选项",
    "give a number": "请填写数字",
    "give a whole number on the scale": "请填写量表上的整数",
    "give a number from {} to {}": "请填写 {} 到 {} 之间的数字",
    "give a date (YYYY-MM-DD)": "请填写日期（YYYY-MM-DD）",
    "give text of at most {} characters": "文字最多 {} 个字",
    # follow-up: two-way referral (双向转诊)
    "the referral changed meanwhile; try again": "该转诊单已被他人修改，请重试",
    "a referral with this id exists already": "该转诊单已存在",
    "a referral is made by the patient's clinical staff": "转诊须由患者的临床医护人员发起",
    "the patient's consent to share the referral is required": "转诊须先取得患者同意共享转诊资料",
    "the receiving hospital is not an active member of this consortium": "接收医院不是该医联体/医共体的成员",
    "no such department in the receiving hospital": "接收医院没有该科室",
    "the referral boards are for the hospital's staff": "转诊看板仅供本院医护人员使用",
    "only the receiving hospital's referral desk answers a referral": "只有接收医院的转诊中心可以处理转诊",
    "an acceptance names the appointment or the bed's time": "接收转诊须填写预约时间或入院床位时间",
    "the referred patient's record is not available any more at the sending hospital": "转出医院的患者档案已不可用",
    "only the referring hospital withdraws a referral": "只有转出医院可以撤回转诊",
    "the referral is {}: it cannot become {}": "该转诊单{}，不能再变为{}",
    "no such member of staff in this hospital": "本院没有该员工",
    "no such follow-up plan in this hospital": "本院没有该随访方案",
    "no such care team in this hospital": "本院没有该家庭医生团队",
    "this referral was accepted already": "该转诊已被接收",
    "this timer has already fired": "该时限提醒已触发",
    "the referral settings changed meanwhile; reload them": "转诊时限设置已被他人修改，请刷新后重试",
    "an attachment was not uploaded: upload it first, then name it": "转诊附件尚未上传：请先上传，再添加到转诊单",
    "an attachment is named twice": "同一附件不能重复添加",
    # follow-up: consultations (会诊)
    "the consultation is {}": "该会诊{}",
    "the consultation was accepted by {}": "该会诊已由{}接诊",
    "only a target department's doctors give the consultation's opinion": "只有受邀科室的医生可以填写会诊意见",
    "this department has given its opinion already": "本科室已填写会诊意见",
    "only the doctor who asked may cancel the consultation": "只有申请会诊的医生可以撤销会诊",
    "the doctor who asked for a consultation does not answer it": "申请会诊的医生不能接受或答复自己的会诊",
    "a multi-disciplinary consultation names its time slot": "多学科会诊须填写会诊时段",
    "this consultation exists already": "该会诊已存在",
    "the consultation changed meanwhile; reload it": "该会诊已被更新，请刷新后重试",
    "the settings changed meanwhile; reload them": "设置已被更新，请刷新后重试",
    "a remote consultation names its consortium": "远程会诊须填写所属医联体",
    "the receiving hospital is not an active member of this consortium with yours": "受邀医院与本院不同属该医联体",
    "a multi-disciplinary consultation asks two departments or more": "多学科会诊须邀请两个或以上科室",
    "a consultation asks one department (several: mdt)": "会诊只能邀请一个科室（多个科室请选多学科会诊）",
    "an invited specialist is active staff of a target department": "受邀专家须为受邀科室的在职人员",
    "the time slot ends after it starts, in the future": "会诊时段的结束时间须晚于开始时间且在将来",
    "only an invited specialist or a target department's doctor may accept the consultation": (
        "只有受邀专家或受邀科室的医生可以接受会诊"
    ),
    "not a target department of this consultation": "该科室不是本次会诊的受邀科室",
    "a diagnosis is an ICD-10 code (e.g. I20.0)": "诊断须为ICD-10编码（如 I20.0）",
    # marketplace (M1): apps, review, installs, tokens
    "at most {} token requests a minute": "每分钟最多申请 {} 次令牌",
    "unknown scope: {}": "未知的权限范围：{}",
    "held by every installation, not asked: {}": "每个安装都已具备，无需申请：{}",
    "each scope is asked once": "每个权限范围只能申请一次",
    "no such event type: {}": "没有这种事件类型：{}",
    "event type not allowed by the scopes asked: {}": "所申请的权限范围不允许该事件类型：{}",
    "each event type is asked once": "每个事件类型只能申请一次",
    "must be an https URL": "必须是 https 地址",
    "the consent must be exactly what this version asks: {}": "授权必须与该版本申请的内容完全一致：{}",
    "the profile changed meanwhile; reload it": "资料已被他人修改，请重新加载",
    "set the partner profile first (PUT /marketplace/partner)": "请先填写合作伙伴资料（PUT /marketplace/partner）",
    "the app has a version in draft or in review; submit or wait for it first": "该应用已有草稿或审核中的版本，请先提交或等待审核",
    "only a draft is submitted for review": "只有草稿版本可以提交审核",
    "this version is in review already": "该版本已在审核中",
    "apps are reviewed by the province's platform admins": "应用由省平台管理员审核",
    "no one reviews what they submitted": "不能审核自己提交的版本",
    "this version is not in review": "该版本不在审核中",
    "this app is installed in this hospital already": "本医院已安装该应用",
    "version {} is not the listed version of this app ({})": "版本 {} 不是该应用当前上架的版本（{}）",
    "this app is installed in this hospital already (installation {})": "本医院已安装该应用（安装 {}）",
    "this installation was uninstalled": "该应用已卸载",
    "no newer version of this app is listed": "该应用没有更新的上架版本",
    "the credentials changed meanwhile; try again": "凭据已被修改，请重试",
    "from must be before to, at most a year apart": "开始日期须早于结束日期，且相隔不超过一年",
    "not a listed app: {}": "不是已上架的应用：{}",
    "give a consent for each app of the bundle, and only those": "请为套件中的每个应用分别授权，且仅限这些应用",
    "no longer listed: {}": "已下架：{}",
    "the consent to {} differs: {}": "对 {} 的授权不一致：{}",
    "the form gives {} more than once": "表单中 {} 出现了多次",
    "the installation changed meanwhile; reload it": "安装信息已被修改，请重新加载",
    "the app changed meanwhile; reload it": "应用已被修改，请重新加载",
    "the client authentication is malformed": "客户端认证格式错误",
    "the client is not authenticated": "客户端未认证",
    "the client credentials are not valid": "客户端凭据无效",
    "grant_type is required": "缺少 grant_type",
    "only the client_credentials grant is supported": "仅支持 client_credentials 授权方式",
    "the app is no longer installed in this hospital": "该应用已不再安装于本医院",
    "the scope asked is more than the hospital consented to": "申请的权限范围超出医院的授权",
    # marketplace: webhooks (M2)
    "this delivery was claimed by another sender": "该推送已由其他发送进程处理",
    "this record changed meanwhile": "记录已被修改，请重试",
    "this endpoint changed meanwhile; read it again": "推送地址已被修改，请重新读取后再试",
    "the webhook URL must be an https URL": "推送地址必须是 https 地址",
    "the endpoint is disabled: enable it first": "推送地址已停用：请先重新启用",
    "an uninstalled app's endpoint cannot be enabled": "已卸载应用的推送地址不能重新启用",
    # reports: the HIS census, ranges and the export
    "the census has no rows": "日报数据没有任何行",
    "the file must be CSV or xlsx": "文件须为 CSV 或 xlsx",
    "at most {} days per file": "每个文件最多 {} 天",
    "the file cannot be read as {}": "无法按 {} 读取该文件",
    "the file is larger than {} bytes": "文件超过 {} 字节",
    "a range is at most {} days": "查询区间最多 {} 天",
    "no indicator {}": "没有指标 {}",
    "must be a whole number of at least 0": "须为不小于 0 的整数",
    "is not a census field": "不是日报数据字段",
    "a future day's census cannot be recorded": "不能报送未来日期的数据",
    "the report keeps {} days: an older day is in the history exports": "日报只保留 {} 天：更早的数据见历史导出",
    "the same day is already in row {}": "同一日期已出现在第 {} 行",
    "the row has no figures": "该行没有任何数据",
    "is not a census column": "不是日报数据列",
    "names a column twice": "列名重复",
    "the header has no 日期 column": "表头缺少“日期”列",
    "the file is empty": "文件为空",
    "the file is neither UTF-8 nor GB18030 text": "文件既不是 UTF-8 也不是 GB18030 编码的文本",
    "The census cannot be recorded": "日报数据无法保存",
    "{} problems in the census; nothing was recorded": "日报数据有 {} 处问题，未保存任何数据",
    "The census was partly recorded": "日报数据仅部分保存",
    "{} of {} days were recorded (up to {}); send the same batch again: each day is replaced, not added": (
        "已保存 {} 天（共 {} 天，至 {}）；请重新提交同一批数据：每天的数据会被替换，不会重复累加"
    ),
    # reports: the morning report (院长日报)
    "this morning's report was already sent": "今天早上的院长日报已发送",
    "not active staff of this hospital: {}": "以下人员不是本院在职员工：{}",
    "the report settings changed meanwhile; reload them": "日报设置已被他人修改，请刷新",
}


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Templates with placeholders, as anchored patterns; longest first so the most specific wins."""
    out = []
    for english, chinese in sorted(MESSAGES.items(), key=lambda kv: -len(kv[0])):
        if "{}" not in english:
            continue
        parts = [re.escape(part) for part in english.split("{}")]
        out.append((re.compile("^" + "(.+?)".join(parts) + "$", re.DOTALL), chinese))
    return tuple(out)


def _value(text: str) -> str:
    return VALUES.get(text, NOUNS.get(text, text))


def translate(text: str, lang: str) -> str:
    """``text`` in ``lang``: its catalogue translation, or ``text`` itself when none is known."""
    if lang != ZH or not text:
        return text
    exact = MESSAGES.get(text)
    if exact is not None:
        return exact
    if text.startswith("No such "):
        noun = text.removeprefix("No such ")
        return "未找到" + NOUNS.get(noun, noun)
    for pattern, chinese in _patterns():
        match = pattern.match(text)
        if match:
            values = [_value(group) for group in match.groups()]
            parts = chinese.split("{}")
            return parts[0] + "".join(v + rest for v, rest in zip(values, parts[1:], strict=False))
    return text


def known(text: str) -> bool:
    """Whether ``text`` (an English template with ``{}``) has a Chinese translation."""
    return text in MESSAGES or text.removeprefix("No such ") in NOUNS


def localise(problem: Problem, lang: str) -> Problem:
    """``problem`` as a reader of ``lang`` should see it (the same type, status and fields)."""
    if lang != ZH:
        return problem
    return dataclasses.replace(
        problem,
        title=TITLES.get(problem.slug) or STATUS_TITLES.get(problem.status, problem.title),
        detail=translate(problem.detail, lang),
        errors=[FieldError(e.field, translate(e.message, lang), e.code) for e in problem.errors],
    )


def field_message(error: Mapping[str, Any]) -> str:
    """A pydantic error as a sentence a person reads: no regular expressions, no internals."""
    kind = error.get("type", "")
    if kind == "string_pattern_mismatch":
        return "has an invalid format"
    if kind == "value_error":
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ")
    return str(error.get("msg", ""))
