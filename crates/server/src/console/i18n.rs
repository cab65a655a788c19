//! Console translations (zh-CN and English). Each language is one value of [`Tr`], so a
//! missing translation is a compile error, not a blank on screen (docs/adr/0003).

/// A console language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Simplified Chinese.
    ZhCn,
    /// English.
    En,
}

impl Lang {
    /// Every language, in menu order.
    pub const ALL: [Self; 2] = [Self::ZhCn, Self::En];

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    /// The language's own name, for the switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::ZhCn => "简体中文",
            Self::En => "English",
        }
    }

    /// Parses a tag (`zh-CN`, `zh`, `en-GB` ...).
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Self::ZhCn),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The first supported language of an `Accept-Language` header, by quality.
    pub fn from_accept_language(header: &str) -> Option<Self> {
        let mut ranked: Vec<(f32, Self)> = header
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let lang = Self::parse(pieces.next()?)?;
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                Some((q, lang))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
        ranked.first().map(|(_, lang)| *lang)
    }

    /// The strings of this language.
    pub fn tr(self) -> &'static Tr {
        match self {
            Self::ZhCn => &ZH_CN,
            Self::En => &EN,
        }
    }
}

/// Every string the console shows.
#[derive(Debug)]
pub struct Tr {
    pub app_name: &'static str,
    pub tagline: &'static str,
    pub nav_overview: &'static str,
    pub nav_status: &'static str,
    pub nav_developers: &'static str,
    pub nav_api_docs: &'static str,
    pub language: &'static str,
    pub sign_in: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub sign_in_title: &'static str,
    pub status_title: &'static str,
    pub version: &'static str,
    pub database_backend: &'static str,
    pub migrations: &'static str,
    pub migrations_current: &'static str,
    pub migrations_pending: &'static str,
    pub started_at: &'static str,
    pub uptime: &'static str,
    pub pools: &'static str,
    pub pool: &'static str,
    pub connections: &'static str,
    pub idle: &'static str,
    pub in_use: &'static str,
    pub maximum: &'static str,
    pub not_found_title: &'static str,
    pub not_found_body: &'static str,
    pub back_home: &'static str,
    pub unavailable: &'static str,
    pub sign_out: &'static str,
    pub wrong_credentials: &'static str,
    pub too_many_attempts: &'static str,
    pub signed_in_as: &'static str,
    // --- account & mfa ---
    pub mfa_step_title: &'static str,
    pub mfa_step_hint: &'static str,
    pub mfa_code: &'static str,
    pub verify: &'static str,
    pub wrong_code: &'static str,
    pub my_account: &'static str,
    pub mfa: &'static str,
    pub mfa_on: &'static str,
    pub mfa_off: &'static str,
    pub mfa_enrol: &'static str,
    pub mfa_scan: &'static str,
    pub mfa_secret: &'static str,
    pub mfa_enabled_notice: &'static str,
    pub mfa_required_notice: &'static str,
    pub recovery_codes_hint: &'static str,
    pub change_password: &'static str,
    pub current_password: &'static str,
    pub new_password: &'static str,
    pub password_changed: &'static str,
    pub sessions: &'static str,
    pub channel: &'static str,
    pub signed_in_at: &'static str,
    pub last_seen: &'static str,
    pub client: &'static str,
    pub this_session: &'static str,
    pub logout_everywhere: &'static str,
    pub nav_account: &'static str,
    // --- first-run set-up ---
    pub setup_title: &'static str,
    pub setup_hint: &'static str,
    pub setup_token: &'static str,
    pub setup_submit: &'static str,
    // --- audit ---
    pub audit_nav_section: &'static str,
    pub audit_nav: &'static str,
    pub audit_title: &'static str,
    pub audit_filter_action: &'static str,
    pub audit_filter_entity_type: &'static str,
    pub audit_filter_entity_id: &'static str,
    pub audit_filter_actor: &'static str,
    pub audit_filter_from: &'static str,
    pub audit_filter_to: &'static str,
    pub audit_filter_request_id: &'static str,
    pub audit_filter_merchant: &'static str,
    pub audit_platform_chain: &'static str,
    pub audit_time_hint: &'static str,
    pub audit_apply: &'static str,
    pub audit_reset: &'static str,
    pub audit_export_csv: &'static str,
    pub audit_col_time: &'static str,
    pub audit_col_actor: &'static str,
    pub audit_col_action: &'static str,
    pub audit_col_entity: &'static str,
    pub audit_col_changes: &'static str,
    pub audit_col_client: &'static str,
    pub audit_before: &'static str,
    pub audit_after: &'static str,
    pub audit_empty: &'static str,
    pub audit_next_page: &'static str,
    pub audit_first_page: &'static str,
    pub audit_checking: &'static str,
    pub audit_verify_now: &'static str,
    pub audit_chain_ok: &'static str,
    pub audit_chain_broken: &'static str,
    pub audit_entry: &'static str,
    pub audit_break_altered: &'static str,
    pub audit_break_gap: &'static str,
    pub audit_break_unlinked: &'static str,
    pub audit_break_truncated: &'static str,
    pub audit_break_overrun: &'static str,
    pub audit_break_head_mismatch: &'static str,
    pub audit_break_head_missing: &'static str,
    pub audit_forbidden: &'static str,
    pub audit_no_such_merchant: &'static str,
}

