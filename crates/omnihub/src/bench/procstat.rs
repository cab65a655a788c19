//! CPU time and peak memory from `/proc` (Linux): the server child's, and the PostgreSQL
//! cluster's: the postmaster serving the run's database (found as the parent of a backend
//! whose process title names that database) and all its children, so other clusters on
//! the machine do not count. On SQLite the database runs inside the server, so its CPU is
//! part of the server's and the database column is 0.

use std::path::Path;

/// CPU ticks used so far, split by who used them.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuTicks {
    pub server: u64,
    pub database: u64,
}

impl CpuTicks {
    /// Ticks now, for the server `pid` and the cluster serving `database` (PostgreSQL).
    pub fn sample(pid: u32, database: Option<&str>) -> Self {
        Self {
            server: ticks_of(Path::new(&format!("/proc/{pid}"))),
            database: database.map_or(0, cluster_ticks),
        }
    }

    /// Milliseconds of CPU between `self` and a later sample.
    pub fn ms_until(&self, later: &Self) -> (f64, f64) {
        let ms = |a: u64, b: u64| b.saturating_sub(a) as f64 * 1000.0 / TICKS_PER_SECOND;
        (
            ms(self.server, later.server),
            ms(self.database, later.database),
        )
    }
}

/// `utime + stime` of one process (fields 14 and 15 of `stat`); 0 when unreadable.
fn ticks_of(proc_dir: &Path) -> u64 {
    let Ok(stat) = std::fs::read_to_string(proc_dir.join("stat")) else {
        return 0;
    };
    // The command name may hold spaces and parentheses: count fields after the last `)`.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return 0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    field(11) + field(12)
}

/// `(pid, ppid, process title)` of every `postgres` process.
fn postgres_processes() -> Vec<(u32, u32, String)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| {
            let pid = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let comm = std::fs::read_to_string(e.path().join("comm")).ok()?;
            if comm.trim() != "postgres" {
                return None;
            }
            let stat = std::fs::read_to_string(e.path().join("stat")).ok()?;
            let rest = &stat[stat.rfind(')')? + 1..];
            let ppid = rest.split_whitespace().nth(1)?.parse::<u32>().ok()?;
            let title = std::fs::read_to_string(e.path().join("cmdline")).unwrap_or_default();
            Some((pid, ppid, title.replace('\0', " ")))
        })
        .collect()
}

/// CPU ticks of the postmaster that serves `database`, and of all its children.
fn cluster_ticks(database: &str) -> u64 {
    let all = postgres_processes();
    let Some(postmaster) = all
        .iter()
        .find(|(_, _, title)| title.split_whitespace().any(|w| w == database))
        .map(|p| p.1)
    else {
        return 0;
    };
    all.iter()
        .filter(|(pid, ppid, _)| *pid == postmaster || *ppid == postmaster)
        .map(|(pid, _, _)| ticks_of(Path::new(&format!("/proc/{pid}"))))
        .sum()
}

/// Linux reports `/proc` CPU times in USER_HZ, 100 on every mainstream architecture.
const TICKS_PER_SECOND: f64 = 100.0;

/// Peak resident memory (`VmHWM`) of a process in MiB; 0 when unreadable.
pub fn peak_rss_mib(pid: u32) -> f64 {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return 0.0;
    };
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
