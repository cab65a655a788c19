//! The printable invoice (issue 7, PAY-4): one standalone HTML page, without the
//! console's layout, in Chinese or English. The console serves it at
//! `/admin/invoices/{id}/print` and the API at `/api/v1/invoices/{id}/print`, both from
//! this one template, so what staff print and what an integration fetches are the same.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use omnihub_app::invoices::{self as inv, Invoice, PrintableInvoice};
use omnihub_domain::invoices::{InvoiceId, InvoiceKind, InvoiceStatus};

use super::PageContext;
use super::catalog::choose_merchant;
use super::forms::{app_error, parse_id};
use super::i18n::Lang;
use super::session::ConsoleUser;
use crate::state::AppState;

/// The printed page's words.
#[derive(Debug)]
pub struct PrintTr {
    pub title: &'static str,
    pub invoice: &'static str,
    pub credit_note: &'static str,
    pub void: &'static str,
    pub seller: &'static str,
    pub buyer: &'static str,
    pub tax_id: &'static str,
    pub address: &'static str,
    pub order: &'static str,
    pub issued_at: &'static str,
    pub credit_of: &'static str,
    pub lines: &'static str,
    pub description: &'static str,
    pub sku: &'static str,
    pub quantity: &'static str,
    pub unit_price: &'static str,
    pub subtotal: &'static str,
    pub discount: &'static str,
    pub tax: &'static str,
    pub items: &'static str,
    pub shipping: &'static str,
    pub total: &'static str,
}

const EN: PrintTr = PrintTr {
    title: "Invoice",
    invoice: "Invoice",
    credit_note: "Credit note",
    void: "VOID — this document is cancelled",
    seller: "Seller",
    buyer: "Buyer",
    tax_id: "Tax id (USCC)",
    address: "Address",
    order: "Order",
    issued_at: "Issued",
    credit_of: "Credits invoice",
    lines: "Lines",
    description: "Description",
    sku: "SKU",
    quantity: "Qty",
    unit_price: "Unit price",
    subtotal: "Subtotal",
    discount: "Discount",
    tax: "Tax",
    items: "Items",
    shipping: "Shipping and fees",
    total: "Total",
};

const ZH: PrintTr = PrintTr {
    title: "发票",
    invoice: "发票",
    credit_note: "红字发票（贷项通知单）",
    void: "已作废",
    seller: "销售方",
    buyer: "购买方抬头",
    tax_id: "统一社会信用代码",
    address: "地址",
    order: "订单",
    issued_at: "开票时间",
    credit_of: "冲红的发票",
    lines: "明细",
    description: "货物或服务名称",
    sku: "SKU",
    quantity: "数量",
    unit_price: "单价",
    subtotal: "金额",
    discount: "折扣",
    tax: "税额",
    items: "商品金额",
    shipping: "运费及其他费用",
    total: "价税合计",
};

/// The words of the order page's "Invoices" block.
#[derive(Debug)]
pub struct BlockTr {
    pub heading: &'static str,
    pub none: &'static str,
    pub number: &'static str,
    pub kind: &'static str,
    pub status: &'static str,
    pub total: &'static str,
    pub print: &'static str,
    pub buyer_title: &'static str,
    pub buyer_tax_id: &'static str,
    pub buyer_address: &'static str,
    pub issue: &'static str,
}

const BLOCK_EN: BlockTr = BlockTr {
    heading: "Invoices",
    none: "No invoice yet.",
    number: "Number",
    kind: "Kind",
    status: "Status",
    total: "Total",
    print: "Print",
    buyer_title: "Buyer title",
    buyer_tax_id: "Tax id (USCC)",
    buyer_address: "Buyer address",
    issue: "Issue invoice",
};

const BLOCK_ZH: BlockTr = BlockTr {
    heading: "发票",
    none: "尚未开票。",
    number: "发票号",
    kind: "类型",
    status: "状态",
    total: "金额",
    print: "打印",
    buyer_title: "购买方抬头",
    buyer_tax_id: "统一社会信用代码",
    buyer_address: "购买方地址",
    issue: "开具发票",
};

/// The "Invoices" block's words in `lang`.
pub fn block_tr(lang: Lang) -> &'static BlockTr {
    match lang {
        Lang::ZhCn => &BLOCK_ZH,
        Lang::En => &BLOCK_EN,
    }
}

/// The print page.
#[derive(Template)]
#[template(path = "invoices/print.html")]
pub struct PrintPage<'a> {
    pub lang_tag: &'static str,
    pub t: &'static PrintTr,
    pub heading: &'static str,
    pub inv: &'a Invoice,
    pub seller: &'a str,
    pub issued_at: String,
    pub void: bool,
    pub credit_of: Option<String>,
}

/// Renders the printable page of an invoice in `lang`.
pub fn print_html(p: &PrintableInvoice, lang: Lang) -> Result<String, askama::Error> {
    let t = match lang {
        Lang::ZhCn => &ZH,
        Lang::En => &EN,
    };
    let page = PrintPage {
        lang_tag: lang.tag(),
        t,
        heading: match p.invoice.kind {
            InvoiceKind::Invoice => t.invoice,
            InvoiceKind::CreditNote => t.credit_note,
        },
        inv: &p.invoice,
        seller: &p.seller_name,
        issued_at: p
            .invoice
            .issued_at
            .strftime("%Y-%m-%d %H:%M UTC")
            .to_string(),
        void: p.invoice.status == InvoiceStatus::Void,
        credit_of: p.invoice.credit_of.map(|c| c.to_string()),
    };
    page.render()
}

/// An HTML response for a rendered page (a rendering failure is a 500).
pub fn html_response(rendered: Result<String, askama::Error>) -> Response {
    match rendered {
        Ok(html) => {
            let mut r = Html(html).into_response();
            r.headers_mut().insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            );
            r
        }
        Err(err) => {
            tracing::error!(error.cause_chain = ?err, "rendering the invoice failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /admin/invoices/{id}/print`: the printable invoice in the user's language.
pub(super) async fn print_page(
    State(state): State<AppState>,
    user: ConsoleUser,
    ctx: PageContext,
    Path(raw): Path<String>,
) -> Response {
    let ctx = ctx.signed_in(&user);
    let Some(merchant) = user.actor.merchant else {
        return choose_merchant(ctx);
    };
    let found = match parse_id::<InvoiceId>(&raw, "invoice") {
        Ok(id) => inv::printable_invoice(&state.app, &user.actor, merchant, id).await,
        Err(err) => Err(err),
    };
    match found {
        Ok(p) => html_response(print_html(&p, ctx.lang)),
        Err(err) => app_error(ctx, err),
    }
}
