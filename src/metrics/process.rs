//! The `process_*` series Prometheus client libraries export by convention, read from
//! `/proc/self` on each scrape: CPU seconds, resident memory, open and allowed file
//! descriptors, and the start time. Off Linux (no `/proc`) they are left out.

use std::fmt::Write;

/// Clock ticks per second in `/proc/*/stat`: `USER_HZ`, 100 on every Linux ABI.
const TICKS_PER_SEC: f64 = 100.0;

/// What `/proc` says of this process.
#[derive(Debug, Default, PartialEq)]
struct Process {
    cpu_seconds: f64,
    resident_bytes: u64,
    open_fds: u64,
    max_fds: Option<u64>,
    start_time_seconds: f64,
}

/// The fields of `/proc/self/stat` after the command name: state is the first (3rd
/// of the whole line), utime the 12th (14th), stime the 13th, starttime the 20th.
fn parse_stat(stat: &str, boot_time: u64) -> Option<(f64, f64)> {
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<f64>().ok();
    let cpu = (ticks(11)? + ticks(12)?) / TICKS_PER_SEC;
    let start = boot_time as f64 + ticks(19)? / TICKS_PER_SEC;
    Some((cpu, start))
}

/// `btime` of `/proc/stat`: when the machine booted, in Unix seconds.
fn parse_boot_time(stat: &str) -> Option<u64> {
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

/// `VmRSS` of `/proc/self/status`, in bytes.
fn parse_rss(status: &str) -> Option<u64> {
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// The soft limit on open files in `/proc/self/limits`.
fn parse_max_fds(limits: &str) -> Option<u64> {
    limits
        .lines()
        .find_map(|l| l.strip_prefix("Max open files"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn read() -> Option<Process> {
    let text = |path: &str| std::fs::read_to_string(path).ok();
    let boot = parse_boot_time(&text("/proc/stat")?)?;
    let (cpu_seconds, start_time_seconds) = parse_stat(&text("/proc/self/stat")?, boot)?;
    Some(Process {
        cpu_seconds,
        resident_bytes: parse_rss(&text("/proc/self/status")?)?,
        open_fds: std::fs::read_dir("/proc/self/fd").ok()?.count() as u64,
        max_fds: text("/proc/self/limits").as_deref().and_then(parse_max_fds),
        start_time_seconds,
    })
}

/// Appends the `process_*` series, when `/proc` can be read.
pub fn render(out: &mut String) {
    let Some(p) = read() else {
        return;
    };
    let mut series = |name: &str, kind: &str, help: &str, value: String| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    series(
        "process_cpu_seconds_total",
        "counter",
        "User and system CPU time spent, in seconds.",
        p.cpu_seconds.to_string(),
    );
    series(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        p.resident_bytes.to_string(),
    );
    series(
        "process_open_fds",
        "gauge",
        "Open file descriptors.",
        p.open_fds.to_string(),
    );
    if let Some(max) = p.max_fds {
        series(
            "process_max_fds",
            "gauge",
            "The most file descriptors the process may open.",
            max.to_string(),
        );
    }
    series(
        "process_start_time_seconds",
        "gauge",
        "When the process started, in Unix seconds.",
        p.start_time_seconds.to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_are_read_field_by_field() {
        // A command name with spaces and parentheses, as `comm` may hold.
        let stat = "4242 (lat (key) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 \
                    9 0 1200 123456 789 18446744073709551615";
        assert_eq!(
            parse_stat(stat, 1_700_000_000),
            Some((3.0, 1_700_000_012.0))
        );
        assert_eq!(
            parse_boot_time("cpu 1 2\nbtime 1700000000\nprocesses 9\n"),
            Some(1_700_000_000)
        );
        assert_eq!(
            parse_rss("Name:\tlatchkey\nVmRSS:\t   14336 kB\n"),
            Some(14_680_064)
        );
        assert_eq!(
            parse_max_fds(
                "Limit Soft Hard Units\nMax open files            65536                65536                files\n"
            ),
            Some(65536)
        );
        assert!(read().is_some(), "this test runs on Linux");
    }
}
