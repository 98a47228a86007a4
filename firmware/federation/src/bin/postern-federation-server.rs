//! Runs the federation proxy alone from a JSON configuration file, over the project's TLS
//! front end, with a fixed device table: for tests and trials until posternd serves it.
//! Prints `listening on ADDRESS` once it accepts connections.

use postern_federation::config_file;
use postern_federation::flow::Federation;
use postern_federation::shell::FederationService;
use postern_proxy_front::{CertificateWatcher, ClientAuth, FrontMetrics, Listener, ListenerConfig, TlsSettings};
use std::path::PathBuf;
use std::sync::Arc;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("postern-federation-server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let path: PathBuf = std::env::args_os().nth(1).ok_or("usage: postern-federation-server CONFIG.json")?.into();
    let file = config_file::read(&path)?;
    let config = file.federation_config()?;
    let mut settings = TlsSettings::new(&file.tls_cert, &file.tls_key);
    if let Some(ca) = &file.device_ca {
        settings.client_auth = ClientAuth::Optional(ca.clone());
    }
    let metrics = FrontMetrics::register(&postern_metrics::Registry::new())?;
    let watcher = CertificateWatcher::new(settings, metrics.clone())?;
    let listener = Listener::bind(file.listen, ListenerConfig::default(), watcher, metrics).await?;
    let addr = listener.local_addr();
    let directory = Arc::new(config_file::DeviceTable(file.devices));
    let service = FederationService::new(Federation::new(config.into()), directory);
    let _handle = listener.serve(move |tls, peer| Arc::clone(&service).serve(tls, peer));
    println!("listening on {addr}");
    tokio::signal::ctrl_c().await?;
    Ok(())
}
