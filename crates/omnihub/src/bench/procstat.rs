//! CPU time and peak memory from `/proc` (Linux): the server child's, and the PostgreSQL
//! processes' (every process named `postgres`, the way `top` would count them). On SQLite
//! the database runs inside the server, so its CPU is part of the server's.

use std::path::Path;

/// CPU ticks used so far, split by who used them.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuTicks {
    pub server: u64,
    pub database: u64,
}

impl CpuTicks {
    /// Ticks now, for the server `pid`.
    pub fn sample(pid: u32) -> Self {
        Self {
            server: ticks_of(Path::new(&format!("/proc/{pid}"))),
            database: postgres_ticks(),
        }
    }

    /// Milliseconds of CPU between `self` and a later sample.
    pub fn ms_until(&self, later: &Self) -> (f64, f64) {
        let ms = |a: u64, b: u64| b.saturating_sub(a) as f64 * 1000.0 / ticks_per_second();
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

fn postgres_ticks() -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read_to_string(e.path().join("comm")).is_ok_and(|c| c.trim() == "postgres")
        })
        .map(|e| ticks_of(&e.path()))
        .sum()
}

/// Linux reports `/proc` CPU times in USER_HZ, 100 on every mainstream architecture.
fn ticks_per_second() -> f64 {
    100.0
}

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