/// English.
pub static EN: Tr = Tr {
    app_name: "Omnihub",
    tagline: "Omnichannel commerce operations",
    nav_overview: "Overview",
    nav_status: "System status",
    nav_developers: "Developers",
    nav_api_docs: "API documentation",
    language: "Language",
    sign_in: "Sign in",
    email: "Email",
    password: "Password",
    sign_in_title: "Sign in to Omnihub",
    status_title: "System status",
    version: "Version",
    database_backend: "Database",
    migrations: "Migrations",
    migrations_current: "up to date",
    migrations_pending: "pending",
    started_at: "Started at",
    uptime: "Uptime",
    pools: "Database connections",
    pool: "Pool",
    connections: "Open",
    idle: "Idle",
    in_use: "In use",
    maximum: "Maximum",
    not_found_title: "Page not found",
    not_found_body: "There is no console page at this address.",
    back_home: "Back to the console",
    unavailable: "The database is unreachable right now.",
    sign_out: "Sign out",
    wrong_credentials: "Wrong email or password.",
    too_many_attempts: "Too many failed attempts; try again later",
    signed_in_as: "Signed in as",
    // --- account & mfa ---
    mfa_step_title: "Two-step verification",
    mfa_step_hint: "Enter the 6-digit code from your authenticator app, or one of your recovery codes.",
    mfa_code: "Code",
    verify: "Verify",
    wrong_code: "The code is not correct",
    my_account: "My account",
    mfa: "Multi-factor authentication",
    mfa_on: "On",
    mfa_off: "Off",
    mfa_enrol: "Set up an authenticator app",
    mfa_scan: "Scan this QR code with an authenticator app (or type the key), then enter the code it shows.",
    mfa_secret: "Key",
    mfa_enabled_notice: "Multi-factor authentication is on.",
    mfa_required_notice: "One of your roles requires multi-factor authentication. Set it up to continue.",
    recovery_codes_hint: "Recovery codes: each works once if you lose your device. They are shown only now; store them safely.",
    change_password: "Change password",
    current_password: "Current password",
    new_password: "New password",
    password_changed: "Password changed; your other sessions were signed out.",
    sessions: "Sessions",
    channel: "Channel",
    signed_in_at: "Signed in",
    last_seen: "Last used",
    client: "Client",
    this_session: "this session",
    logout_everywhere: "Sign out everywhere",
    nav_account: "My account",
    // --- first-run set-up ---
    setup_title: "Set up Omnihub",
    setup_hint: "Create the first platform administrator. The one-time set-up token is printed in the server log when it starts.",
    setup_token: "Set-up token",
    setup_submit: "Create administrator",
    // --- audit ---
    audit_nav_section: "Security",
    audit_nav: "Audit log",
    audit_title: "Audit log",
    audit_filter_action: "Action",
    audit_filter_entity_type: "Entity type",
    audit_filter_entity_id: "Entity id",
    audit_filter_actor: "Actor (email or id)",
    audit_filter_from: "From",
    audit_filter_to: "To",
    audit_filter_request_id: "Request id",
    audit_filter_merchant: "Merchant id",
    audit_platform_chain: "Platform",
    audit_time_hint: "RFC 3339, e.g. 2026-01-15T08:00:00Z",
    audit_apply: "Filter",
    audit_reset: "Reset",
    audit_export_csv: "Export CSV",
    audit_col_time: "Time",
    audit_col_actor: "Actor",
    audit_col_action: "Action",
    audit_col_entity: "Entity",
    audit_col_changes: "Changes",
    audit_col_client: "Client / request",
    audit_before: "Before",
    audit_after: "After",
    audit_empty: "No entries match these filters.",
    audit_next_page: "Older entries",
    audit_first_page: "Newest entries",
    audit_checking: "Verifying the hash chains…",
    audit_verify_now: "Verify now",
    audit_chain_ok: "Hash chains intact:",
    audit_chain_broken: "Tampering detected: the audit log's hash chain is broken.",
    audit_entry: "entry",
    audit_break_altered: "an entry was altered",
    audit_break_gap: "entries are missing",
    audit_break_unlinked: "an entry does not link to its predecessor",
    audit_break_truncated: "entries were deleted from the end",
    audit_break_overrun: "entries exist past the chain's head",
    audit_break_head_mismatch: "the last entry was rewritten",
    audit_break_head_missing: "the chain's head record is missing",
    audit_forbidden: "You may not read the audit log (it needs the audit.read permission).",
    audit_no_such_merchant: "No such merchant.",
};

