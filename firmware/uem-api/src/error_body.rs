//! The JSON body of every error answer: `{"error": "code", "message": "…"}`.

use crate::limits::ERROR_MESSAGE_MAX;
use serde::{Deserialize, Serialize};

/// A stable, machine-readable error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// 400: the body or query is malformed or out of bounds.
    BadRequest,
    /// 401: no or a wrong bearer token.
    Unauthorized,
    /// 403: the token belongs to a different gateway than the path names.
    Forbidden,
    /// 404: no such resource.
    NotFound,
    /// 405: the resource does not take that method.
    MethodNotAllowed,
    /// 410: the cursor is unknown or expired; pull again without one (full resync).
    CursorGone,
    /// 413: the body is larger than allowed.
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 500: the server failed.
    Internal,
    /// 503: the server is overloaded or shutting down; retry later.
    Unavailable,
}

impl ErrorCode {
    /// The HTTP status that carries this code.
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::CursorGone => 410,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApiError {
    /// What went wrong, for programs.
    pub error: ErrorCode,
    /// What went wrong, for people (at most 1 024 bytes; longer text is cut).
    #[serde(deserialize_with = "bounded_message")]
    pub message: String,
}

impl ApiError {
    /// An error with its message cut to [`ERROR_MESSAGE_MAX`] bytes at a character boundary.
    pub fn new(error: ErrorCode, message: impl Into<String>) -> Self {
        Self { error, message: cut(message.into()) }
    }
}

fn cut(mut s: String) -> String {
    if s.len() > ERROR_MESSAGE_MAX {
        let mut end = ERROR_MESSAGE_MAX;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

fn bounded_message<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d).map(cut)
}
