//! The table of figures, the machine, and small statistics.

use std::fmt::Write as _;

/// What a figure must reach.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// The ratio to the baseline must be at least this.
    RatioAtLeast(f64),
    /// The ratio to the baseline must be at most this.
    RatioAtMost(f64),
    /// The figure itself must be below this many MiB.
    BelowMiB(f64),
    /// Reported only.
    None,
}

/// One line of the table.
#[derive(Clone, Debug)]
pub struct Row {
    pub measurement: String,
    pub figure: String,
    pub baseline: String,
    pub ratio: Option<f64>,
    pub target: Target,
    /// The figure in the unit of a [`Target::BelowMiB`] target.
    pub value_mib: Option<f64>,
    /// Printed under the table.
    pub note: Option<String>,
}

impl Row {
    pub fn new(measurement: impl Into<String>, figure: String, baseline: String) -> Self {
        Self {
            measurement: measurement.into(),
            figure,
            baseline,
            ratio: None,
            target: Target::None,
            value_mib: None,
            note: None,
        }
    }

    pub fn note(mut self, note: String) -> Self {
        self.note = Some(note);
        self
    }

    pub fn ratio(mut self, ratio: f64) -> Self {
        self.ratio = Some(ratio);
        self
    }

    pub fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    pub fn mib(mut self, value: f64) -> Self {
        self.value_mib = Some(value);
        self
    }

    /// `Some(true)` when the target is met, `None` when there is none.
    pub fn passed(&self) -> Option<bool> {
        match self.target {
            Target::RatioAtLeast(t) => Some(self.ratio.is_some_and(|r| r >= t)),
            Target::RatioAtMost(t) => Some(self.ratio.is_some_and(|r| r <= t)),
            Target::BelowMiB(t) => Some(self.value_mib.is_some_and(|v| v < t)),
            Target::None => None,
        }
    }
}

/// The table, as aligned columns (also valid Markdown).
pub fn table(rows: &[Row]) -> String {
    let header = [
        "measurement",
        "figure",
        "baseline (same run)",
        "ratio",
        "target",
        "result",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.measurement.clone(),
                r.figure.clone(),
                r.baseline.clone(),
                r.ratio.map_or("-".into(), |x| format!("{x:.3}")),
                match r.target {
                    Target::RatioAtLeast(t) => format!("ratio >= {t}"),
                    Target::RatioAtMost(t) => format!("ratio <= {t}"),
                    Target::BelowMiB(t) => format!("< {t} MiB"),
                    Target::None => "(report)".into(),
                },
                match r.passed() {
                    Some(true) => "pass".into(),
                    Some(false) => "MISS".into(),
                    None => "-".into(),
                },
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, row: &[&str]| {
        out.push('|');
        for (c, w) in row.iter().zip(widths) {
            let _ = write!(out, " {c:<w$} |");
        }
        out.push('\n');
    };
    line(&mut out, &header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(
        &mut out,
        &rule.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    for row in &cells {
        line(
            &mut out,
            &row.iter().map(String::as_str).collect::<Vec<_>>(),
        );
    }
    for row in rows {
        if let Some(note) = &row.note {
            let _ = writeln!(out, "- {}: {note}", row.measurement);
        }
    }
    out
}

/// The machine, in one line.
pub fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = kib_field(&meminfo, "MemTotal:").map_or("unknown memory".into(), |k| {
        format!("{:.1} GiB", k as f64 / (1024.0 * 1024.0))
    });
    format!(
        "{cpus} CPUs ({model}), {memory}, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// The process's peak resident memory so far (VmHWM), in KiB.
pub fn peak_rss_kib() -> Option<u64> {
    kib_field(
        &std::fs::read_to_string("/proc/self/status").ok()?,
        "VmHWM:",
    )
}

fn kib_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The median (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// How far a median of per-round ratios can be trusted: the number of
/// rounds, a distribution-free 95% confidence interval of the median (from
/// the order statistics), and the range.
pub fn ratios_note(values: &[f64]) -> String {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return "no rounds".into();
    }
    // The values of ranks k+1 and n-k bound the median with about 95%
    // confidence (normal approximation of the binomial); with few rounds,
    // the whole range.
    let k = ((n as f64 - 1.96 * (n as f64).sqrt()) / 2.0)
        .floor()
        .max(0.0) as usize;
    let k = k.min((n - 1) / 2);
    format!(
        "{n} rounds, 95% CI of the median ratio {:.3}-{:.3}, range {:.3}-{:.3}",
        sorted[k],
        sorted[n - 1 - k],
        sorted[0],
        sorted[n - 1]
    )
}

pub fn mib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}

/// CPU time used by this process so far (all threads, user and system),
/// in seconds, at the kernel's clock-tick resolution.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // USER_HZ is 100 on Linux for every architecture Rust targets.
    Some((utime + stime) / 100.0)
}

/// The load averages (1, 5, 15 minutes), as the kernel shows them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The order in which three ways run in round `round`: the six
/// permutations in turn, so that each way runs first, second and last, and
/// after each other way, equally often.
pub fn order(round: usize) -> [usize; 3] {
    const PERMUTATIONS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
        [1, 0, 2],
        [0, 2, 1],
    ];
    PERMUTATIONS[round % 6]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_their_intervals() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        let values: Vec<f64> = (1..=30).map(f64::from).collect();
        // n = 30: k = floor((30 - 1.96 * sqrt(30)) / 2) = 9, ranks 10 and 21.
        assert!(ratios_note(&values).contains("CI of the median ratio 10.000-21.000"));
        assert!(ratios_note(&[1.0]).contains("1.000-1.000"));
    }

    #[test]
    fn every_way_runs_after_every_other_equally_often() {
        let mut after = [[0; 3]; 3];
        let mut previous = None;
        for round in 0..6 {
            for way in order(round) {
                if let Some(p) = previous {
                    after[way][p] += 1;
                }
                previous = Some(way);
            }
        }
        for (way, counts) in after.iter().enumerate() {
            for (p, &n) in counts.iter().enumerate() {
                if p != way {
                    assert!(n >= 2, "{way} after {p}: {n}");
                }
            }
        }
    }

    #[test]
    fn verdicts() {
        let row = Row::new("x", String::new(), String::new());
        assert_eq!(row.clone().passed(), None);
        assert_eq!(
            row.clone()
                .ratio(0.96)
                .target(Target::RatioAtLeast(0.95))
                .passed(),
            Some(true)
        );
        assert_eq!(
            row.clone()
                .ratio(0.2)
                .target(Target::RatioAtMost(0.1))
                .passed(),
            Some(false)
        );
        assert_eq!(
            row.mib(63.9).target(Target::BelowMiB(64.0)).passed(),
            Some(true)
        );
    }
}
