//! The database going away under load. `outage` (PostgreSQL): B1 orders run while the
//! cluster is stopped with `--outage-stop` (an immediate stop) a third of the way in and
//! started again with `--outage-start` at two thirds. `diskfull` (SQLite, its data
//! directory on a small filesystem of its own): a ballast file fills the disk, B1 runs
//! against the full disk, the ballast is removed and B1 runs again. Either way the answers
//! while the database cannot write must be clean 503s (never a 500), the server must take
//! orders again once the database is back, and afterwards every acknowledged order must be
//! held exactly once and every integrity check must pass.

use std::io::Write as _;
use std::time::Duration;

use super::Run;

/// PostgreSQL stopped and started mid-load.
pub async fn postgres(run: &mut Run) -> anyhow::Result<()> {
    let (Some(stop), Some(start)) = (run.args.outage_stop.clone(), run.args.outage_start.clone())
    else {
        anyhow::bail!(
            "outage needs --outage-stop CMD and --outage-start CMD (scripts/bench.sh outage passes them)"
        );
    };
    anyhow::ensure!(
        run.args.postgres.is_some(),
        "outage runs on PostgreSQL (--postgres)"
    );
    println!(
        "== outage: PostgreSQL stopped at 1/3 and started at 2/3 of {} s",
        run.args.seconds
    );
    let load = run.order_load("outage");
    let l = load.clone();
    let third = Duration::from_secs_f64(run.args.seconds / 3.0);
    let blows = tokio::spawn(async move {
        tokio::time::sleep(third).await;
        let stopped = shell(&stop).await;
        tokio::time::sleep(third).await;
        let started = shell(&start).await;
        (stopped, started)
    });
    run.measure(
        "B1 across a PostgreSQL stop and start".into(),
        run.pace(None, None),
        None,
        move |n| {
            let l = l.clone();
            async move { l.place(n).await }
        },
    )
    .await;
    let (stopped, started) = blows.await?;
    anyhow::ensure!(stopped && started, "the stop or start command failed");
    judge(run, &load).await
}

/// SQLite on a full disk, then with space again.
pub async fn disk_full(run: &mut Run) -> anyhow::Result<()> {
    let dir = run.target.data_dir();
    println!("== diskfull: filling the filesystem of {}", dir.display());
    let ballast = dir.join("ballast.bin");
    let filled = fill(&ballast)?;
    println!(
        "   ballast of {:.1} MiB leaves the disk full",
        filled as f64 / 1048576.0
    );
    let load = run.order_load("diskfull");
    let half = super::load::Pace {
        duration: Duration::from_secs_f64(run.args.seconds / 2.0),
        ..run.pace(None, None)
    };
    let l = load.clone();
    run.measure("B1 on a full disk".into(), half, None, move |n| {
        let l = l.clone();
        async move { l.place(n).await }
    })
    .await;
    std::fs::remove_file(&ballast)?;
    let l = load.clone();
    run.measure("B1 after the space is freed".into(), half, None, move |n| {
        let l = l.clone();
        async move { l.place(n + 10_000_000).await }
    })
    .await;
    judge(run, &load).await
}

/// No 500s; orders taken again at the end; the acknowledged ones all held once.
async fn judge(run: &mut Run, load: &super::orders::OrderLoad) -> anyhow::Result<()> {
    for row in &run.rows {
        let errors: usize = row
            .tally
            .by_class
            .iter()
            .filter(|(c, _)| c.starts_with("500"))
            .map(|(_, l)| l.len())
            .sum();
        if errors > 0 {
            run.problems.push(format!(
                "{}: {errors} answers were 500, not a clean 503",
                row.label
            ));
        }
    }
    // The server must take orders again: one order, retried for up to 30 s.
    let mut recovered = false;
    for attempt in 0..300u64 {
        if load.place(50_000_000 + attempt).await.starts_with("201") {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !recovered {
        run.problems
            .push("the server did not take orders again within 30 s".into());
    }
    run.verify_orders(&[load], false).await
}

async fn shell(cmd: &str) -> bool {
    tokio::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .status()
        .await
        .is_ok_and(|s| s.success())
}

/// Writes 1 MiB blocks to `path` until the disk refuses; the bytes written.
fn fill(path: &std::path::Path) -> anyhow::Result<u64> {
    let mut file = std::fs::File::create(path)?;
    let block = vec![0u8; 1 << 20];
    let mut written = 0u64;
    loop {
        match file.write(&block) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break,
            Err(e) => return Err(e.into()),
        }
    }
    // Fill the last partial block too.
    let small = [0u8; 4096];
    while file.write(&small).is_ok_and(|n| n > 0) {
        written += 4096;
    }
    let _ = file.sync_all();
    Ok(written)
}
