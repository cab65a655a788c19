//! The short form of the load tool's reliability checks (issue 8), run by `cargo test` on
//! both databases: `omnihub bench` exits non-zero when an invariant fails, so each test
//! runs a scenario small and checks the exit code and the verdict lines it prints.
//! The full-size runs and their figures are in docs/benchmarks.md.

use std::process::Command;

use omnihub_testkit::{TestBackend, backend_enabled};

use super::BIN;

/// Runs `omnihub bench ARGS` on `backend`; its stdout, after checking it exited 0.
fn bench(backend: TestBackend, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(BIN);
    cmd.arg("bench")
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("OMNIHUB_BENCH_POSTGRES")
        .env("OMNIHUB_LOG__LEVEL", "warn")
        .current_dir(dir.path());
    match backend {
        TestBackend::Sqlite => {
            cmd.arg("--data-dir").arg(dir.path().join("data"));
        }
        TestBackend::Postgres => {
            let url = omnihub_testkit::pg::server_url().unwrap().unwrap();
            cmd.arg("--postgres").arg(url);
        }
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "omnihub bench {args:?} failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Invariants held"), "{stdout}");
    stdout
}

fn flash_sales_sell_exactly_the_stock(backend: TestBackend) {
    let out = bench(
        backend,
        &[
            "b2",
            "--skus",
            "20",
            "--units",
            "5",
            "--hot",
            "2",
            "--hot-units",
            "40",
            "--buyers",
            "32,128",
            "--runs",
            "3",
            "--no-floors",
        ],
    );
    let verdicts: Vec<&str> = out.lines().filter(|l| l.contains("   sale ")).collect();
    assert_eq!(verdicts.len(), 5, "{out}");
    for v in verdicts {
        assert!(v.contains("oversold 0, undersold 0"), "{v}");
    }
    assert!(
        out.contains("| B2 128 buyers, 2 hot SKU × 40 units | 160 |"),
        "{out}"
    );
}

fn retry_storms_never_double_an_order(backend: TestBackend) {
    let out = bench(
        backend,
        &[
            "b3",
            "--skus",
            "30",
            "--seconds",
            "1.5",
            "--clients",
            "8",
            "--floor-seconds",
            "0.3",
        ],
    );
    assert!(out.contains("replay violations: 0"), "{out}");
    assert!(out.contains("| hot row decrement, 64 clients |"), "{out}");
    assert!(out.contains("(retried)"), "no order was retried: {out}");
}

fn kill_9_loses_no_acknowledged_order(backend: TestBackend) {
    let out = bench(
        backend,
        &[
            "crash",
            "--skus",
            "20",
            "--iterations",
            "3",
            "--clients",
            "8",
        ],
    );
    assert!(out.contains("3 iterations:"), "{out}");
    assert_eq!(out.matches("ready again in").count(), 3, "{out}");
}

#[test]
fn bench_flash_sales_sell_exactly_the_stock_on_sqlite() {
    flash_sales_sell_exactly_the_stock(TestBackend::Sqlite);
}

#[test]
fn bench_flash_sales_sell_exactly_the_stock_on_postgres() {
    if backend_enabled(TestBackend::Postgres) {
        flash_sales_sell_exactly_the_stock(TestBackend::Postgres);
    }
}

#[test]
fn bench_retry_storms_never_double_an_order_on_sqlite() {
    retry_storms_never_double_an_order(TestBackend::Sqlite);
}

#[test]
fn bench_retry_storms_never_double_an_order_on_postgres() {
    if backend_enabled(TestBackend::Postgres) {
        retry_storms_never_double_an_order(TestBackend::Postgres);
    }
}

#[test]
fn bench_kill_9_loses_no_acknowledged_order_on_sqlite() {
    kill_9_loses_no_acknowledged_order(TestBackend::Sqlite);
}

#[test]
fn bench_kill_9_loses_no_acknowledged_order_on_postgres() {
    if backend_enabled(TestBackend::Postgres) {
        kill_9_loses_no_acknowledged_order(TestBackend::Postgres);
    }
}

/// A full disk needs a filesystem of its own: a 48 MiB tmpfs, which only root can mount
/// (CI runs as root; elsewhere the test says why it did not run).
#[test]
fn bench_a_full_disk_answers_503_and_recovers_on_sqlite() {
    let mnt = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=48m", "tmpfs"])
        .arg(mnt.path())
        .output()
        .is_ok_and(|o| o.status.success());
    if !mounted {
        eprintln!("skipped: cannot mount a tmpfs here (not root)");
        return;
    }
    let data = mnt.path().join("data");
    let out = Command::new(BIN)
        .args([
            "bench",
            "diskfull",
            "--skus",
            "20",
            "--seconds",
            "3",
            "--clients",
            "8",
        ])
        .arg("--data-dir")
        .arg(&data)
        .env_remove("DATABASE_URL")
        .env("OMNIHUB_LOG__LEVEL", "warn")
        .output()
        .unwrap();
    let _ = Command::new("umount").arg(mnt.path()).status();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("503 unavailable"),
        "the full disk was never hit: {stdout}"
    );
    assert!(stdout.contains("Invariants held"), "{stdout}");
}
