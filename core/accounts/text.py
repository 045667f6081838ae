"""UI text of users, the login form, the account page: key -> (zh, en), found by the kernel's i18n."""

from __future__ import annotations

CATALOGUE: dict[str, tuple[str, str]] = {
    "login.title": ("登录 · 客服运营平台", "Log in · Service Ops Console"),
    "login.username": ("用户名", "Username"),
    "login.password": ("密码", "Password"),
    "login.submit": ("登录", "Log in"),
    "login.failed": ("用户名或密码错误。", "Wrong username or password."),
    "login.locked": (
        "登录失败次数过多，该账号已锁定{minutes}分钟（至 {until}），请稍后再试。",
        "Too many failed logins: this account is locked for {minutes} minutes (until {until}). Try again later.",
    ),
    "login.session_ended": (
        "您的会话已结束（账号已停用或密码已修改），请重新登录。",
        "Your session has ended (account deactivated or password changed). Please log in again.",
    ),
    "account.title": ("我的账户", "My account"),
    "account.language": ("语言", "Language"),
    "account.change_password": ("修改密码", "Change password"),
    "account.password_changed": (
        "密码已修改，其他设备上的登录已失效。",
        "Password changed; your other sessions have ended.",
    ),
    "users.title": ("用户管理", "Users"),
    "users.search_hint": ("用户名或姓名", "Username or name"),
    "users.empty": ("没有符合条件的用户。", "No user matches."),
    "users.new": ("新建用户", "New user"),
    "users.edit": ("编辑用户", "Edit user"),
    "users.created": ("用户 {username} 已创建。", "User {username} created."),
    "users.created_at": ("创建时间", "Created"),
    "users.locked_until": ("锁定至", "Locked until"),
    "users.username_help": ("2-32位小写字母、数字或 _ . -", "2–32 lowercase letters, digits or _ . -"),
    "users.merchant_help": ("仅商家账号需要", "Only for merchant accounts"),
    "users.password_help": ("至少8位", "At least 8 characters"),
    "users.active_help": (
        "停用后该用户立即无法登录，已登录的会话也会结束",
        "Deactivating logs the user out everywhere at once",
    ),
    "users.reset_password": ("重置密码", "Reset password"),
    "users.password_reset_done": (
        "{username} 的密码已重置，其已登录会话已结束。",
        "Password of {username} reset; their sessions have ended.",
    ),
}
