//! Generates hostile snapshot shapes: many objects sharing one value, huge groups, long and
//! wide nesting, one user with very many proxy addresses. Each shape stresses one place where
//! the work or the report could grow with the square of the input; `scripts/bench-hostile.sh`
//! times them at scale and `tests/scale.rs` checks that the report grows linearly.
//!
//! `cargo run --release --example gen_hostile -- --shape shared-proxy --n 200000 --out f.json`
//!
//! Shapes (`n` is the size of the hostile part):
//! - `shared-proxy`: n users holding the same proxy address (PRX001);
//! - `shared-upn`: n users with the same UPN (UPN004);
//! - `upn-and-mail`: n/2 users with one UPN and n/2 users with it as their mail (UPN004's
//!   both sides: n²/4 pairs if each user were related to each other);
//! - `huge-group`: one synced group with n members, half of them guests (B2B001);
//! - `nested-chain`: n groups each nesting the next, the last holding a user, all selected for
//!   password reset and the first holding Global Administrator (SSPR scope, SSPR006, ROLE001);
//! - `wide-nesting`: one group nesting n groups of one user each, selected for password reset;
//! - `many-proxies`: one user with n proxy addresses, each in two spellings, in an unverified
//!   domain, with every tenth malformed and every hundredth primary (PRX002, PRX003).
//! - `licensed-web`: n licensed groups that all nest one group of n users (LIC007 counting the
//!   users of every licensed group's nesting would be n²), and n service principals, each
//!   assigned to one of the licensed groups (APP004);
//! - `role-web`: n role assignments of n different roles to one role-assignable group of n
//!   disabled users (ROLE002 listing every role for every user would be n²).

use std::io::{self, Write};

pub const SHAPES: &[&str] = &[
    "shared-proxy",
    "shared-upn",
    "upn-and-mail",
    "huge-group",
    "nested-chain",
    "wide-nesting",
    "many-proxies",
    "licensed-web",
    "role-web",
];

fn uid(i: usize) -> String {
    format!("00000000-0000-4000-8000-{i:012x}")
}

fn gid(i: usize) -> String {
    format!("10000000-0000-4000-8000-{i:012x}")
}

const GLOBAL_ADMIN: &str = "62e90394-69f5-4237-9190-012177145e10";

/// Writes a JSON array of `n` items, `item(w, i)` writing item `i`.
fn array<W: Write>(
    w: &mut W,
    n: usize,
    mut item: impl FnMut(&mut W, usize) -> io::Result<()>,
) -> io::Result<()> {
    w.write_all(b"[")?;
    for i in 0..n {
        if i > 0 {
            w.write_all(b",\n")?;
        }
        item(w, i)?;
    }
    w.write_all(b"]")
}

fn user<W: Write>(w: &mut W, i: usize, upn: &str, extra: &str) -> io::Result<()> {
    write!(
        w,
        r#"{{"id":"{}","userPrincipalName":"{upn}","displayName":"User {i}","accountEnabled":true,"userType":"Member"{extra}}}"#,
        uid(i)
    )
}

fn plain_users<W: Write>(w: &mut W, n: usize) -> io::Result<()> {
    array(w, n, |w, i| user(w, i, &format!("u{i}@contoso.com"), ""))
}

