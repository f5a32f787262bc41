//! tenantlint: an offline linter for Microsoft Entra ID / Microsoft 365 tenant snapshots.
//!
//! Dependencies point one way: [`snapshot`] parses input into the [`model`]; [`rules`] read
//! only the model; [`engine`] runs rules into findings; [`redact`] replaces the identities in
//! them on request; [`report`] renders findings. [`export`], the only part that uses the
//! network, writes snapshots from Microsoft Graph; it reads the rules' metadata (what they
//! read), never the other way round.
//!
//! ```
//! use tenantlint::rules::{registry, Options};
//! use tenantlint::{engine, snapshot};
//!
//! let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tenants/contoso.json");
//! let tenant = snapshot::load(path).expect("the sample tenant loads");
//! let now = tenant.info.exported_at.as_ref().map(|e| e.1).expect("it has exportedAt");
//! let result = engine::run(&tenant, now, &Options::default(), registry());
//! assert!(result.skipped.is_empty());
//! assert!(result.findings.iter().any(|f| f.rule.code == "LIC001"));
//! ```

// No unwrap/expect/unchecked indexing on input outside tests; each #[allow] states the invariant.
#![cfg_attr(
    not(test),
    warn(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod alloc;
pub mod baseline;
pub mod cli;
pub mod commands;
pub mod config;
pub mod engine;
pub mod error;
pub mod exempt;
pub mod exit;
pub mod export;
pub mod ident;
pub mod model;
pub mod redact;
pub mod report;
pub mod rules;
pub mod settings;
pub mod snapshot;
