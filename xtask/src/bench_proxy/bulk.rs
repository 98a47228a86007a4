//! Bulk throughput: curl fetches a large file from the back-end nginx directly over TLS,
//! and through an AppTunnel (`CONNECT`, mutual TLS with a device certificate): from the
//! plain HTTP file server, the tunnel's TLS being the only encryption as on the direct
//! connection, and from the TLS file server, TLS end to end inside the tunnel.

use super::pki::Pki;
use super::process::pinned;
use crate::shell::{Result, StepError};
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The app id the tunnel names (the static UEM authorises every app).
const APP: &str = "com.example.bench";

/// Makes `dir/name` a sparse file of `bytes` bytes (zeros, served from the page cache).
pub(crate) fn make_file(dir: &Path, name: &str, bytes: u64) -> Result {
    std::fs::create_dir_all(dir).map_err(|e| StepError(format!("creating {}: {e}", dir.display())))?;
    let path = dir.join(name);
    let file = std::fs::File::create(&path).map_err(|e| StepError(format!("creating {}: {e}", path.display())))?;
    file.set_len(bytes).map_err(|e| StepError(format!("sizing {}: {e}", path.display())))
}

/// Parses curl's `-w '%{size_download} %{time_total}'` output.
fn parse(out: &str) -> Option<(u64, Duration)> {
    let mut fields = out.split_whitespace();
    let size = fields.next()?.parse().ok()?;
    let total: f64 = fields.next()?.parse().ok()?;
    (total.is_finite() && total >= 0.0).then(|| (size, Duration::from_secs_f64(total)))
}

fn fetch(mut cmd: Command, expect: u64, path: &str) -> Result<Duration> {
    cmd.args([
        "--silent",
        "--show-error",
        "--fail",
        "--output",
        "/dev/null",
        "--write-out",
        "%{size_download} %{time_total}",
    ]);
    let out = cmd.output().map_err(|e| StepError(format!("running curl ({path}): {e}")))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(StepError(format!(
            "curl ({path}) failed: {}{}",
            stdout.trim(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    match parse(&stdout) {
        Some((size, took)) if size == expect => Ok(took),
        Some((size, _)) => Err(StepError(format!("the bulk transfer ({path}) ended after {size} of {expect} bytes"))),
        None => Err(StepError(format!("curl ({path}) printed {stdout:?}"))),
    }
}

/// curl for `url`, pinned to `cpu` when one is given (the same core for the direct and the
/// tunnelled transfer, so that where the scheduler puts curl does not decide the ratio).
fn curl(pki: &Pki, url: &str, cpu: Option<usize>) -> Command {
    let mut cmd = pinned(cpu, Path::new("curl"));
    cmd.arg("--cacert").arg(&pki.ca).arg(url);
    cmd
}

/// Time to fetch `url` (`expect` bytes) over a direct TLS connection, curl on `cpu`.
pub(crate) fn direct(pki: &Pki, url: &str, expect: u64, cpu: Option<usize>) -> Result<Duration> {
    fetch(curl(pki, url, cpu), expect, "direct")
}

/// Time to fetch `url` (`expect` bytes) through an AppTunnel of `gateway` as `device`,
/// curl on `cpu`.
pub(crate) fn tunnelled(
    pki: &Pki,
    gateway: SocketAddr,
    device: &str,
    url: &str,
    expect: u64,
    cpu: Option<usize>,
) -> Result<Duration> {
    let (cert, key) = pki.device(device);
    let mut cmd = curl(pki, url, cpu);
    cmd.arg("--proxytunnel").arg("--proxy").arg(format!("https://{gateway}"));
    cmd.arg("--proxy-cacert").arg(&pki.ca).arg("--proxy-cert").arg(cert).arg("--proxy-key").arg(key);
    cmd.arg("--proxy-header").arg(format!("X-Postern-App: {APP}"));
    fetch(cmd, expect, "through the tunnel")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_summary_is_parsed_and_rejects_garbage() {
        assert_eq!(parse("1073741824 2.500000"), Some((1 << 30, Duration::from_millis(2500))));
        assert_eq!(parse("12"), None);
        assert_eq!(parse("x 1.0"), None);
        assert_eq!(parse("1 -1.0"), None);
    }

    #[test]
    fn the_file_is_as_large_as_asked_and_sparse() {
        let scratch = crate::bench_proxy::scratch::Scratch::new().expect("scratch dir");
        make_file(&scratch.path().join("www"), "bulk", 1 << 30).expect("made");
        let meta = std::fs::metadata(scratch.path().join("www/bulk")).expect("exists");
        assert_eq!(meta.len(), 1 << 30);
        use std::os::unix::fs::MetadataExt;
        assert!(meta.blocks() * 512 < 1 << 20, "{} blocks allocated", meta.blocks());
    }
}
