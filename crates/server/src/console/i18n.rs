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