fn group<W: Write>(w: &mut W, i: usize, extra: &str, members: &[String]) -> io::Result<()> {
    write!(
        w,
        r#"{{"id":"{}","displayName":"Group {i}","securityEnabled":true{extra},"members":["#,
        gid(i)
    )?;
    for (k, m) in members.iter().enumerate() {
        if k > 0 {
            w.write_all(b",")?;
        }
        write!(w, r#"{{"id":"{m}"}}"#)?;
    }
    w.write_all(b"]}")
}

/// A password reset policy selecting `groups`.
fn sspr<W: Write>(w: &mut W, groups: impl Iterator<Item = usize>) -> io::Result<()> {
    w.write_all(br#","policies":{"passwordResetPolicy":{"enablementType":1,"passwordResetEnabledGroupIds":["#)?;
    for (k, g) in groups.enumerate() {
        if k > 0 {
            w.write_all(b",")?;
        }
        write!(w, r#""{}""#, gid(g))?;
    }
    w.write_all(br#"],"numberOfAuthenticationMethodsRequired":1}}"#)
}

/// Writes shape `shape` of size `n` to `w`.
pub fn generate(shape: &str, n: usize, w: &mut impl Write) -> io::Result<()> {
    w.write_all(
        br#"{"exportedAt":"2026-11-20T08:00:00Z","tenant":{"id":"b8f3c0a4-5b6e-4a51-9d3e-0f6f3f0c1a10","displayName":"Contoso"},"domains":[{"id":"contoso.com","isVerified":true,"authenticationType":"Managed"}],"users":"#,
    )?;
    match shape {
        "shared-proxy" => array(w, n, |w, i| {
            user(
                w,
                i,
                &format!("u{i}@contoso.com"),
                &format!(
                    r#","proxyAddresses":["SMTP:u{i}@contoso.com","smtp:shared@contoso.com"]"#
                ),
            )
        })?,
        "shared-upn" => array(w, n, |w, i| user(w, i, "same@contoso.com", ""))?,
        "upn-and-mail" => array(w, n, |w, i| {
            if i % 2 == 0 {
                user(w, i, "same@contoso.com", "")
            } else {
                user(
                    w,
                    i,
                    &format!("u{i}@contoso.com"),
                    r#","mail":"same@contoso.com""#,
                )
            }
        })?,
        "huge-group" => {
            array(w, n, |w, i| {
                if i % 2 == 0 {
                    user(w, i, &format!("u{i}@contoso.com"), "")
                } else {
                    write!(
                        w,
                        r#"{{"id":"{}","userPrincipalName":"g{i}_fabrikam.com#EXT#@contoso.onmicrosoft.com","userType":"Guest","accountEnabled":true}}"#,
                        uid(i)
                    )
                }
            })?;
            w.write_all(br#","groups":["#)?;
            let members: Vec<String> = (0..n).map(uid).collect();
            group(w, 0, r#","onPremisesSyncEnabled":true"#, &members)?;
            w.write_all(b"]")?;
        }
        "nested-chain" => {
            plain_users(w, 1)?;
            w.write_all(br#","groups":"#)?;
            array(w, n, |w, i| {
                let next = if i + 1 < n { gid(i + 1) } else { uid(0) };
                let extra = if i == 0 {
                    r#","isAssignableToRole":true"#
                } else {
                    ""
                };
                group(w, i, extra, &[next])
            })?;
            write!(
                w,
                r##","directoryRoles":[{{"id":"9ed3a0c4-53e1-498c-ab4d-2473476fde14","displayName":"Global Administrator","roleTemplateId":"{GLOBAL_ADMIN}","members":[{{"@odata.type":"#microsoft.graph.group","id":"{}"}}]}}]"##,
                gid(0)
            )?;
            sspr(w, 0..n)?;
        }
        "wide-nesting" => {
            plain_users(w, n)?;
            w.write_all(br#","groups":["#)?;
            let children: Vec<String> = (1..=n).map(gid).collect();
            group(w, 0, "", &children)?;
            for i in 1..=n {
                w.write_all(b",\n")?;
                group(w, i, "", &[uid(i - 1)])?;
            }
            w.write_all(b"]")?;
            sspr(w, 0..1)?;
        }
        "many-proxies" => {
            w.write_all(b"[")?;
            write!(
                w,
                r#"{{"id":"{}","userPrincipalName":"u0@contoso.com","accountEnabled":true,"userType":"Member","proxyAddresses":["#,
                uid(0)
            )?;
            for i in 0..n {
                if i > 0 {
                    w.write_all(b",")?;
                }
                let prefix = if i % 100 == 0 { "SMTP" } else { "smtp" };
                if i % 10 == 5 {
                    write!(
                        w,
                        r#""{prefix}:bad {i}@old.example","{prefix}:bad {i}@old.example""#
                    )?;
                } else {
                    write!(w, r#""{prefix}:a{i}@old.example","smtp:A{i}@OLD.example""#)?;
                }
            }
            w.write_all(b"]}]")?;
        }
        "licensed-web" => {
            plain_users(w, n)?;
            w.write_all(br#","groups":["#)?;
            let users: Vec<String> = (0..n).map(uid).collect();
            group(w, 0, "", &users)?;
            for i in 1..=n {
                w.write_all(b",\n")?;
                group(
                    w,
                    i,
                    r#","assignedLicenses":[{"skuId":"05e9a617-0261-4cee-bb44-138d3ef5d965","disabledPlans":[]}]"#,
                    &[gid(0)],
                )?;
            }
            w.write_all(br#"],"servicePrincipals":"#)?;
            array(w, n, |w, i| {
                write!(
                    w,
                    r#"{{"id":"20000000-0000-4000-8000-{i:012x}","displayName":"App {i}","appRoleAssignmentRequired":true,"appRoleAssignedTo":[{{"principalId":"{}","principalType":"Group"}}]}}"#,
                    gid(i + 1)
                )
            })?;
        }
        "role-web" => {
            // Disabled users, all members of one role-assignable group holding n roles.
            array(w, n, |w, i| {
                write!(
                    w,
                    r#"{{"id":"{}","userPrincipalName":"u{i}@contoso.com","accountEnabled":false,"userType":"Member"}}"#,
                    uid(i)
                )
            })?;
            w.write_all(br#","groups":["#)?;
            let users: Vec<String> = (0..n).map(uid).collect();
            group(w, 0, r#","isAssignableToRole":true"#, &users)?;
            w.write_all(br#"],"roleAssignments":"#)?;
            array(w, n, |w, i| {
                write!(
                    w,
                    r#"{{"principalId":"{}","roleDefinitionId":"30000000-0000-4000-8000-{i:012x}"}}"#,
                    gid(0)
                )
            })?;
        }
        other => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unknown shape `{other}` (one of {})", SHAPES.join(", ")),
            ));
        }
    }
    w.write_all(b"}\n")
}

#[allow(
    dead_code,
    reason = "the entry point when built as an example, not when included"
)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let (Some(shape), Some(n), Some(out)) = (arg("--shape"), arg("--n"), arg("--out")) else {
        eprintln!(
            "usage: gen_hostile --shape SHAPE --n N --out FILE (shapes: {})",
            SHAPES.join(", ")
        );
        std::process::exit(2);
    };
    let Ok(n) = n.parse::<usize>() else {
        eprintln!("gen_hostile: --n must be a number");
        std::process::exit(2);
    };
    let run = || -> io::Result<()> {
        let mut w = io::BufWriter::new(std::fs::File::create(&out)?);
        generate(&shape, n, &mut w)?;
        w.flush()
    };
    if let Err(e) = run() {
        eprintln!("gen_hostile: {e}");
        std::process::exit(2);
    }
}
