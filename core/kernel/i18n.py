"""The UI text catalogue: Simplified Chinese first, English as a switch.

Pages never hard-code text: they call `t(key, lang, **params)`. Core raises errors as catalogue
keys (`core.kernel.errors`), so the same rule speaks both languages. A missing key shows as the key
itself (and a test fails on any key a page uses that is not here).

This module holds the mechanism and the words every part shares (general buttons, navigation, roles,
fields, errors, charts, the audit log); each capability keeps its own words in
`core/<capability>/text*.py`, found by name when the catalogue is built.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

LANGUAGES = ("zh", "en")
_LANGUAGE_NAMES = {"zh": "简体中文", "en": "English"}

# key -> (zh, en)
CATALOGUE: dict[str, tuple[str, str]] = {
    # general
    "all": ("全部", "All"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "search": ("搜索", "Search"),
    "logout": ("退出登录", "Log out"),
    "row_n": ("第{n}行", "Row {n}"),
    "confirm_delete": ("我确认要删除", "Yes, delete it"),
    "btn.add": ("添加", "Add"),
    "btn.back_to_list": ("返回列表", "Back to the list"),
    "btn.create": ("创建", "Create"),
    "btn.delete": ("删除", "Delete"),
    "pdf.page": ("第 {page} 页 / 共 {pages} 页", "Page {page} of {pages}"),
    "pdf.download": ("下载PDF", "Download PDF"),
    "btn.export_excel": ("导出 Excel", "Export to Excel"),
    "btn.save": ("保存", "Save"),
    "msg.not_found": ("找不到该记录，或您无权查看。", "Not found, or you may not see it."),
    "msg.saved": ("已保存。", "Saved."),
    "msg.unexpected_error": (
        "出现了意外错误，您的操作未完成，数据未被改动。问题已记录，请稍后重试或联系管理员。",
        "Something unexpected went wrong; your action did not complete and no data was changed. It has been logged; try again or ask the admin.",
    ),
    "msg.not_saved": ("未保存，请修改以下问题：", "Nothing was saved. Please fix the following:"),
    # navigation
    "nav.group.main": ("工作台", "Workspace"),
    "nav.group.admin": ("系统管理", "Administration"),
    "nav.group.me": ("我的", "Me"),
    "nav.home": ("首页", "Home"),
    "nav.merchants": ("商家", "Merchants"),
    "nav.projects": ("项目", "Projects"),
    "nav.users": ("用户管理", "Users"),
    "nav.audit": ("审计日志", "Audit log"),
    "nav.system": ("备份与日历", "Backup & calendar"),
    "nav.account": ("我的账户", "My account"),
    # roles
    "role.admin": ("客服总监", "Director (admin)"),
    "role.manager": ("项目经理", "Project manager"),
    "role.trainer": ("培训", "Trainer"),
    "role.qa": ("质检", "QA inspector"),
    "role.agent": ("客服", "Agent"),
    "role.merchant": ("商家", "Merchant"),
    # fields
    "field.name": ("名称", "Name"),
    "field.platform": ("平台", "Platform"),
    "field.shop_name": ("店铺名", "Shop name"),
    "field.category": ("类目", "Category"),
    "field.contact_name": ("联系人", "Contact"),
    "field.contact_phone": ("联系电话", "Phone"),
    "field.current_presales_agents": ("现有售前客服人数", "Current pre-sales agents"),
    "field.avg_daily_inquiries": ("日均咨询量", "Average daily inquiries"),
    "field.promotion_frequency": ("活动频率", "Promotion frequency"),
    "field.notes": ("备注", "Notes"),
    "field.status": ("状态", "Status"),
    "field.manager": ("项目经理", "Manager"),
    "field.merchant": ("商家", "Merchant"),
    "field.merchant_id": ("商家", "Merchant"),
    "field.manager_id": ("项目经理", "Manager"),
    "field.project_name": ("项目名称", "Project name"),
    "field.username": ("用户名", "Username"),
    "field.display_name": ("姓名", "Name"),
    "field.role": ("角色", "Role"),
    "field.active": ("启用", "Active"),
    "field.password": ("初始密码", "Initial password"),
    "field.old_password": ("当前密码", "Current password"),
    "field.new_password": ("新密码", "New password"),
    "field.new_password_again": ("再次输入新密码", "New password again"),
    "field.language": ("语言", "Language"),
    "field.note": ("备注", "Note"),
    "field.file": ("文件", "File"),
    "field.question": ("问题", "Question"),
    "field.answer": ("答案/话术", "Answer / script"),
    # order confirmation fields
    "field.company_name": ("公司名称", "Company name"),
    "field.service_type": ("服务业务", "Service business"),
    "field.service_hours_start": ("服务时间 开始", "Service hours from"),
    "field.service_hours_end": ("服务时间 结束", "Service hours to"),
    "field.agents_required": ("需求客服人数", "Agents required"),
    "field.liaison": ("商家对接人", "Merchant liaison"),
    "field.target_daily_inquiries": ("日咨询量", "Daily inquiry volume"),
    "field.target_first_response_s": ("首次响应时长(秒)", "First response time (s)"),
    "field.target_avg_response_s": ("平均响应时长(秒)", "Average response time (s)"),
    "field.target_response_30s_rate": ("30秒应答率", "30-second response rate"),
    "field.target_conversion_rate": ("询单转化率", "Inquiry conversion rate"),
    "field.target_aov": ("客单价(元)", "Average order value (yuan)"),
    "field.target_satisfaction": ("满意度", "Satisfaction"),
    "field.kpi_window_start": ("考核时段 开始", "Service window from"),
    "field.kpi_window_end": ("考核时段 结束", "Service window to"),
    "field.kpi_fast_threshold_s": ("快速应答阈值(秒)", "Fast-reply threshold (s)"),
    "field.kpi_response_unit": ("响应计算口径", "A wait is counted per"),
    "field.kpi_attribution_days": ("询单转化归属", "Conversion window"),
    "field.materials_submitted": ("资料已提交", "Materials submitted"),
    "field.materials_complete": ("资料已齐全", "Materials complete"),
    "field.materials_missing": ("缺少的资料", "Missing materials"),
    "field.materials_due_date": ("其余资料约定提交日期", "Agreed date for the rest"),
    "field.trainer": ("培训方", "Who trains"),
    "field.examiner": ("考核方", "Who examines"),
    "field.training_requirements": ("特殊要求", "Special requirements"),
    "field.golive_requested_date": ("商家要求上线日期", "Go-live date the merchant asks for"),
    "field.golive_committed_date": ("我方承诺上线日期", "Go-live date we commit to"),
    "field.qa_standard": ("质检标准", "QA standard"),
    "field.other_requests": ("其他要求", "Other requests"),
    # errors
    "err.required": ("必填", "required"),
    "err.too_long": ("过长（最多{n}个字符）", "too long (at most {n} characters)"),
    "err.invalid_choice": ("选项无效", "not a valid choice"),
    "err.invalid_value": ("值无效", "not a valid value"),
    "err.integer": ("须为整数", "must be a whole number"),
    "err.min": ("不能小于{min}", "must be at least {min}"),
    "err.max": ("不能大于{max}", "must be at most {max}"),
    "err.positive": ("须大于0", "must be greater than 0"),
    "err.non_negative": ("不能为负数", "cannot be negative"),
    "err.non_negative_int": ("须为不小于0的整数", "must be a whole number, 0 or more"),
    "err.rate_range": ("须在0%到100%之间", "must be between 0% and 100%"),
    "err.time_format": ("时间格式应为 HH:MM，例如 08:00", "time must be HH:MM, e.g. 08:00"),
    "err.end_before_start": ("结束时间须晚于开始时间", "must be later than the start"),
    "err.required_when_incomplete": ("资料未齐全时必填", "required while materials are incomplete"),
    "err.date_past": ("日期不能早于今天", "cannot be in the past"),
    "err.qa_upload_required": ("选择商家自有标准时须上传标准文件", "upload the merchant's standard when it is used"),
    "err.duplicate": ("已存在同名记录", "already exists"),
    "err.duplicate_of_row": ("与第{row}行重复", "duplicates row {row}"),
    "err.username_format": ("用户名须为2-32位小写字母、数字或 _ . -", "2–32 lowercase letters, digits or _ . -"),
    "err.username_taken": ("用户名已被占用", "username already taken"),
    "err.merchant_required": ("商家账号须关联一个商家", "a merchant account must be tied to a merchant"),
    "err.cannot_demote_self": (
        "不能停用自己或取消自己的管理员角色",
        "you cannot deactivate yourself or drop your own admin role",
    ),
    "err.password_short": ("密码至少{n}位", "at least {n} characters"),
    "err.password_same": ("新密码不能与当前密码相同", "must differ from the current password"),
    "err.password_mismatch": ("两次输入的新密码不一致。", "The two new passwords differ."),
    "err.wrong_password": ("当前密码不正确", "the current password is wrong"),
    "err.bad_transition": ("不能从“{frm}”变更为“{to}”", "cannot move from {frm} to {to}"),
    "err.standard_question": ("标准问题不能删除", "standard questions cannot be deleted"),
    "err.file_empty": ("文件为空", "the file is empty"),
    "err.file_name": ("文件名无效", "invalid file name"),
    "err.file_type": (
        "不支持的文件类型 .{ext}（允许：{allowed}）",
        "file type .{ext} is not allowed (allowed: {allowed})",
    ),
    "err.file_size": ("文件超过{mb}MB上限", "the file is larger than {mb} MB"),
    "err.file_type_table": ("请上传 .xlsx 或 .csv 文件", "upload an .xlsx or .csv file"),
    "err.file_encoding": ("无法识别文件编码，请另存为 UTF-8", "unknown text encoding; save as UTF-8"),
    "err.file_unreadable": ("无法读取该文件，请确认是有效的表格文件", "the file could not be read as a table"),
    "err.missing_columns": ("缺少列：{columns}", "missing columns: {columns}"),
    "err.duplicate_columns": ("列重复：{columns}", "columns appear more than once: {columns}"),
    "warn.golive_too_soon": (
        "商家要求的上线日期早于确认后{n}个工作日，最早可于 {earliest} 上线。",
        "The merchant's date is sooner than {n} working days after confirmation; the earliest is {earliest}.",
    ),
    # home
    "home.title": ("你好，{name}", "Hello, {name}"),
    "home.agent_intro": (
        "欢迎使用客服运营平台。您的KPI、质检与薪资将在相关功能上线后显示在这里。",
        "Welcome. Your KPIs, QA results and pay will show here as those features go live.",
    ),
    "home.empty": (
        "还没有项目。先在“商家”页面添加商家并创建项目。",
        "No projects yet. Add a merchant and a project on the Merchants page.",
    ),
    "home.merchant_empty": ("您的账号下还没有项目。", "There are no projects on your account yet."),
    "home.merchants": ("商家", "Merchants"),
    "home.projects": ("项目", "Projects"),
    "home.in_preparation": ("筹备中", "In preparation"),
    "home.by_status": ("项目状态分布", "Projects by status"),
    "home.drafts": ("待确认的订单确认表", "Order confirmations to confirm"),
    "home.no_drafts": ("没有待确认的草稿。", "No drafts waiting."),
    "home.golives": ("即将上线", "Coming go-lives"),
    "home.no_golives": ("暂无即将上线的项目。", "No go-lives coming."),
    # the history of a status
    "history.at": ("时间", "When"),
    "history.from": ("原状态", "From"),
    "history.to": ("新状态", "To"),
    "history.by": ("操作人", "By"),
    "history.note": ("备注", "Note"),
    # charts (ui/charts.py): units of axis titles, shared axis names
    "chart.unit.seconds": ("秒", "s"),
    "chart.unit.pct": ("%", "%"),
    "chart.unit.people": ("人", "people"),
    "chart.unit.yuan": ("元", "CNY"),
    "chart.unit.points": ("分", "points"),
    "chart.unit.times": ("次", "count"),
    "chart.unit.cases": ("件", "count"),
    "chart.unit.projects": ("个", "projects"),
    "chart.unit.items": ("件/人", "items per buyer"),
    "chart.unit.agents": ("人", "agents"),
    "chart.unit.hour": ("时", "h"),
    "chart.day": ("日期", "Day"),
    "chart.week": ("周（周一）", "Week (Monday)"),
    "chart.hour": ("时段", "Hour of day"),
    "chart.weekday": ("星期", "Weekday"),
    "chart.agent": ("客服", "Agent"),
    # audit
    "audit.title": ("审计日志", "Audit log"),
    "audit.entity": ("对象", "Entity"),
    "audit.entity_id": ("对象ID", "Entity id"),
    "audit.period": ("日期范围", "Dates"),
    "audit.at": ("时间", "When"),
    "audit.action": ("操作", "Action"),
    "audit.before": ("修改前", "Before"),
    "audit.after": ("修改后", "After"),
    "audit.empty": ("该条件下没有记录。", "No entries for these filters."),
    "audit.count": ("共 {n} 条（最多显示1000条）", "{n} entries (at most 1000 shown)"),
    # the audit log in words: actions and entities as core.kernel.audit.record writes them
    "audit.action.accept_gap": ("接受缺口", "Accept a gap"),
    "audit.action.amend": ("补充修订", "Amend"),
    "audit.action.answer": ("回答", "Answer"),
    "audit.action.approve": ("审批通过", "Approve"),
    "audit.action.archive": ("归档", "Archive"),
    "audit.action.backup": ("备份", "Back up"),
    "audit.action.bulk_create": ("批量创建", "Create in bulk"),
    "audit.action.case": ("标记案例", "Tag a case"),
    "audit.action.case_status": ("案例讨论状态", "Case status"),
    "audit.action.close": ("关闭", "Close"),
    "audit.action.compute": ("计算", "Compute"),
    "audit.action.confirm": ("确认", "Confirm"),
    "audit.action.create": ("新建", "Create"),
    "audit.action.decide": ("决定", "Decide"),
    "audit.action.delete": ("删除", "Delete"),
    "audit.action.end": ("结束", "End"),
    "audit.action.escalate": ("升级给主管", "Escalate"),
    "audit.action.fill": ("填充", "Fill"),
    "audit.action.go_live_override": ("特批上线", "Go-live override"),
    "audit.action.import": ("导入", "Import"),
    "audit.action.issue": ("开具", "Issue"),
    "audit.action.lock": ("锁定", "Lock"),
    "audit.action.map": ("映射", "Map"),
    "audit.action.match": ("匹配", "Match"),
    "audit.action.new_version": ("新版本", "New version"),
    "audit.action.password": ("修改密码", "Change password"),
    "audit.action.pay": ("付款", "Pay"),
    "audit.action.propose": ("生成建议", "Propose"),
    "audit.action.queue": ("排队", "Queue"),
    "audit.action.recompute": ("重新计算", "Recompute"),
    "audit.action.reopen": ("重新打开", "Reopen"),
    "audit.action.request_review": ("提交审核", "Request a review"),
    "audit.action.resolve": ("解决", "Resolve"),
    "audit.action.responsibility": ("责任认定", "Finding"),
    "audit.action.review": ("审核", "Review"),
    "audit.action.run": ("核算", "Run"),
    "audit.action.save_draft": ("保存草稿", "Save a draft"),
    "audit.action.score": ("评分", "Score"),
    "audit.action.settle": ("结算", "Settle"),
    "audit.action.stage_done": ("完成阶段", "Finish a stage"),
    "audit.action.start": ("开始处理", "Start"),
    "audit.action.status": ("变更状态", "Change status"),
    "audit.action.steps": ("更新处理步骤", "Update steps"),
    "audit.action.update": ("修改", "Update"),
    "audit.action.version": ("新版本", "New version"),
    "audit.action.withdraw": ("撤回", "Withdraw"),
    "audit.action.withdraw_gap": ("撤回缺口接受", "Withdraw the gap acceptance"),
    "audit.entity.aftersales_case": ("售后工单", "After-sales case"),
    "audit.entity.agent": ("客服", "Agent"),
    "audit.entity.agent_alias": ("客服别名", "Agent alias"),
    "audit.entity.agent_track": ("新人培训进度", "Newcomer track"),
    "audit.entity.attendance": ("考勤", "Attendance"),
    "audit.entity.billing_contract": ("合同", "Contract"),
    "audit.entity.billing_credit": ("服务抵扣", "Service credit"),
    "audit.entity.billing_invoice": ("账单", "Invoice"),
    "audit.entity.billing_price_list": ("价目表", "Price list"),
    "audit.entity.billing_quote": ("报价单", "Quote"),
    "audit.entity.cashback": ("返现", "Cashback"),
    "audit.entity.complaint": ("投诉", "Complaint"),
    "audit.entity.database": ("数据库", "Database"),
    "audit.entity.exam": ("考试记录", "Exam"),
    "audit.entity.exam_pass_mark": ("考试及格线", "Exam pass mark"),
    "audit.entity.extra_day_off": ("额外休息日", "Extra day off"),
    "audit.entity.faq_item": ("FAQ条目", "FAQ item"),
    "audit.entity.handover_note": ("交接记录", "Handover note"),
    "audit.entity.kb_article": ("知识库文章", "KB article"),
    "audit.entity.kb_comment": ("知识库评论", "KB comment"),
    "audit.entity.kb_memo": ("备忘", "Memo"),
    "audit.entity.kb_phrase": ("话术", "Phrase"),
    "audit.entity.kb_phrase_flag": ("话术纠错", "Phrase flag"),
    "audit.entity.kpi_raw": ("原始聊天记录", "Raw chat logs"),
    "audit.entity.kpi_summary": ("平台日报", "Platform summary"),
    "audit.entity.meeting_action": ("例会行动项", "Meeting action"),
    "audit.entity.meeting_minutes": ("例会纪要", "Meeting minutes"),
    "audit.entity.merchant": ("商家", "Merchant"),
    "audit.entity.order_confirmation": ("订单确认表", "Order confirmation"),
    "audit.entity.pay_run": ("月度工资核算", "Pay run"),
    "audit.entity.project": ("项目", "Project"),
    "audit.entity.project_agent": ("项目团队成员", "Team member"),
    "audit.entity.project_candidate": ("项目候选人", "Project candidate"),
    "audit.entity.promotion": ("大促", "Promotion"),
    "audit.entity.qa_calibration": ("质检校准", "QA calibration"),
    "audit.entity.qa_dispute": ("质检申诉", "QA dispute"),
    "audit.entity.qa_project_settings": ("质检设置", "QA settings"),
    "audit.entity.qa_review": ("质检", "QA review"),
    "audit.entity.qa_review_task": ("质检任务", "QA task"),
    "audit.entity.qa_scorecard": ("评分表", "Scorecard"),
    "audit.entity.reissue": ("补发", "Reissue"),
    "audit.entity.required_exams": ("必考项目", "Required exams"),
    "audit.entity.roster": ("排班", "Roster"),
    "audit.entity.salary_scheme": ("薪资方案", "Salary scheme"),
    "audit.entity.salary_scheme_assignment": ("薪资方案分配", "Scheme assignment"),
    "audit.entity.schedule_settings": ("排班设置", "Scheduling settings"),
    "audit.entity.setting": ("系统设置", "Setting"),
    "audit.entity.shift_request": ("请假调班申请", "Shift request"),
    "audit.entity.team_settings": ("组队设置", "Team settings"),
    "audit.entity.training_material": ("培训资料", "Training material"),
    "audit.entity.training_plan": ("培训计划", "Training plan"),
    "audit.entity.training_session": ("培训课次", "Training session"),
    "audit.entity.upload": ("上传文件", "Upload"),
    "audit.entity.user": ("用户", "User"),
    "audit.change": ("变更内容", "Change"),
    "field.pay_run.agents": ("核算人数", "Agents paid"),
    # stamps many records carry, as the audit log names them
    "field.created_at": ("创建时间", "Created at"),
    "field.created_by": ("创建人", "Created by"),
    "field.approved_at": ("审批时间", "Approved at"),
    "field.approved_by": ("审批人", "Approved by"),
    "field.computed_at": ("计算时间", "Computed at"),
    "field.computed_by": ("计算人", "Computed by"),
    "field.issued_at": ("开具时间", "Issued at"),
    "field.issued_by": ("开具人", "Issued by"),
    "field.paid_by": ("收款登记人", "Payment recorded by"),
    "field.due_date": ("到期日", "Due date"),
    "field.pay_run.total": ("应发合计(元)", "Total pay (yuan)"),
    "audit.show_json": ("显示原始数据（JSON）", "Show the raw data (JSON)"),
    "audit.value": ("值", "Value"),
    "audit.no_change": ("（无字段变化）", "(no field changed)"),
    # system
    "system.title": ("备份与日历", "Backup & calendar"),
    "system.backup": ("数据库备份", "Database backup"),
    "system.backup_hint": (
        "使用SQLite在线备份生成一致的副本，用户可继续操作。恢复方法见README。",
        "A consistent copy made with SQLite's online backup while people keep working. Restoring: see the README.",
    ),
    "system.make_backup": ("生成备份", "Make a backup"),
    "system.download_backup": ("下载备份文件", "Download the backup"),
    "system.days_off": ("公司额外休息日", "Company extra days off"),
    "system.days_off_hint": (
        "工作日按国家法定节假日及调休计算，并扣除这里的额外休息日。",
        "Working days follow China's official calendar (with swapped days) minus these days.",
    ),
    "system.day": ("日期", "Day"),
    "system.no_days_off": ("没有额外休息日。", "No extra days off."),
}


def _merge(part: dict[str, tuple[str, str]]) -> None:
    clash = set(part) & set(CATALOGUE)
    if clash:
        raise RuntimeError(f"i18n keys defined twice: {sorted(clash)}")
    CATALOGUE.update(part)


def _merge_capability_catalogues() -> None:
    """Each capability keeps its text in `core/<capability>/text*.py`; a key defined twice is a bug.

    The catalogues are found by name, not imported here, so the kernel depends on no capability
    (the same way Django finds each app's modules). A text module may also offer
    `build(known_keys)`, run after every catalogue is in, for labels made from its own data
    (the importer fields of core.kpi.text_imports).
    """
    import core

    builders = []
    for package in sorted(info.name for info in pkgutil.iter_modules(core.__path__) if info.ispkg):
        if package == "kernel":
            continue
        folder = Path(core.__path__[0]) / package
        for name in sorted(info.name for info in pkgutil.iter_modules([str(folder)])):
            if name != "text" and not name.startswith("text_"):
                continue
            module = importlib.import_module(f"core.{package}.{name}")
            if hasattr(module, "CATALOGUE"):
                _merge(module.CATALOGUE)
            if hasattr(module, "build"):
                builders.append(module.build)
    for build in builders:
        _merge(build(set(CATALOGUE)))


_merge_capability_catalogues()


def t(key: str, lang: str = "zh", **params: Any) -> str:
    """The text for `key` in `lang`, with `{name}` placeholders filled."""
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    text = entry[0] if lang != "en" else entry[1]
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def translator(lang: str) -> Callable[..., str]:
    """`t` bound to one language, as pages get it from their context: translator("zh")("kpi.target")."""
    return partial(t, lang=lang)


def language_name(code: str) -> str:
    """How a language is named in the switch."""
    return _LANGUAGE_NAMES.get(code, code)
