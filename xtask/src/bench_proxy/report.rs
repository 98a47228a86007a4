//! The printed outcome: a table of both proxies per scenario, the Postern/nginx ratios,
//! and each target with PASS or MISS.

use super::cpu::CpuTime;
use super::idle::IdleMemory;
use super::wrk::WrkResult;
use std::fmt::Write as _;
use std::time::Duration;

/// One proxy's run of one scenario.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ProxyRun {
    /// What wrk measured.
    pub(crate) wrk: WrkResult,
    /// The proxy's own CPU time during the run.
    pub(crate) cpu: CpuTime,
}

impl ProxyRun {
    fn per_request(&self, time: Duration) -> f64 {
        time.as_secs_f64() * 1e6 / self.wrk.requests.max(1) as f64
    }

    /// Proxy CPU time (user + system) per completed request, in microseconds.
    pub(crate) fn cpu_us_per_request(&self) -> f64 {
        self.per_request(self.cpu.total())
    }

    /// The user-space part of it.
    fn user_us_per_request(&self) -> f64 {
        self.per_request(self.cpu.user)
    }

    /// The kernel part of it.
    fn system_us_per_request(&self) -> f64 {
        self.per_request(self.cpu.system)
    }
}

/// A figure compared between the two proxies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Figure {
    /// User-space CPU time per request.
    UserCpu,
    /// User and kernel CPU time per request.
    TotalCpu,
    /// 99th percentile latency.
    P99,
    /// Requests per second; its target is a ratio it must reach, not stay under.
    Rate,
}

impl Figure {
    fn of(self, run: &ProxyRun) -> f64 {
        match self {
            Self::UserCpu => run.user_us_per_request(),
            Self::TotalCpu => run.cpu_us_per_request(),
            Self::P99 => run.wrk.p99.as_secs_f64(),
            Self::Rate => run.wrk.rate(),
        }
    }

    /// Whether `ratio` meets `bound` for this figure.
    fn meets(self, ratio: f64, bound: f64) -> bool {
        if self == Self::Rate { ratio >= bound } else { ratio <= bound }
    }

    fn name(self) -> &'static str {
        match self {
            Self::UserCpu => "user CPU per request",
            Self::TotalCpu => "proxy CPU per request",
            Self::P99 => "p99 latency",
            Self::Rate => "requests per second",
        }
    }
}

/// The Postern/nginx ratio one figure must meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Target {
    /// What is compared.
    pub(crate) figure: Figure,
    /// The ratio it must not exceed (for [`Figure::Rate`]: must reach).
    pub(crate) bound: f64,
}

/// Both proxies on one kind of traffic, and the ratios it must meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scenario {
    /// Its name in the table.
    pub(crate) name: &'static str,
    /// Postern's run.
    pub(crate) postern: ProxyRun,
    /// nginx's run.
    pub(crate) nginx: ProxyRun,
    /// Its targets.
    pub(crate) targets: &'static [Target],
}

/// AppTunnel bulk throughput against a direct connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Bulk {
    /// Bytes transferred each way.
    pub(crate) bytes: u64,
    /// Time over a direct TLS connection.
    pub(crate) direct: Duration,
    /// Time through the tunnel from the plain server: one TLS layer, like direct.
    pub(crate) tunnelled: Duration,
    /// Time through the tunnel from the TLS server: TLS inside the tunnel's TLS.
    pub(crate) tls_in_tunnel: Duration,
}

impl Bulk {
    fn mib_per_s(&self, took: Duration) -> f64 {
        self.bytes as f64 / 1_048_576.0 / took.as_secs_f64().max(1e-9)
    }

    /// Throughput over `took` as a fraction of direct throughput.
    pub(crate) fn ratio(&self, took: Duration) -> f64 {
        self.direct.as_secs_f64() / took.as_secs_f64().max(1e-9)
    }
}

