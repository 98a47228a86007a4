//! The two pull feeds (compliance changes, tunnel actions), with cursors and long-poll.

use crate::api::ApiContext;
use crate::feed::{FeedKind, cursor, parse_cursor};
use crate::http::{Body, error, json};
use crate::state::{State, change_of};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use postern_uem_api::{BoundedList, ComplianceChanges, Cursor, ErrorCode, PollQuery, TunnelActions};
use serde::Serialize;
use std::time::Duration;
use tokio::time::Instant;

/// What a feed read found.
enum Outcome<T> {
    /// Something to answer now.
    Ready(T),
    /// Nothing new yet (answered if the wait is over).
    Nothing(T),
    /// The cursor is unknown, expired or refused.
    Gone,
}

/// `GET /api/v1/compliance/changes?cursor=…&wait=…`.
pub(crate) async fn changes(ctx: &ApiContext, req: &Request<Incoming>) -> Response<Body> {
    feed(ctx, req, compliance_page).await
}

/// `GET /api/v1/tunnels/actions?cursor=…&wait=…`.
pub(crate) async fn actions(ctx: &ApiContext, req: &Request<Incoming>) -> Response<Body> {
    feed(ctx, req, action_page).await
}

async fn feed<T: Serialize>(
    ctx: &ApiContext,
    req: &Request<Incoming>,
    read: impl Fn(&State, Option<&Cursor>) -> Outcome<T>,
) -> Response<Body> {
    let query = match PollQuery::parse(req.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return error(ErrorCode::BadRequest, e.to_string()),
    };
    let refuse = ctx.faults.as_ref().is_some_and(|f| f.refusing_cursors());
    if refuse && query.cursor.is_some() {
        return gone();
    }
    let deadline = Instant::now() + Duration::from_secs(u64::from(query.wait_secs));
    loop {
        let (state, mut changed) = ctx.store.read_and_watch().await;
        match read(&state, query.cursor.as_ref()) {
            Outcome::Gone => return gone(),
            Outcome::Ready(page) => return json(StatusCode::OK, &page),
            Outcome::Nothing(page) if Instant::now() >= deadline => {
                return json(StatusCode::OK, &page);
            }
            Outcome::Nothing(_) => {}
        }
        drop(state);
        // Woken by a change or by the deadline; either way read again.
        let _ = tokio::time::timeout_at(deadline, changed.changed()).await;
    }
}

fn gone() -> Response<Body> {
    error(ErrorCode::CursorGone, "the cursor is unknown or expired; pull again without a cursor for a full snapshot")
}

fn compliance_page(state: &State, after: Option<&Cursor>) -> Outcome<ComplianceChanges> {
    let epoch = &state.epoch;
    let Some(after) = after else {
        let all = state.devices.values().map(change_of).collect();
        let (Some(cursor), Ok(changes)) =
            (cursor(FeedKind::Compliance, epoch, state.changes.head()), BoundedList::new(all))
        else {
            return Outcome::Gone;
        };
        return Outcome::Ready(ComplianceChanges { cursor, full: true, more: false, changes });
    };
    let Some(page) = parse_cursor(FeedKind::Compliance, epoch, after).and_then(|seq| state.changes.after(seq)) else {
        return Outcome::Gone;
    };
    let empty = page.items.is_empty();
    let items = page.items.into_iter().cloned().collect();
    let (Some(cursor), Ok(changes)) = (cursor(FeedKind::Compliance, epoch, page.last), BoundedList::new(items)) else {
        return Outcome::Gone;
    };
    let answer = ComplianceChanges { cursor, full: false, more: page.more, changes };
    if empty { Outcome::Nothing(answer) } else { Outcome::Ready(answer) }
}

fn action_page(state: &State, after: Option<&Cursor>) -> Outcome<TunnelActions> {
    let epoch = &state.epoch;
    let Some(after) = after else {
        let (Some(cursor), Ok(actions)) =
            (cursor(FeedKind::Actions, epoch, state.actions.head()), BoundedList::new(state.tunnel_blocks.clone()))
        else {
            return Outcome::Gone;
        };
        return Outcome::Ready(TunnelActions { cursor, full: true, more: false, actions });
    };
    let Some(page) = parse_cursor(FeedKind::Actions, epoch, after).and_then(|seq| state.actions.after(seq)) else {
        return Outcome::Gone;
    };
    let empty = page.items.is_empty();
    let items = page.items.into_iter().cloned().collect();
    let (Some(cursor), Ok(actions)) = (cursor(FeedKind::Actions, epoch, page.last), BoundedList::new(items)) else {
        return Outcome::Gone;
    };
    let answer = TunnelActions { cursor, full: false, more: page.more, actions };
    if empty { Outcome::Nothing(answer) } else { Outcome::Ready(answer) }
}
