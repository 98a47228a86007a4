//! wrk, driven by a Lua script that sends ~1 KiB ActiveSync `Sync` POSTs and prints its
//! own summary line, which is parsed here.

use super::process::pinned;
use super::scratch::Scratch;
use crate::shell::{Result, StepError};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// Size of each request body: a WBXML-sized `Sync`.
const BODY_BYTES: usize = 1024;
/// The marker of the script's summary line.
const MARK: &str = "POSTERN_WRK";

/// How the requests travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Connections {
    /// Many requests per TLS connection.
    KeepAlive,
    /// `Connection: close`: a new TCP connection and TLS handshake for every request.
    NewPerRequest,
}

/// One wrk run's outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct WrkResult {
    /// Responses received.
    pub(crate) requests: u64,
    /// How long wrk ran.
    pub(crate) elapsed: Duration,
    /// 99th percentile latency.
    pub(crate) p99: Duration,
    /// Connect, read, write and timeout errors, and responses with status ≥ 400.
    pub(crate) errors: u64,
}

impl WrkResult {
    /// Responses per second.
    pub(crate) fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The Lua script: method, body and headers of an ActiveSync client, and a `done` hook
/// printing the numbers wrk's own report rounds.
fn script(connections: Connections) -> String {
    let close = match connections {
        Connections::KeepAlive => "",
        Connections::NewPerRequest => "wrk.headers[\"Connection\"] = \"close\"\n",
    };
    format!(
        "wrk.method = \"POST\"\n\
         wrk.body = string.rep(\"\\3\\1\\106\\0\", {quarter})\n\
         wrk.headers[\"Content-Type\"] = \"application/vnd.ms-sync.wbxml\"\n\
         wrk.headers[\"MS-ASProtocolVersion\"] = \"16.1\"\n\
         wrk.headers[\"User-Agent\"] = \"Apple-iPhone15C2/2104.106\"\n\
         {close}\
         done = function(summary, latency, requests)\n  \
           local e = summary.errors\n  \
           io.write(string.format(\"{MARK} requests=%d duration_us=%d p99_us=%.0f errors=%d\\n\",\n    \
             summary.requests, summary.duration, latency:percentile(99), e.connect + e.read + e.write + e.timeout + e.status))\n\
         end\n",
        quarter = BODY_BYTES / 4
    )
}

/// The request the script sends with `Connection: close`, as bytes, for load generators
/// of our own: the same method, headers and body.
pub(crate) fn close_request(url: &str, addr: SocketAddr) -> Vec<u8> {
    let target = url.split_once(&addr.to_string()).map_or("/", |(_, rest)| rest);
    let mut request = format!(
        "POST {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/vnd.ms-sync.wbxml\r\n\
         MS-ASProtocolVersion: 16.1\r\nUser-Agent: Apple-iPhone15C2/2104.106\r\nConnection: close\r\n\
         Content-Length: {BODY_BYTES}\r\n\r\n"
    )
    .into_bytes();
    request.extend(std::iter::repeat_n([3_u8, 1, 106, 0], BODY_BYTES / 4).flatten());
    request
}

/// The request target: a plain-form ActiveSync `Sync` of the benchmark device.
pub(crate) fn url(proxy: SocketAddr, user: &str, device: &str) -> String {
    format!("https://{proxy}/Microsoft-Server-ActiveSync?Cmd=Sync&User={user}&DeviceId={device}&DeviceType=iPhone")
}

/// Parses the script's summary line out of wrk's output.
fn parse(output: &str) -> Option<WrkResult> {
    let line = output.lines().find_map(|l| l.strip_prefix(MARK))?;
    let value =
        |key: &str| line.split_whitespace().find_map(|kv| kv.strip_prefix(key)?.strip_prefix('=')?.parse::<u64>().ok());
    Some(WrkResult {
        requests: value("requests")?,
        elapsed: Duration::from_micros(value("duration_us")?),
        p99: Duration::from_micros(value("p99_us")?),
        errors: value("errors")?,
    })
}

/// How wrk drives: connections open at once, its threads, and the core it is pinned to
/// (when one is given).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Drive {
    /// Connections open at once.
    pub(crate) connections: u32,
    /// wrk's threads.
    pub(crate) threads: u16,
    /// The core, if any.
    pub(crate) cpu: Option<usize>,
}

/// Runs wrk against `url` for `seconds` as `drive` says.
pub(crate) fn run(scratch: &Scratch, url: &str, mode: Connections, drive: Drive, seconds: u64) -> Result<WrkResult> {
    let Drive { connections, threads, cpu } = drive;
    let name = match mode {
        Connections::KeepAlive => "wrk-keepalive.lua",
        Connections::NewPerRequest => "wrk-close.lua",
    };
    let script = scratch.write(name, &script(mode))?;
    let mut cmd = pinned(cpu, Path::new("wrk"));
    cmd.args([
        "--threads",
        &threads.to_string(),
        "--connections",
        &connections.to_string(),
        "--duration",
        &format!("{seconds}s"),
        "--timeout",
        "5s",
        "--latency",
        "--script",
    ]);
    cmd.arg(&script).arg(url);
    let out = cmd.output().map_err(|e| StepError(format!("running wrk: {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(StepError(format!(
            "wrk failed ({}): {stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    parse(&stdout).ok_or_else(|| StepError(format!("wrk printed no summary line:\n{stdout}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_line_is_parsed_among_wrk_output() {
        let out = "Running 10s test\n  Latency 1ms\nPOSTERN_WRK requests=12345 duration_us=10000500 p99_us=1873 errors=2\nRequests/sec: 1234\n";
        let r = parse(out).expect("parsed");
        assert_eq!(r.requests, 12345);
        assert_eq!(r.elapsed, Duration::from_micros(10_000_500));
        assert_eq!(r.p99, Duration::from_micros(1873));
        assert_eq!(r.errors, 2);
        assert!((r.rate() - 1234.438).abs() < 0.01, "{}", r.rate());
        assert_eq!(parse("Running 10s test\n"), None);
        assert_eq!(parse("POSTERN_WRK requests=1 duration_us=x p99_us=1 errors=0"), None);
    }

    #[test]
    fn our_own_request_is_the_scripts_post_with_a_kibibyte_body() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 4443));
        let request = close_request(&url(addr, "u", "d"), addr);
        let text = String::from_utf8_lossy(&request);
        assert!(
            text.starts_with(
                "POST /Microsoft-Server-ActiveSync?Cmd=Sync&User=u&DeviceId=d&DeviceType=iPhone HTTP/1.1\r\n"
            ),
            "{text}"
        );
        assert!(text.contains("\r\nConnection: close\r\n") && text.contains("\r\nContent-Length: 1024\r\n"), "{text}");
        let head = text.find("\r\n\r\n").map(|at| at + 4).unwrap_or_default();
        assert_eq!(request.len() - head, BODY_BYTES);
        assert_eq!(&request[head..head + 4], &[3, 1, 106, 0]);
    }

    #[test]
    fn only_the_new_connection_script_closes_and_both_send_a_kibibyte() {
        assert!(script(Connections::NewPerRequest).contains("\"Connection\"] = \"close\""));
        assert!(!script(Connections::KeepAlive).contains("close"));
        assert!(script(Connections::KeepAlive).contains(&format!("{}", BODY_BYTES / 4)));
    }
}
