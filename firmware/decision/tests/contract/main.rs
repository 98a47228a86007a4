//! Contract tests of the decision core: one table per contract id, and property tests.

mod a4_actions;
mod common;
mod properties;
mod s1_first_access;
mod s2_cached;
mod s3_outage_rule;
mod s5_apptunnel;
mod s6_checkin;
mod s7_startup;
