//! The benchmarks' memory probe: the process's peak resident set size, read
//! and reset between steps so each step reports its own peak.

/// The process's peak resident set size in KiB since the last [`reset_peak_rss`]
/// (Linux).
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Starts a new peak-RSS measurement from what the process holds now (Linux 4.0+:
/// writing 5 to `clear_refs` resets `VmHWM`), so each step reports its own peak.
pub(super) fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak, as a benchmark row shows it.
pub(super) fn rss_row() -> String {
    peak_rss().map_or_else(|| "unknown".to_owned(), |kb| format!("{} MB", kb / 1024))
}
