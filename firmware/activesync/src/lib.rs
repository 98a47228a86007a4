//! Sans-IO, `no_std` parser for ActiveSync (MS-ASHTTP) request targets and headers.
#![no_std]

mod base64_query;
mod command;
mod device_id;
mod error;
mod headers;
mod limits;
mod parameters;
mod percent;
mod plain_query;
mod request;
mod target;
mod text;

pub use crate::{
    command::Command,
    device_id::DeviceIdSource,
    error::{Field, HeaderError, ParseError},
    headers::{ProtocolVersion, parse_policy_key},
    limits::{
        ACTIVESYNC_PATH, MAX_DEVICE_ID_BINARY_LEN, MAX_DEVICE_ID_LEN, MAX_DEVICE_TYPE_LEN, MAX_OTHER_NAME_LEN,
        MAX_OTHER_PARAMETERS, MAX_OTHER_VALUE_LEN, MAX_PARAMETER_BYTES, MAX_PARAMETER_VALUE_LEN, MAX_QUERY_LEN,
        MAX_USER_LEN,
    },
    parameters::{CommandOptions, Parameter, ParameterName},
    request::{ActiveSyncRequest, Method, QueryForm},
};
