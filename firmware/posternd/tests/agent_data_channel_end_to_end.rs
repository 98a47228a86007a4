//! The endpoint agent's data channel end to end (Z2), in two network namespaces the test
//! makes: the gateway's (this test thread's own: posternd and a back end on 10.200.0.5)
//! and the endpoint's (`ip netns exec`: postern-agent with its TUN interface, and curl),
//! joined by a veth pair. `curl http://10.200.0.5:PORT/` on the endpoint goes through the
//! TUN, the agent's user-space TCP stack and an AppTunnel to the back end; another port in
//! the protected prefix is reset at once; the channel closes when idle and on
//! `postern-agent disconnect` and reopens on the next request; stopping the agent resets
//! its flows; blocking the device from the CLI cuts its flows within 1 s (counted from
//! before the CLI command) and refuses new ones within 1 s.
//! Needs root.

mod common;

use common::agent_data::{PROTECTED, Rig, agent_binary, in_gateway_namespace, slow_download, start_agent};
use common::{cli, text};
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn flows_reach_protected_resources_through_the_tun_and_apptunnel() {
    in_gateway_namespace(scenario);
}

fn scenario() {
    let rig = Rig::new(3);
    let (dir, endpoint, agent, port) = (rig.dir.path(), &rig.endpoint, rig.agent, rig.back.port);
    let mut daemon = rig.daemon;
    let routes = text(&endpoint.exec(&["ip", "route", "show", "dev", "pt0"]));
    assert_eq!(
        routes.lines().map(str::trim).collect::<Vec<_>>(),
        ["10.200.0.0/24 proto static scope link", "10.201.0.0/24 proto static scope link"],
        "only the protected prefixes are routed"
    );
    let addresses = text(&endpoint.exec(&["ip", "-4", "-o", "addr", "show", "dev", "pt0"]));
    assert!(addresses.contains("inet 100.64.9.1/32"), "tun_address: {addresses}");

    // Through the tunnel: the back end sees the gateway, not the endpoint.
    let url = format!("http://{PROTECTED}:{port}/");
    let (code, body, closed_took) = endpoint.curl(&url);
    assert_eq!((code, body.as_str()), (Some(0), format!("back end saw {PROTECTED}\n").as_str()), "{}", agent.log());
    let status = agent.status();
    assert!(status.contains("Data channel: open"), "{status}");
    let (code, _, open_took) = endpoint.curl(&url);
    assert_eq!(code, Some(0));
    println!(
        "a request took {closed_took:?} with the data channel closed, {open_took:?} with it open ({:.2}x)",
        closed_took.as_secs_f64() / open_took.as_secs_f64()
    );
    daemon.line_with("AppTunnel");

    // A port of the prefix that is not protected is reset at once.
    let (code, _, took) = endpoint.curl(&format!("http://{PROTECTED}:{}/", port.wrapping_add(1).max(1)));
    assert_eq!(code, Some(7), "curl: could not connect (reset)");
    assert!(took < Duration::from_secs(2), "reset, not left hanging: {took:?}");
    assert!(agent.log().contains("flow reset: the destination is not protected"), "{}", agent.log());

    // A destination the gateway's service does not serve: the gateway refuses the tunnel,
    // and the flow is reset at once.
    let (code, _, took) = endpoint.curl("http://10.201.0.9/");
    assert_eq!(code, Some(56), "curl: connection reset after connecting");
    assert!(took < Duration::from_secs(2), "reset, not left hanging: {took:?}");
    assert!(agent.log().contains("the gateway refused the tunnel (404): unknown-service"), "{}", agent.log());

    // Idle for 3 s: closed; the next request opens it again.
    agent.wait_status("Data channel: closed");
    assert!(agent.log().contains("data channel closed reason=idle"), "{}", agent.log());
    let (code, body, _) = endpoint.curl(&url);
    assert_eq!(code, Some(0), "reopened: {body}");

    // `postern-agent disconnect` closes it; the next request reopens it.
    let out = Command::new(agent_binary()).arg("--config").arg(&agent.config).arg("disconnect").output().expect("runs");
    assert!(out.status.success(), "{}", text(&out));
    agent.wait_status("Data channel: closed");
    let (code, _, _) = endpoint.curl(&url);
    assert_eq!(code, Some(0), "reopened after disconnect");

    // Stopping the agent (SIGTERM) resets its flows; started again, it resumes.
    let slow = slow_download(endpoint, &agent, port);
    let stopped_at = Instant::now();
    let pid = nix::unistd::Pid::from_raw(i32::try_from(agent.child.id()).expect("pid"));
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM");
    let slow = slow.wait_with_output().expect("curl ends");
    assert!(stopped_at.elapsed() < Duration::from_secs(3), "reset at shutdown: {:?}", stopped_at.elapsed());
    assert_ne!(slow.status.code(), Some(0), "a reset flow is not a complete answer");
    let mut agent = agent;
    let _ = agent.child.wait();
    agent.child = start_agent(endpoint, &agent.config, &agent.log);
    agent.wait_status("State: connected");
    let (code, _, _) = endpoint.curl(&url);
    assert_eq!(code, Some(0), "works after a restart: {}", agent.log());

    // Blocking the device cuts its flow and refuses new ones.
    let slow = slow_download(endpoint, &agent, port);
    let blocked_at = Instant::now();
    let out = cli(dir, "device-cache block uem-0001");
    assert!(out.status.success(), "{}", text(&out));
    let slow = slow.wait_with_output().expect("curl ends");
    let cut = blocked_at.elapsed();
    println!("flow cut {cut:?} after the block was asked");
    assert!(cut < Duration::from_secs(1), "the flow was not cut within 1 s of the block: {cut:?}");
    assert!(String::from_utf8_lossy(&slow.stdout).contains("tick"), "the flow had carried bytes");
    assert_ne!(slow.status.code(), Some(0), "a cut flow is not a complete answer");
    let (code, _, took) = endpoint.curl(&url);
    assert_ne!(code, Some(0), "a blocked device opens no flow");
    println!("a new flow refused in {took:?}");
    assert!(took < Duration::from_secs(1), "refused, not left hanging: {took:?}");
}
