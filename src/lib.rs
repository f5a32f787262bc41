//! tenantlint: an offline linter for Microsoft Entra ID / Microsoft 365 tenant snapshots.
//!
//! Dependencies point one way: [`snapshot`] parses input into the [`model`]; [`rules`] read
//! only the model; [`engine`] runs rules into findings; [`report`] renders findings.

pub mod cli;
pub mod commands;
pub mod engine;
pub mod error;
pub mod exit;
pub mod model;
pub mod report;
pub mod rules;
pub mod settings;
pub mod snapshot;
