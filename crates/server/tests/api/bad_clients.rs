//! Bad clients over a real TCP socket (issue 8): slow-loris connections, oversized and
//! deeply nested bodies, invalid UTF-8 anywhere in a request. The server answers each with
//! a 4xx (or drops the connection) and stays responsive for everyone else.

use std::net::SocketAddr;
use std::time::Duration;

use omnihub_testkit::{TestApp, both_dbs};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Generous bound for anything that should be quick: never a timing assertion.
const PATIENCE: Duration = Duration::from_secs(10);
const BODY_LIMIT: usize = 256 * 1024;

/// Serves the production stack of `app` on a loopback socket until the test ends.
async fn serve(app: &TestApp) -> SocketAddr {
    let settings = omnihub_server::HttpSettings {
        body_limit: BODY_LIMIT,
        header_read_timeout: Duration::from_secs(1),
        ..Default::default()
    };
    let state = omnihub_server::AppState::new(app.app.clone(), settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(omnihub_server::serve(
        listener,
        state,
        std::future::pending(),
    ));
    addr
}

/// A raw response: status code, head (lower-cased) and body.
struct Raw {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Raw {
    /// Asserts a 4xx `application/problem+json` answer and returns the problem.
    fn problem_4xx(&self, why: &str) -> serde_json::Value {
        assert!(
            (400..500).contains(&self.status),
            "{why}: {} {}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        assert!(
            self.head.contains("content-type: application/problem+json"),
            "{why}: {}",
            self.head
        );
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{why}: {e}"))
    }
}

/// Sends `request` as raw bytes and reads the answer until the server closes.
async fn raw(addr: SocketAddr, request: &[u8]) -> Raw {
    let exchange = async {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(request).await.unwrap();
        let mut out = Vec::new();
        // A reset after a complete answer is fine: what was read is the answer.
        let _ = s.read_to_end(&mut out).await;
        out
    };
    let out = tokio::time::timeout(PATIENCE, exchange)
        .await
        .expect("an answer in time");
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    let head = String::from_utf8_lossy(&out[..split]).to_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    Raw {
        status,
        head,
        body: out[split + 4..].to_vec(),
    }
}

/// A request with `Connection: close`, optional extra header lines and body.
fn request(method: &str, target: &[u8], headers: &[&[u8]], body: &[u8]) -> Vec<u8> {
    let mut r = [
        method.as_bytes(),
        b" ",
        target,
        b" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n",
    ]
    .concat();
    for h in headers {
        r.extend_from_slice(h);
        r.extend_from_slice(b"\r\n");
    }
    if !body.is_empty() {
        r.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    }
    r.extend_from_slice(b"\r\n");
    r.extend_from_slice(body);
    r
}

async fn healthy(addr: SocketAddr) {
    let r = raw(addr, &request("GET", b"/healthz", &[], b"")).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

fn bearer(token: &str) -> Vec<u8> {
    format!("Authorization: Bearer {token}").into_bytes()
}

both_dbs! {
    async fn slow_loris_connections_do_not_starve_others_and_are_dropped(app: TestApp) {
        let addr = serve(app).await;
        let mut slow = Vec::new();
        for _ in 0..50 {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: ").await.unwrap();
            slow.push(tokio::spawn(async move {
                // Trickles a header byte at a time and never ends the head; the server must
                // close the connection (EOF, a reset or a 408) rather than wait for ever.
                let mut buf = [0_u8; 256];
                loop {
                    if s.write_all(b"a").await.is_err() {
                        return;
                    }
                    match tokio::time::timeout(Duration::from_millis(100), s.read(&mut buf)).await {
                        Ok(Ok(0) | Err(_)) => return,
                        Ok(Ok(_)) => {
                            assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 408"));
                            return;
                        }
                        Err(_) => {}
                    }
                }
            }));
        }
        // While all fifty hold their connections open, a normal client is served.
        healthy(addr).await;
        for s in slow {
            tokio::time::timeout(PATIENCE, s).await.expect("the slow connection was dropped").unwrap();
        }
        healthy(addr).await;
    }

    async fn oversized_bodies_are_413_problems_and_write_nothing(app: TestApp) {
        let addr = serve(app).await;
        let token = app.admin_token().await;
        let before = app.get_as(&token, "/api/v1/merchants").await.json();
        let auth = bearer(&token);
        // A declared length over the limit is refused before any body byte is read.
        let declared = format!("Content-Length: {}", 100 * 1024 * 1024);
        let head = request("POST", b"/api/v1/merchants", &[&auth, b"Content-Type: application/json", declared.as_bytes()], b"");
        raw(addr, &head).await.problem_4xx("declared length");
        // A chunked body is counted as it streams: one chunk just over the limit.
        let mut chunked = request("POST", b"/api/v1/merchants", &[&auth, b"Content-Type: application/json", b"Transfer-Encoding: chunked"], b"");
        let json = format!("{{\"code\": \"big\", \"name\": \"{}\"}}", "x".repeat(BODY_LIMIT));
        chunked.extend_from_slice(format!("{:x}\r\n", json.len()).as_bytes());
        chunked.extend_from_slice(json.as_bytes());
        let r = raw(addr, &chunked).await;
        assert_eq!(r.status, 413);
        assert_eq!(r.problem_4xx("chunked")["code"], "payload-too-large");
        assert_eq!(app.get_as(&token, "/api/v1/merchants").await.json(), before, "nothing was written");
        healthy(addr).await;
    }

    async fn deeply_nested_json_is_a_4xx_problem(app: TestApp) {
        let addr = serve(app).await;
        let token = app.admin_token().await;
        let auth = bearer(&token);
        for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
            let mut body = open.repeat(100_000);
            body.push_str(&close.repeat(100_000));
            let body = &body.as_bytes()[..body.len().min(BODY_LIMIT - 1)];
            for path in [&b"/api/v1/merchants"[..], b"/api/v1/auth/login"] {
                let r = raw(addr, &request("POST", path, &[&auth, b"Content-Type: application/json"], body)).await;
                r.problem_4xx(open);
            }
        }
        healthy(addr).await;
    }

    async fn invalid_utf8_anywhere_is_a_4xx_never_a_5xx(app: TestApp) {
        let addr = serve(app).await;
        let token = app.admin_token().await;
        let auth = bearer(&token);
        let json = b"Content-Type: application/json";
        // Inside a JSON string, and as a bare byte outside one.
        for body in [&b"{\"code\": \"a\xff\xfe\", \"name\": \"x\"}"[..], b"\xff{}"] {
            let r = raw(addr, &request("POST", b"/api/v1/merchants", &[&auth, json], body)).await;
            r.problem_4xx("body");
        }
        // Percent-encoded in a query value and a path segment (API and console).
        for target in [&b"/api/v1/merchants?cursor=%FF%FE"[..], b"/api/v1/merchants?limit=%C3%28", b"/api/v1/merchants/%FF", b"/api/v1/merchants/%FF/users"] {
            let r = raw(addr, &request("GET", target, &[&auth], b"")).await;
            r.problem_4xx(&String::from_utf8_lossy(target));
        }
        for target in [&b"/admin/merchants/%FF"[..], b"/assets/%FF%FE", b"/track?code=%FF"] {
            let r = raw(addr, &request("GET", target, &[], b"")).await;
            assert!((400..500).contains(&r.status) || r.status == 303 || r.status == 200, "{}: {}", String::from_utf8_lossy(target), r.status);
        }
        // Raw bytes in the request line are refused by the HTTP parser itself.
        let r = raw(addr, &request("GET", b"/api/v1/merch\xffants", &[], b"")).await;
        assert!((400..500).contains(&r.status), "raw byte in the path: {}", r.status);
        // In the credentials and other headers the server reads.
        for header in [&b"Authorization: Bearer \xff\xfe"[..], b"Idempotency-Key: \xff", b"Accept-Language: \xff", b"X-Request-Id: \xff\xfe"] {
            let r = raw(addr, &request("GET", b"/api/v1/merchants", &[header], b"")).await;
            r.problem_4xx(&String::from_utf8_lossy(header));
        }
        // Where a key is honoured, an unreadable one is refused rather than ignored.
        let r = raw(addr, &request("POST", b"/api/v1/inventory/reservations", &[&auth, json, b"Idempotency-Key: \xff\xfe"], b"{}")).await;
        assert_eq!(r.problem_4xx("idempotency key")["code"], "idempotency-key-invalid");
        healthy(addr).await;
    }
}

both_dbs! {
    async fn the_openapi_document_lists_the_problems_any_operation_can_give(app: TestApp) {
        // What schemathesis (scripts/schemathesis.sh) holds the server to: every answer the
        // shared extractors give is documented, and ids and page sizes are constrained.
        let doc = app.get("/api/v1/openapi.json").await.json();
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let has = |status: &str| op["responses"].get(status).is_some();
                let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
                if secured {
                    assert!(has("400") && has("401"), "{method} {path}");
                }
                if let Some(content) = op["requestBody"]["content"].as_object() {
                    assert!(has("413") && has("415"), "{method} {path}");
                    if content.contains_key("application/json") {
                        assert!(has("422"), "{method} {path}");
                    }
                }
                for p in op["parameters"].as_array().into_iter().flatten() {
                    let name = p["name"].as_str().unwrap();
                    if p["in"] == "path" && (name == "id" || name.ends_with("_id")) {
                        assert_eq!(p["schema"]["format"], "uuid", "{method} {path} {name}");
                    }
                    if p["in"] == "header" && name.eq_ignore_ascii_case("idempotency-key") {
                        assert_eq!(p["schema"]["maxLength"], 255, "{method} {path}");
                    }
                    if p["in"] == "query" && name == "limit" {
                        assert_eq!((p["schema"]["minimum"].as_u64(), p["schema"]["maximum"].as_u64()), (Some(1), Some(500)), "{method} {path}");
                    }
                }
                checked += 1;
            }
        }
        assert!(checked > 150, "{checked} operations");
        assert!(!doc.to_string().contains("#/components/schemas/ImportModeDto"), "no dangling reference");
    }
}