/// Simplified Chinese.
pub static ZH_CN: Tr = Tr {
    app_name: "Omnihub 全渠道中台",
    tagline: "全渠道电商运营管理",
    nav_overview: "概览",
    nav_status: "系统状态",
    nav_developers: "开发者",
    nav_api_docs: "API 文档",
    language: "语言",
    sign_in: "登录",
    email: "邮箱",
    password: "密码",
    sign_in_title: "登录 Omnihub",
    status_title: "系统状态",
    version: "版本",
    database_backend: "数据库",
    migrations: "数据库迁移",
    migrations_current: "已是最新",
    migrations_pending: "待执行",
    started_at: "启动时间",
    uptime: "运行时长",
    pools: "数据库连接",
    pool: "连接池",
    connections: "已打开",
    idle: "空闲",
    in_use: "使用中",
    maximum: "上限",
    not_found_title: "页面不存在",
    not_found_body: "此地址没有对应的控制台页面。",
    back_home: "返回控制台",
    unavailable: "数据库暂时无法访问。",
    sign_out: "退出登录",
    wrong_credentials: "邮箱或密码错误。",
    too_many_attempts: "失败次数过多，请稍后再试",
    signed_in_as: "当前用户",
    // --- account & mfa ---
    mfa_step_title: "两步验证",
    mfa_step_hint: "请输入身份验证器应用中的 6 位验证码，或一个恢复码。",
    mfa_code: "验证码",
    verify: "验证",
    wrong_code: "验证码不正确",
    my_account: "我的账户",
    mfa: "多因素认证",
    mfa_on: "已开启",
    mfa_off: "未开启",
    mfa_enrol: "设置身份验证器应用",
    mfa_scan: "用身份验证器应用扫描此二维码（或手动输入密钥），然后输入应用显示的验证码。",
    mfa_secret: "密钥",
    mfa_enabled_notice: "多因素认证已开启。",
    mfa_required_notice: "您的某个角色要求使用多因素认证，请先完成设置。",
    recovery_codes_hint: "恢复码：设备丢失时每个可使用一次。仅显示这一次，请妥善保存。",
    change_password: "修改密码",
    current_password: "当前密码",
    new_password: "新密码",
    password_changed: "密码已修改，您的其他会话已退出。",
    sessions: "登录会话",
    channel: "渠道",
    signed_in_at: "登录时间",
    last_seen: "最近使用",
    client: "客户端",
    this_session: "当前会话",
    logout_everywhere: "退出所有会话",
    nav_account: "我的账户",
    // --- first-run set-up ---
    setup_title: "初始化 Omnihub",
    setup_hint: "创建第一个平台管理员。一次性初始化令牌会在服务启动时打印在日志中。",
    setup_token: "初始化令牌",
    setup_submit: "创建管理员",
    // --- audit ---
    audit_nav_section: "安全",
    audit_nav: "审计日志",
    audit_title: "审计日志",
    audit_filter_action: "操作",
    audit_filter_entity_type: "对象类型",
    audit_filter_entity_id: "对象 ID",
    audit_filter_actor: "操作人（邮箱或 ID）",
    audit_filter_from: "开始时间",
    audit_filter_to: "结束时间",
    audit_filter_request_id: "请求 ID",
    audit_filter_merchant: "商户 ID",
    audit_platform_chain: "平台",
    audit_time_hint: "RFC 3339 格式，例如 2026-01-15T08:00:00Z",
    audit_apply: "筛选",
    audit_reset: "重置",
    audit_export_csv: "导出 CSV",
    audit_col_time: "时间",
    audit_col_actor: "操作人",
    audit_col_action: "操作",
    audit_col_entity: "对象",
    audit_col_changes: "变更内容",
    audit_col_client: "客户端 / 请求",
    audit_before: "变更前",
    audit_after: "变更后",
    audit_empty: "没有符合筛选条件的记录。",
    audit_next_page: "更早的记录",
    audit_first_page: "最新记录",
    audit_checking: "正在校验哈希链……",
    audit_verify_now: "立即校验",
    audit_chain_ok: "哈希链完整：",
    audit_chain_broken: "检测到篡改：审计日志的哈希链已断裂。",
    audit_entry: "条目",
    audit_break_altered: "条目内容被篡改",
    audit_break_gap: "条目缺失",
    audit_break_unlinked: "条目未链接到前一条",
    audit_break_truncated: "末尾条目被删除",
    audit_break_overrun: "存在超出链头的条目",
    audit_break_head_mismatch: "最后一条被改写",
    audit_break_head_missing: "链头记录缺失",
    audit_forbidden: "您无权查看审计日志（需要 audit.read 权限）。",
    audit_no_such_merchant: "商户不存在。",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Some(Lang::ZhCn)
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR, en-GB;q=0.7, zh;q=0.3"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("fr, de"), None);
    }
}
