//! devserver: a local Descope- and Rocket.Chat-compatible auth server for session-keeper's
//! tests, benchmarks and demo. See README.md for the contract.

mod app;
mod config;
mod control;
mod cors;
mod descope;
mod faults;
mod http;
mod jwt;
mod log;
mod rocketchat;
mod state;
mod static_files;
mod util;

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

/// After a shutdown signal, requests still in flight get this long.
const DRAIN: Duration = Duration::from_secs(2);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        print!("{}", config::USAGE);
        return ExitCode::SUCCESS;
    }
    let cfg = match config::parse(args, |k| std::env::var(k).ok()) {
        Ok(cfg) => cfg,
        Err(e) => {
            eprintln!("devserver: {e}\n{}", config::USAGE);
            return ExitCode::from(2);
        }
    };
    // A directory built later (say, pkg/ by wasm-pack) is served once it exists.
    for mount in cfg.mounts.iter().filter(|m| !m.dir.is_dir()) {
        eprintln!(
            "devserver: warning: {} is not a directory (yet): {} answers 404 until it is",
            mount.dir.display(),
            mount.prefix
        );
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("devserver: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(cfg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("devserver: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(cfg: config::Config) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind((cfg.host.as_str(), cfg.port)).await?;
    let addr = listener.local_addr()?;
    // Listen for signals before announcing the port: a test may send one as soon as it reads it.
    let stop = shutdown_signal();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "devserver listening on http://{}", display_addr(addr))?;
        out.flush()?;
    }
    let app = Arc::new(state::App::new(cfg));
    let router = Router::new().fallback(app::entry).with_state(app);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .await
}

/// The address to print: a wildcard bind is reached through loopback.
fn display_addr(addr: SocketAddr) -> String {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => "127.0.0.1".to_string(),
        IpAddr::V6(v6) if v6.is_unspecified() => "[::1]".to_string(),
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    };
    format!("{ip}:{}", addr.port())
}

/// Registers for SIGINT and SIGTERM now (so that from here on they no longer kill the process
/// outright) and returns a future that resolves on either, making sure the process is gone soon
/// after even when a request (say, a long injected delay) is still running.
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let (mut interrupt, mut terminate) = (
        signal(SignalKind::interrupt()).ok(),
        signal(SignalKind::terminate()).ok(),
    );
    async move {
        tokio::select! {
            _ = received(interrupt.as_mut()) => {},
            _ = received(terminate.as_mut()) => {},
        }
        exit_after_drain();
    }
}

/// Resolves when the signal arrives; never when it could not be registered.
#[cfg(unix)]
async fn received(signal: Option<&mut tokio::signal::unix::Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
        exit_after_drain();
    }
}

fn exit_after_drain() {
    tokio::spawn(async {
        tokio::time::sleep(DRAIN).await;
        std::process::exit(0);
    });
}
