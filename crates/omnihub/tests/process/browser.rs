//! The console in a real browser: Debian's headless Chromium driven through chromedriver
//! (WebDriver, `fantoccini`). A new user's path: `omnihub demo seed`, `omnihub serve`,
//! sign in as the printed owner, open the dashboard, find an order waiting to ship, pack
//! it by scanning its SKU codes and ship it, all through the pages.
//!
//! Chromium is not on a fresh machine: without `/usr/bin/chromium` and
//! `/usr/bin/chromedriver` the test says so and passes, unless `OMNIHUB_REQUIRE_BROWSER`
//! is set (CI installs both and sets it, so there it must run).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A running chromedriver and the browser session on it; both closed on drop.
pub struct Browser {
    driver: Child,
    pub client: Client,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Whether the browser test can run here; panics when it must and cannot.
pub fn available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var_os("OMNIHUB_REQUIRE_BROWSER").is_none(),
            "OMNIHUB_REQUIRE_BROWSER is set but {CHROMIUM} or {CHROMEDRIVER} is missing \
             (apt-get install chromium chromium-driver)"
        );
        eprintln!("browser test skipped: install chromium and chromium-driver to run it");
    }
    present
}

/// Starts chromedriver on a free port and opens a headless Chromium session.
pub async fn launch() -> Browser {
    let port = super::free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1366,900", "--lang=en-US"],
        },
    });
    let caps = caps.as_object().cloned().unwrap();
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("open a Chromium session");
    Browser { driver, client }
}

/// The element matching `css`, waiting for it to appear.
pub async fn find(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
}

/// Types `text` into the field matching `css`.
pub async fn fill(c: &Client, css: &str, text: &str) {
    let field = find(c, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks the element matching `css` and waits for the next page: its address differs
/// and it has loaded (a check of the old page's state would race the navigation).
pub async fn click(c: &Client, css: &str) {
    let before = c.current_url().await.unwrap();
    find(c, css).await.click().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.current_url().await.unwrap() == before {
        assert!(Instant::now() < deadline, "clicking {css} went nowhere");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    wait_loaded(c).await;
}

/// Waits until the document has loaded.
pub async fn wait_loaded(c: &Client) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let state = c
            .execute("return document.readyState", vec![])
            .await
            .unwrap();
        if state == "complete" {
            return;
        }
        assert!(Instant::now() < deadline, "the page did not finish loading");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Signs in through the login form as `email` and waits for the console home.
pub async fn sign_in(c: &Client, base: &str, email: &str, password: &str) {
    c.goto(&format!("{base}/admin/login")).await.unwrap();
    wait_loaded(c).await;
    fill(c, "input[name=email]", email).await;
    fill(c, "input[name=password]", password).await;
    click(c, "form[action='/admin/login'] button[type=submit]").await;
    let url = c.current_url().await.unwrap();
    assert!(
        !url.path().ends_with("/login"),
        "still on the login page: {}",
        c.source().await.unwrap_or_default()
    );
}

/// The id of the merchant with `code` (the demo seed makes its own).
pub async fn merchant_by_code(
    app: &omnihub_testkit::TestApp,
    code: &str,
) -> omnihub_domain::ids::MerchantId {
    let all = omnihub_app::merchants::list(&app.app, &omnihub_app::Actor::system(), None, 500)
        .await
        .unwrap();
    all.into_iter()
        .find(|m| m.code == code)
        .unwrap_or_else(|| panic!("no merchant {code}"))
        .id
}

/// An attribute of the element matching `css`.
async fn attr(c: &Client, css: &str, name: &str) -> String {
    find(c, css)
        .await
        .attr(name)
        .await
        .unwrap()
        .unwrap_or_default()
}

/// From the dashboard: follows the "to pick" count to the first order, opens its packing
/// screen, scans every open line's SKU code for its units, ships with a tracking number
/// and returns the order status the order page then shows.
pub async fn pack_and_ship_from_the_dashboard(c: &Client, base: &str) -> String {
    c.goto(&format!("{base}/admin")).await.unwrap();
    wait_loaded(c).await;
    let to_pick: u64 = attr(c, "#count-to_pick", "data-count")
        .await
        .parse()
        .unwrap();
    assert!(to_pick > 0, "the seed leaves orders to pick");
    click(c, "#count-to_pick").await;
    click(c, "tr[data-order] a").await;
    let number = find(c, "[data-testid=order-number]")
        .await
        .text()
        .await
        .unwrap();
    click(c, "[data-testid=fulfilment] a[data-testid^=pack-]").await;
    find(c, "#scan-code").await;
    let mut scans = Vec::new();
    for r in c.find_all(Locator::Css("tr[data-sku]")).await.unwrap() {
        let sku = r.attr("data-sku").await.unwrap().unwrap_or_default();
        let quantity = r.attr("data-quantity").await.unwrap().unwrap_or_default();
        let packed = r.attr("data-packed").await.unwrap().unwrap_or_default();
        let open = quantity.parse::<i64>().unwrap() - packed.parse::<i64>().unwrap();
        scans.push((sku, quantity, open));
    }
    assert!(
        !scans.is_empty(),
        "the packing screen lists the order's lines"
    );
    for (sku, quantity, open) in scans.iter().filter(|s| s.2 > 0) {
        fill(c, "#scan-code", sku).await;
        fill(c, "#scan-units", &open.to_string()).await;
        find(c, "#scan-submit").await.click().await.unwrap();
        // htmx swaps the lines in place: wait for this one to show every unit packed.
        find(
            c,
            &format!("tr[data-sku='{sku}'][data-packed='{quantity}']"),
        )
        .await;
    }
    fill(c, "#ship-carrier", "sf").await;
    fill(c, "#ship-tracking", &format!("SF-BROWSER-{number}")).await;
    click(c, "#ship-submit").await;
    find(c, "[data-testid=fulfilment]").await;
    find(c, "[data-testid=notice]").await;
    let shown = find(c, "[data-testid=order-number]")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(shown, number, "back on the order's page");
    attr(c, "[data-testid=order-status]", "data-status").await
}
