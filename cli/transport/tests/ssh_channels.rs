//! Channel-level policy checked with a programmable SSH client: every request gets an explicit
//! answer, only `pty-req`, `shell` and `exec` succeed, and channels per connection are bounded.

mod common;

use std::sync::Arc;

use russh::ChannelMsg;
use russh::client::{self, Handle};
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate, load_secret_key};

use common::fixture::SshFixture;
use common::{TestResult, VERSION_LINE};

struct TrustAnyHost;

impl client::Handler for TrustAnyHost {
    type Error = russh::Error;

    async fn check_server_key(&mut self, _key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

async fn connect(f: &SshFixture) -> Result<Handle<TrustAnyHost>, Box<dyn std::error::Error>> {
    let config = Arc::new(client::Config::default());
    Ok(client::connect(config, ("127.0.0.1", f.port), TrustAnyHost).await?)
}

async fn login(f: &SshFixture) -> Result<Handle<TrustAnyHost>, Box<dyn std::error::Error>> {
    let mut handle = client::connect(Arc::new(client::Config::default()), ("127.0.0.1", f.port), TrustAnyHost).await?;
    let key = load_secret_key(&f.alice, None)?;
    let auth = handle.authenticate_publickey("alice", PrivateKeyWithHashAlg::new(Arc::new(key), None)).await?;
    assert!(auth.success());
    Ok(handle)
}

/// The next reply to a request, skipping window adjustments.
async fn reply(channel: &mut russh::Channel<client::Msg>) -> Option<ChannelMsg> {
    loop {
        match channel.wait().await {
            Some(ChannelMsg::WindowAdjusted { .. }) => continue,
            other => return other,
        }
    }
}

#[test]
fn only_the_cli_requests_succeed_and_channels_are_bounded() -> TestResult {
    let f = SshFixture::start()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let handle = login(&f).await?;
        let mut first = handle.channel_open_session().await?;
        let mut second = handle.channel_open_session().await?;
        let third = handle.channel_open_session().await;
        assert!(third.is_err(), "a third channel is refused (limit 2)");

        first.request_x11(true, false, "MIT-MAGIC-COOKIE-1", "00", 0).await?;
        assert!(matches!(reply(&mut first).await, Some(ChannelMsg::Failure)), "x11");
        first.agent_forward(true).await?;
        assert!(matches!(reply(&mut first).await, Some(ChannelMsg::Failure)), "agent");
        first.set_env(true, "LD_PRELOAD", "/tmp/x.so").await?;
        assert!(matches!(reply(&mut first).await, Some(ChannelMsg::Failure)), "env");
        first.request_subsystem(true, "sftp").await?;
        assert!(matches!(reply(&mut first).await, Some(ChannelMsg::Failure)), "subsystem");

        first.exec(true, "show version").await?;
        assert!(matches!(reply(&mut first).await, Some(ChannelMsg::Success)));
        let mut output = Vec::new();
        let mut status = None;
        while let Some(message) = first.wait().await {
            match message {
                ChannelMsg::Data { data } => output.extend_from_slice(&data),
                ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
                _ => {}
            }
        }
        assert_eq!(String::from_utf8_lossy(&output), format!("{VERSION_LINE}\n"));
        assert_eq!(status, Some(0));

        second.request_shell(true).await?;
        assert!(matches!(reply(&mut second).await, Some(ChannelMsg::Success)));
        second.exec(true, "show version").await?;
        loop {
            match reply(&mut second).await {
                Some(ChannelMsg::Data { .. }) => continue,
                other => {
                    assert!(matches!(other, Some(ChannelMsg::Failure)), "exec after shell: {other:?}");
                    break;
                }
            }
        }
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    drop(runtime);
    f.server.shutdown()
}

#[test]
fn none_password_and_keyboard_interactive_fail_and_attempts_are_bounded() -> TestResult {
    let f = SshFixture::start_with(|c| c.max_auth_attempts = 3)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let mut handle = connect(&f).await?;
        let none = handle.authenticate_none("alice").await?;
        assert!(!none.success());
        if let client::AuthResult::Failure { remaining_methods, .. } = &none {
            let offered: Vec<_> = remaining_methods.iter().map(<&str>::from).collect();
            assert_eq!(offered, ["publickey"]);
        }
        let password = handle.authenticate_password("alice", "hunter2").await?;
        assert!(!password.success());
        let interactive = handle.authenticate_keyboard_interactive_start("alice", None).await;
        let refused = match interactive {
            Ok(client::KeyboardInteractiveAuthResponse::Failure { .. }) | Err(_) => true,
            Ok(_) => false,
        };
        assert!(refused, "keyboard-interactive refused");
        // The attempts are used up: even the right key is no longer tried on this connection.
        let key = load_secret_key(&f.alice, None)?;
        let late = handle.authenticate_publickey("alice", PrivateKeyWithHashAlg::new(Arc::new(key), None)).await;
        assert!(!late.is_ok_and(|r| r.success()), "no login after the attempts ran out");
        Ok::<_, Box<dyn std::error::Error>>(())
    })?;
    drop(runtime);
    f.server.shutdown()
}