/// A target and whether the measurement meets it.
fn verdict(met: bool) -> &'static str {
    if met { "PASS" } else { "MISS" }
}

fn ratio(postern: f64, nginx: f64) -> f64 {
    if nginx > 0.0 { postern / nginx } else { f64::INFINITY }
}

fn row(out: &mut String, scenario: &str, proxy: &str, run: &ProxyRun) {
    let _ = writeln!(
        out,
        "{scenario:<26} {proxy:<8} {:>10.0} {:>10.2} {:>12.1} {:>8.1} {:>8.1} {:>9} {:>7}",
        run.wrk.rate(),
        run.wrk.p99.as_secs_f64() * 1e3,
        run.cpu_us_per_request(),
        run.user_us_per_request(),
        run.system_us_per_request(),
        run.wrk.requests,
        run.wrk.errors
    );
}

/// Renders everything measured, the ratios and the verdicts.
pub(crate) fn render(
    scenarios: &[Scenario],
    bulk: Option<&Bulk>,
    idle: Option<&IdleMemory>,
    idle_target_kib: f64,
    bulk_target: f64,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<26} {:<8} {:>10} {:>10} {:>12} {:>8} {:>8} {:>9} {:>7}",
        "scenario", "proxy", "req/s", "p99 ms", "CPU µs/req", "user", "kernel", "requests", "errors"
    );
    for s in scenarios {
        row(&mut out, s.name, "Postern", &s.postern);
        row(&mut out, "", "nginx", &s.nginx);
        let _ = writeln!(
            out,
            "{:<26} {:<8} {:>9.2}x {:>9.2}x {:>11.2}x {:>7.2}x {:>7.2}x",
            "",
            "ratio",
            ratio(s.postern.wrk.rate(), s.nginx.wrk.rate()),
            ratio(s.postern.wrk.p99.as_secs_f64(), s.nginx.wrk.p99.as_secs_f64()),
            ratio(s.postern.cpu_us_per_request(), s.nginx.cpu_us_per_request()),
            ratio(s.postern.user_us_per_request(), s.nginx.user_us_per_request()),
            ratio(s.postern.system_us_per_request(), s.nginx.system_us_per_request())
        );
    }
    let _ = writeln!(out, "\ntargets (Postern over nginx unless said otherwise)");
    for s in scenarios {
        for target in s.targets {
            let measured = ratio(target.figure.of(&s.postern), target.figure.of(&s.nginx));
            let sense = if target.figure == Figure::Rate { ">=" } else { "<=" };
            let _ = writeln!(
                out,
                "  {:<52} {measured:>6.2}x  target {sense} {:.2}x  {}",
                format!("{}: {}", s.name, target.figure.name()),
                target.bound,
                verdict(target.figure.meets(measured, target.bound))
            );
        }
    }
    if let Some(b) = bulk {
        let _ = writeln!(
            out,
            "  {:<52} {:>6.2}x  target >= {bulk_target:.2}x  {}  ({:.0} MiB/s tunnelled, {:.0} MiB/s direct, {} MiB)",
            "AppTunnel bulk throughput, tunnel/direct TLS",
            b.ratio(b.tunnelled),
            verdict(b.ratio(b.tunnelled) >= bulk_target),
            b.mib_per_s(b.tunnelled),
            b.mib_per_s(b.direct),
            b.bytes / 1_048_576
        );
        let _ = writeln!(
            out,
            "  {:<52} {:>6.2}x  (no target: the client decrypts twice; {:.0} MiB/s)",
            "  the same with TLS inside the tunnel",
            b.ratio(b.tls_in_tunnel),
            b.mib_per_s(b.tls_in_tunnel)
        );
    }
    if let Some(m) = idle {
        let kib = m.per_tunnel_bytes() / 1024.0;
        let _ = writeln!(
            out,
            "  {:<52} {kib:>6.1} KiB  target < {idle_target_kib:.0} KiB  {}  (VmRSS {} -> {} KiB)",
            format!("resident memory per idle tunnel ({} open)", m.tunnels),
            verdict(kib < idle_target_kib),
            m.before_kib,
            m.after_kib
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run whose CPU time is one quarter user, three quarters kernel.
    fn run(requests: u64, p99_us: u64, cpu_ms: u64) -> ProxyRun {
        let wrk =
            WrkResult { requests, elapsed: Duration::from_secs(10), p99: Duration::from_micros(p99_us), errors: 0 };
        ProxyRun {
            wrk,
            cpu: CpuTime {
                user: Duration::from_millis(cpu_ms / 4),
                system: Duration::from_millis(cpu_ms - cpu_ms / 4),
            },
        }
    }

    #[test]
    fn ratios_and_verdicts_follow_the_numbers() {
        // Postern: 20 µs per request, p99 1 ms; nginx: 30 µs, 2 ms.
        let keep = Scenario {
            name: "keep-alive",
            postern: run(100_000, 1000, 2000),
            nginx: run(100_000, 2000, 3000),
            targets: &[
                Target { figure: Figure::TotalCpu, bound: 0.8 },
                Target { figure: Figure::UserCpu, bound: 0.5 },
                Target { figure: Figure::P99, bound: 1.0 },
            ],
        };
        // Postern: 300 µs per connection; nginx 450 µs: 0.67x misses the 0.5x target.
        let fresh = Scenario {
            name: "new TLS",
            postern: run(10_000, 3000, 3000),
            nginx: run(10_000, 3000, 4500),
            targets: &[
                Target { figure: Figure::TotalCpu, bound: 0.5 },
                Target { figure: Figure::P99, bound: 1.0 },
                Target { figure: Figure::Rate, bound: 1.0 },
            ],
        };
        let bulk = Bulk {
            bytes: 1 << 30,
            direct: Duration::from_secs(1),
            tunnelled: Duration::from_secs(2),
            tls_in_tunnel: Duration::from_secs(4),
        };
        let idle = IdleMemory { tunnels: 5000, before_kib: 10_000, after_kib: 110_000 };
        let text = render(&[keep, fresh], Some(&bulk), Some(&idle), 64.0, 0.8);
        let line = |needle: &str| {
            text.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no {needle} in\n{text}")).to_owned()
        };
        assert!(
            line("keep-alive: proxy CPU").contains("0.67x") && line("keep-alive: proxy CPU").ends_with("PASS"),
            "{text}"
        );
        // User CPU is a quarter of each: the same 0.67x, against a 0.5x target.
        assert!(
            line("keep-alive: user CPU").contains("0.67x") && line("keep-alive: user CPU").ends_with("MISS"),
            "{text}"
        );
        assert!(line("keep-alive: p99").contains("0.50x") && line("keep-alive: p99").ends_with("PASS"), "{text}");
        assert!(line("new TLS: proxy CPU").contains("0.67x") && line("new TLS: proxy CPU").ends_with("MISS"), "{text}");
        assert!(line("new TLS: p99").contains("1.00x") && line("new TLS: p99").ends_with("PASS"), "{text}");
        let rate = line("new TLS: requests per second");
        assert!(rate.contains("1.00x  target >= 1.00x") && rate.ends_with("PASS"), "{text}");
        assert!(line("bulk").contains("0.50x") && line("bulk").contains("MISS"), "{text}");
        assert!(
            line("TLS inside the tunnel").contains("0.25x") && line("TLS inside the tunnel").contains("256 MiB/s"),
            "{text}"
        );
        assert!(line("idle tunnel").contains("20.0 KiB") && line("idle tunnel").contains("PASS"), "{text}");
        let postern_line = line("Postern");
        let postern: Vec<&str> = postern_line.split_whitespace().collect();
        assert_eq!(postern[postern.len() - 5..postern.len() - 2], ["20.0", "5.0", "15.0"], "{text}");
    }
}
