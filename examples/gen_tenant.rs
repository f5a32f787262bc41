//! Generates a realistic, deterministic Graph-shaped tenant snapshot for benchmarks and tests.
//!
//! `cargo run --release --example gen_tenant -- --users 1000000 --seed 1 --out big.json`
//!
//! About 1.4 KB of JSON per user (35+ properties as Graph v1.0 returns them, real SKU and
//! service-plan GUIDs), plus groups with members (a few assigning licenses), contacts, roles,
//! applications, service principals (with who is assigned to them), registration details and
//! policies. Violations of every rule are planted at a low rate. The same arguments always give
//! the same bytes.
//!
//! Export shapes (issue 12), which compose; the defaults give the original output byte for byte:
//!
//! - `--whitespace pretty|minified|indent2|indent4`: one object per line (default); no
//!   whitespace; PowerShell 7 `ConvertTo-Json` (two spaces, `"key": value`); Windows
//!   PowerShell 5.1 (four spaces, `"key":  value`).
//! - `--properties lean|default|full`: users with only the `$select` list of
//!   docs/snapshot-format.md; about 45 v1.0 properties (default); plus the Graph beta properties
//!   of a full export (assignedPlans, provisionedPlans, onPremisesExtensionAttributes,
//!   signInActivity, identities, deviceKeys, … about 7 KB per licensed user, as in a real one).
//! - `--addresses normal|heavy`: 2 proxy addresses per user (default); 3–6, with X500: and SIP:.
//! - `--finding-rate low|high`: about 70 findings per 1,000 users (default); about 100.
//! - `--layout file|pages`: one file (default); a snapshot directory at `--out DIR`, with
//!   users, groups, contacts and userRegistrationDetails as folders of Graph page files of 999
//!   objects linked by `@odata.nextLink`, every other collection one Graph page file.
//! - `--shape LIST`: the same values comma-separated, e.g. `--shape minified,full,heavy,pages`.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// True once in `n` draws on average.
    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// A GUID derived from a namespace and a number: stable and unique per (ns, n).
fn guid(ns: u32, n: u64) -> String {
    let h = {
        let mut r = Rng(u64::from(ns) << 40 ^ n);
        (r.next(), r.next())
    };
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        h.0 >> 32,
        (h.0 >> 16) & 0xffff,
        h.0 & 0xfff,
        0x8000 | (h.1 >> 48) & 0x3fff,
        h.1 & 0xffff_ffff_ffff
    )
}

const NS_USER: u32 = 1;
const NS_GROUP: u32 = 2;
const NS_CONTACT: u32 = 3;
const NS_APP: u32 = 4;
const NS_SP: u32 = 5;
const NS_KEY: u32 = 6;
const NS_ASSIGNMENT: u32 = 8;

/// The tenant that owns Microsoft's first-party applications (Microsoft Services).
const MICROSOFT_TENANT: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";
/// An app role of the generated applications (besides the default access role, all zeros).
const APP_ROLE: &str = "4e4a1f16-5a61-4a37-9cf4-3c09aa0a5d21";

struct Sku {
    part: &'static str,
    id: &'static str,
    plans: &'static [(&'static str, &'static str)],
}

const PLANS_E3: &[(&str, &str)] = &[
    (
        "EXCHANGE_S_ENTERPRISE",
        "efb87545-963c-4e0d-99df-69c6916d9eb0",
    ),
    (
        "SHAREPOINTENTERPRISE",
        "5dbe027f-2339-4123-9542-606e4d348a72",
    ),
    ("MCOSTANDARD", "0feaeb32-d00e-4d66-bd5a-43b5b83db82c"),
    ("TEAMS1", "57ff2da0-773e-42df-b2af-ffb7a2317929"),
    ("OFFICESUBSCRIPTION", "43de0ff5-c92c-492b-9116-175376d08c38"),
    ("SHAREPOINTWAC", "e95bec33-7c88-4a70-8e19-b10bd9d0c014"),
    ("FORMS_PLAN_E3", "2789c901-c14e-48ab-a76a-be334d9d793a"),
    ("RMS_S_ENTERPRISE", "bea4c11e-220a-4e6d-8eb8-8ea15d019f90"),
];

const SKUS: &[Sku] = &[
    Sku {
        part: "SPE_E3",
        id: "05e9a617-0261-4cee-bb44-138d3ef5d965",
        plans: &[
            (
                "EXCHANGE_S_ENTERPRISE",
                "efb87545-963c-4e0d-99df-69c6916d9eb0",
            ),
            (
                "SHAREPOINTENTERPRISE",
                "5dbe027f-2339-4123-9542-606e4d348a72",
            ),
            ("MCOSTANDARD", "0feaeb32-d00e-4d66-bd5a-43b5b83db82c"),
            ("TEAMS1", "57ff2da0-773e-42df-b2af-ffb7a2317929"),
            ("OFFICESUBSCRIPTION", "43de0ff5-c92c-492b-9116-175376d08c38"),
            ("AAD_PREMIUM", "41781fb2-bc02-4b7c-bd55-b576c07bb09d"),
            ("MFA_PREMIUM", "8a256a2b-b617-496d-b51b-e76466e88db0"),
            ("INTUNE_A", "c1ec4a95-1f05-45b3-a911-aa3fa01094f5"),
        ],
    },
    Sku {
        part: "ENTERPRISEPACK",
        id: "6fd2c87f-b296-42f0-b197-1e91e994b900",
        plans: PLANS_E3,
    },
    Sku {
        part: "EMS",
        id: "efccb6f7-5641-4e0e-bd10-b4976e1bf68e",
        plans: &[
            ("AAD_PREMIUM", "41781fb2-bc02-4b7c-bd55-b576c07bb09d"),
            ("MFA_PREMIUM", "8a256a2b-b617-496d-b51b-e76466e88db0"),
            ("INTUNE_A", "c1ec4a95-1f05-45b3-a911-aa3fa01094f5"),
            ("RMS_S_PREMIUM", "6c57d4b6-3b23-47a5-9bc9-69f17b4947b3"),
        ],
    },
    Sku {
        part: "EXCHANGESTANDARD",
        id: "4b9405b0-7788-4568-add1-99614e613b69",
        plans: &[
            (
                "EXCHANGE_S_STANDARD",
                "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
            ),
            ("INTUNE_O365", "882e1d05-acd1-4ccb-8708-6ee03664b117"),
        ],
    },
    Sku {
        part: "SHAREPOINTSTANDARD",
        id: "1fc08a02-8b3d-43b9-831e-f76859e04e1a",
        plans: &[("SHAREPOINTSTANDARD", "c7699d2e-19aa-44de-8edf-1736da088ca1")],
    },
];

/// An assignedLicenses skuId that the tenant does not subscribe to (Power BI Pro).
const UNKNOWN_SKU: &str = "f8a1db68-be16-40ed-86d5-cb42ce701560";

const FIRST: &[&str] = &[
    "Adele",
    "Alex",
    "Allan",
    "Debra",
    "Diego",
    "Emily",
    "Grady",
    "Henrietta",
    "Isaiah",
    "Johanna",
    "Joni",
    "Lee",
    "Lidia",
    "Lynne",
    "Megan",
    "Miriam",
    "Nestor",
    "Patti",
    "Pradeep",
    "Sophie",
    "Thomas",
    "Ying",
    "Zrinka",
];
const LAST: &[&str] = &[
    "Vance",
    "Wilber",
    "Deyoung",
    "Berger",
    "Soto",
    "Braun",
    "Archie",
    "Cantrell",
    "Sarmiento",
    "Lauer",
    "Sherman",
    "Gu",
    "Holloway",
    "Robbins",
    "Bowen",
    "Hamilton",
    "Wilke",
    "Fernandez",
    "Gupta",
    "Ng",
    "Novak",
];
const DEPTS: &[&str] = &[
    "Sales",
    "Marketing",
    "Finance",
    "Engineering",
    "Operations",
    "Legal",
    "HR",
    "Retail",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Redmond", "WA", "US"),
    ("Amsterdam", "NH", "NL"),
    ("London", "LDN", "GB"),
    ("Berlin", "BE", "DE"),
    ("Toronto", "ON", "CA"),
];

struct Args {
    users: u64,
    seed: u64,
    out: Option<String>,
    shape: Shape,
}

/// How the snapshot is written; see the module documentation. `Shape::default()` is the
/// generator's original output, byte for byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    pub whitespace: Whitespace,
    pub properties: Properties,
    pub addresses: Addresses,
    pub findings: FindingRate,
    pub layout: Layout,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Whitespace {
    /// One object per line for the big collections (the original output).
    #[default]
    Pretty,
    /// No whitespace at all outside strings.
    Minified,
    /// PowerShell 7 `ConvertTo-Json`: two spaces per level, `"key": value`.
    Indent2,
    /// Windows PowerShell 5.1 `ConvertTo-Json`: four spaces per level, `"key":  value`.
    Indent4,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Properties {
    /// Users carry only the `$select` list of docs/snapshot-format.md.
    Lean,
    /// About 45 Graph v1.0 properties (the original output).
    #[default]
    Default,
    /// Also the Graph beta properties of a full export (assignedPlans, provisionedPlans,
    /// onPremisesExtensionAttributes, signInActivity, identities, …).
    Full,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Addresses {
    /// Two proxy addresses per user (the original output).
    #[default]
    Normal,
    /// Three to six per user, with X500: and SIP: entries.
    Heavy,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FindingRate {
    /// About 70 findings per 1,000 users (the original output).
    #[default]
    Low,
    /// About 100 findings per 1,000 users, most on distinct users.
    High,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// One JSON file (the original output).
    #[default]
    File,
    /// A snapshot directory: `users/page-NNNNN.json` Graph pages of 999 users with
    /// `@odata.nextLink`, the other collections one file each.
    Pages,
}

impl Shape {
    fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let bad = || format!("{key}: unknown value {value}");
        match key {
            "--whitespace" => {
                self.whitespace = match value {
                    "pretty" => Whitespace::Pretty,
                    "minified" => Whitespace::Minified,
                    "indent2" => Whitespace::Indent2,
                    "indent4" => Whitespace::Indent4,
                    _ => return Err(bad()),
                }
            }
            "--properties" => {
                self.properties = match value {
                    "lean" => Properties::Lean,
                    "default" => Properties::Default,
                    "full" => Properties::Full,
                    _ => return Err(bad()),
                }
            }
            "--addresses" => {
                self.addresses = match value {
                    "normal" => Addresses::Normal,
                    "heavy" => Addresses::Heavy,
                    _ => return Err(bad()),
                }
            }
            "--finding-rate" => {
                self.findings = match value {
                    "low" => FindingRate::Low,
                    "high" => FindingRate::High,
                    _ => return Err(bad()),
                }
            }
            "--layout" => {
                self.layout = match value {
                    "file" => Layout::File,
                    "pages" => Layout::Pages,
                    _ => return Err(bad()),
                }
            }
            _ => return Err(format!("unknown argument {key}")),
        }
        Ok(())
    }

    /// A named preset (`--shape NAME`), a comma-separated list of the values above, e.g.
    /// `--shape minified,full,heavy,high,pages`.
    fn preset(&mut self, list: &str) -> Result<(), String> {
        for v in list.split(',').filter(|v| !v.is_empty()) {
            let key = match v {
                "pretty" | "minified" | "indent2" | "indent4" => "--whitespace",
                "lean" | "default" | "full" => "--properties",
                "normal" | "heavy" => "--addresses",
                "low" | "high" => "--finding-rate",
                "file" | "pages" => "--layout",
                _ => return Err(format!("--shape: unknown value {v}")),
            };
            self.set(key, v)?;
        }
        Ok(())
    }
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        users: 10_000,
        seed: 1,
        out: None,
        shape: Shape::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or(format!("{k} needs a value"));
        match k.as_str() {
            "--users" => a.users = v()?.parse().map_err(|e| format!("--users: {e}"))?,
            "--seed" => a.seed = v()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out" => a.out = Some(v()?),
            "--shape" => a.shape.preset(&v()?)?,
            "--whitespace" | "--properties" | "--addresses" | "--finding-rate" | "--layout" => {
                let value = v()?;
                a.shape.set(&k, &value)?
            }
            _ => {
                return Err(format!(
                    "unknown argument {k} (use --users N --seed S --out FILE [--shape LIST] \
                     [--whitespace pretty|minified|indent2|indent4] [--properties lean|default|full] \
                     [--addresses normal|heavy] [--finding-rate low|high] [--layout file|pages])"
                ));
            }
        }
    }
    Ok(a)
}

fn upn(i: u64, first: &str, last: &str, domain: &str) -> String {
    format!(
        "{}.{}{}@{}",
        first.to_lowercase(),
        last.to_lowercase(),
        i,
        domain
    )
}

/// Writes user `i`. `rng` draws what the original generator drew; the shape's additions draw
/// from `x` only, so the default shape's bytes do not depend on them.
fn user(w: &mut String, i: u64, rng: &mut Rng, shape: &Shape, x: &mut Rng) {
    let first = rng.pick(FIRST);
    let last = rng.pick(LAST);
    let dept = rng.pick(DEPTS);
    let (city, state, country) = CITIES[rng.below(CITIES.len() as u64) as usize];
    let guest = rng.one_in(40);
    let synced = !guest && !rng.one_in(5);
    let mut domain = if rng.one_in(3) {
        "fabrikam.com"
    } else {
        "contoso.com"
    };
    if !synced && domain == "fabrikam.com" && !rng.one_in(200) {
        domain = "contoso.com"; // cloud users in the federated domain: rare (UPN002)
    }
    if rng.one_in(1000) {
        domain = "contoso.local"; // UPN001
    }
    let mut u = upn(i, first, last, domain);
    if rng.one_in(1500) {
        u = format!("{}#{}@{}", first.to_lowercase(), i, domain); // UPN003
    }
    if i > 0 && rng.one_in(2000) {
        u = upn(i - 1, "dup", "user", "contoso.com"); // UPN004 pairs with the next
    }
    if guest {
        u = format!(
            "{}.{}{}_gmail.com#EXT#@contoso.onmicrosoft.com",
            first.to_lowercase(),
            last.to_lowercase(),
            i
        );
    }
    let mail = if guest {
        format!(
            "{}.{}{}@gmail.com",
            first.to_lowercase(),
            last.to_lowercase(),
            i
        )
    } else {
        u.clone()
    };
    let mut proxies = vec![
        format!("SMTP:{mail}"),
        format!("smtp:{}{}@contoso.onmicrosoft.com", first.to_lowercase(), i),
    ];
    if rng.one_in(1000) {
        proxies.push(format!("smtp:shared{}@contoso.com", i % 97)); // PRX001
    }
    if rng.one_in(2000) {
        proxies.push(format!("smtp:{}@old.example", i)); // PRX002
    }
    if rng.one_in(3000) {
        proxies.push(format!("{}@contoso.com", i)); // PRX003: no prefix
    }
    if shape.addresses == Addresses::Heavy {
        // 3–6 addresses: an alias in the tenant's domain, the Exchange legacy DN as X500: (one
        // in two users migrated from on-premises Exchange carry two), the SIP: address.
        let extra = 1 + x.below(4);
        let f = first.to_lowercase();
        let l = last.to_lowercase();
        for k in 0..extra {
            proxies.push(match k {
                0 if !guest => format!("SIP:{mail}"),
                1 => format!(
                    "X500:/o=ExchangeLabs/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn={}-{f}{i}",
                    guid(97, i).replace('-', "")
                ),
                2 => format!(
                    "x500:/o=Contoso/ou=First Administrative Group/cn=Recipients/cn={f}{l}{i}"
                ),
                _ => format!("smtp:{}{l}{i}@contoso.com", &f[..1]),
            });
        }
    }
    let enabled = !rng.one_in(300); // LIC006 when licensed
    let mut usage = if rng.one_in(500) {
        "null".to_string()
    } else {
        format!("\"{country}\"")
    };
    let mut skus: Vec<&str> = match rng.below(100) {
        0 => vec![], // unlicensed: SSPR003 when in scope
        1..=60 => vec![SKUS[0].id],
        _ => vec![SKUS[1].id, SKUS[2].id],
    };
    if guest {
        skus.clear();
    }
    if rng.one_in(800) {
        skus.push(SKUS[4].id); // LIC002 SharePoint pair with E3
    }
    if rng.one_in(1200) {
        skus.push(SKUS[3].id); // LIC002 Exchange pair (warning)
    }
    if rng.one_in(1500) {
        skus.push(UNKNOWN_SKU); // LIC004
    }
    let id = guid(NS_USER, i);
    let created = 1_500_000_000 + rng.below(250_000_000);
    let mut phone = match rng.below(50) {
        0 => "\"425-555-0100\"".to_string(), // SSPR005: no country code
        1 => format!("\"+1 425555{:04} x12\"", i % 10_000), // SSPR005: extension
        2..=10 => "null".to_string(),
        _ => format!("\"+1 425555{:04}\"", i % 10_000),
    };
    if shape.findings == FindingRate::High && x.one_in(32) {
        // One more finding on about 3 % of the users.
        match x.below(3) {
            0 => usage = "null".to_string(),             // LIC001 when licensed
            1 => phone = "\"425-555-0199\"".to_string(), // SSPR005
            _ => proxies.push(format!("smtp:{}{i}@old.example", first.to_lowercase())), // PRX002
        }
    }
    let pending = guest && rng.one_in(20);
    let _ = write!(
        w,
        r#"{{"id":"{id}","businessPhones":["+1 425 555 {:04}"],"displayName":"{first} {last}","givenName":"{first}","surname":"{last}","jobTitle":"{dept} Specialist","mail":"{mail}","mobilePhone":{phone},"officeLocation":"{}/{}","preferredLanguage":"en-US","userPrincipalName":"{u}","accountEnabled":{enabled},"ageGroup":null,"city":"{city}","companyName":"Contoso","country":"{country}","createdDateTime":"{}","creationType":{},"department":"{dept}","employeeId":"E{i:07}","employeeType":"Employee","externalUserState":{},"externalUserStateChangeDateTime":{},"faxNumber":null,"imAddresses":["{mail}"],"mailNickname":"{}{i}","onPremisesDistinguishedName":{},"onPremisesImmutableId":{},"onPremisesLastSyncDateTime":{},"onPremisesSamAccountName":{},"onPremisesSecurityIdentifier":{},"onPremisesSyncEnabled":{},"otherMails":[],"passwordPolicies":"DisablePasswordExpiration","postalCode":"98052","proxyAddresses":["#,
        i % 10_000,
        rng.below(40),
        rng.below(3000),
        ts(created),
        if guest { "\"Invitation\"" } else { "null" },
        if guest {
            if pending {
                "\"PendingAcceptance\""
            } else {
                "\"Accepted\""
            }
        } else {
            "null"
        },
        if guest {
            format!("\"{}\"", ts(created + 86_400))
        } else {
            "null".into()
        },
        first.to_lowercase(),
        if synced {
            format!("\"CN={first} {last},OU={dept},DC=contoso,DC=com\"")
        } else {
            "null".into()
        },
        if synced {
            format!("\"{}\"", &guid(99, i)[..24])
        } else {
            "null".into()
        },
        if synced {
            format!(
                "\"{}\"",
                ts(1_763_600_000 - rng.below(86_400) as i64 as u64)
            )
        } else {
            "null".into()
        },
        if synced {
            format!("\"{}{i}\"", first.to_lowercase())
        } else {
            "null".into()
        },
        if synced {
            format!("\"S-1-5-21-{}-{}\"", 1000 + i % 9000, i)
        } else {
            "null".into()
        },
        if synced { "true" } else { "null" },
    );
    for (k, p) in proxies.iter().enumerate() {
        if k > 0 {
            w.push(',');
        }
        let _ = write!(w, "\"{p}\"");
    }
    let _ = write!(
        w,
        r#"],"showInAddressList":null,"state":"{state}","streetAddress":"{} Microsoft Way","usageLocation":{usage},"userType":"{}","assignedLicenses":["#,
        1 + rng.below(9000),
        if guest { "Guest" } else { "Member" },
    );
    for (k, s) in skus.iter().enumerate() {
        if k > 0 {
            w.push(',');
        }
        let disabled = if *s == SKUS[0].id && rng.one_in(4) {
            r#""57ff2da0-773e-42df-b2af-ffb7a2317929""#
        } else {
            ""
        };
        let _ = write!(w, r#"{{"disabledPlans":[{disabled}],"skuId":"{s}"}}"#);
    }
    w.push_str(r#"],"licenseAssignmentStates":["#);
    for (k, s) in skus.iter().enumerate() {
        if k > 0 {
            w.push(',');
        }
        let (state, error) = if rng.one_in(1000) {
            ("Error", "CountViolation") // LIC005
        } else {
            ("Active", "None")
        };
        let group = if k == 0 && i.is_multiple_of(7) {
            format!("\"{}\"", guid(NS_GROUP, 0))
        } else {
            "null".into()
        };
        let _ = write!(
            w,
            r#"{{"assignedByGroup":{group},"disabledPlans":[],"error":"{error}","lastUpdatedDateTime":"{}","skuId":"{s}","state":"{state}"}}"#,
            ts(created + 3600)
        );
    }
    w.push(']');
    if shape.properties == Properties::Full {
        let upn = u.clone();
        full_properties(
            w,
            i,
            x,
            &FullUser {
                upn: &upn,
                mail: &mail,
                synced,
                guest,
                created,
                skus: &skus,
                dept,
            },
        );
    }
    w.push('}');
    if shape.properties == Properties::Lean {
        let kept: Vec<&str> = members(w)
            .into_iter()
            .filter(|(k, _)| LEAN_USER.contains(k))
            .map(|(_, m)| m)
            .collect();
        let lean = format!("{{{}}}", kept.join(","));
        *w = lean;
    }
}

/// The `$select` list of users in docs/snapshot-format.md.
const LEAN_USER: &[&str] = &[
    "id",
    "userPrincipalName",
    "displayName",
    "mail",
    "proxyAddresses",
    "usageLocation",
    "accountEnabled",
    "onPremisesSyncEnabled",
    "userType",
    "externalUserState",
    "externalUserStateChangeDateTime",
    "createdDateTime",
    "assignedLicenses",
    "licenseAssignmentStates",
    "mobilePhone",
    "businessPhones",
];

/// The top-level members of a minified JSON object: (key, `"key":value`).
fn members(obj: &str) -> Vec<(&str, &str)> {
    let b = obj.as_bytes();
    let mut out = Vec::new();
    let (mut depth, mut in_str, mut esc, mut start) = (0usize, false, false, 1usize);
    for (k, &c) in b.iter().enumerate() {
        if in_str {
            if esc {
                esc = false;
            } else if c == b'\\' {
                esc = true;
            } else if c == b'"' {
                in_str = false;
            }
            continue;
        }
        match c {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 && k > start {
                    out.push(&obj[start..k]);
                }
            }
            b',' if depth == 1 => {
                out.push(&obj[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    out.into_iter()
        .map(|m| {
            let end = m[1..].find('"').map_or(0, |e| e + 1);
            (&m[1..end], m)
        })
        .collect()
}

/// What the beta properties of a full user are derived from.
struct FullUser<'a> {
    upn: &'a str,
    mail: &'a str,
    synced: bool,
    guest: bool,
    created: u64,
    skus: &'a [&'a str],
    dept: &'a str,
}

/// Service plans that real E3/E5 users carry besides the SKUs' own (service, servicePlanId), from
/// a Graph beta export.
const MORE_PLANS: &[(&str, &str)] = &[
    ("YammerEnterprise", "7547a3fe-08ee-4ccb-b430-5077c5041653"),
    ("Sway", "a23b959c-7ce8-4e57-9140-b90eb88a9e97"),
    (
        "ProjectWorkManagement",
        "b737dad2-2f6c-4c65-90e3-ca563267e8b9",
    ),
    ("Deskless", "8c7d2df8-86f0-4902-b2ed-a0458298f3b3"),
    ("PowerAppsService", "c68f8d98-5534-41c8-bf36-22fa496fa792"),
    ("ProcessSimple", "76846ad7-7776-4c40-a281-a386362dd1b9"),
    ("MicrosoftStream", "9e700747-8b1d-45e5-ab8d-ef187ceec156"),
    ("To-Do", "c87f142c-d1e9-4363-8630-aaea9c4d9ae5"),
    ("exchange", "33c4f319-9bdd-48d6-9c4d-410b750a4a5a"),
    ("exchange", "199a5c09-e0ca-4e37-8f7c-b05d533e1ea2"),
    ("exchange", "5136a095-5cf0-4aff-bec3-e84448b38ea5"),
    ("WhiteboardServices", "94a54592-cd8b-425e-87c6-97868b000b91"),
    ("MicrosoftKaizala", "aebd3021-9f8f-4bf8-bbe3-0ed2f4f047a1"),
    ("CRM", "17ab22cd-a0b3-4536-910a-cb6eb12696c0"),
    ("ProcessSimple", "50e68c76-46c6-4674-81f9-75456511b170"),
    ("MicrosoftOffice", "c63d4d19-e8cb-460e-b37c-4d6c34603745"),
];

fn service_of(plan: &str) -> &'static str {
    match plan.split('_').next().unwrap_or("") {
        "EXCHANGE" => "exchange",
        "SHAREPOINTENTERPRISE" | "SHAREPOINTSTANDARD" | "SHAREPOINTWAC" => "SharePoint",
        "MCOSTANDARD" => "MicrosoftCommunicationsOnline",
        "TEAMS1" => "TeamspaceAPI",
        "OFFICESUBSCRIPTION" => "MicrosoftOffice",
        "AAD" => "AADPremiumService",
        "MFA" => "MultiFactorService",
        "INTUNE" => "SCO",
        "RMS" => "RMSOnline",
        "FORMS" => "OfficeForms",
        _ => "Other",
    }
}

/// Appends the Graph beta properties of users-beta-full.json (the reference export) to a user
/// object being written: about 3–4 KB more for a licensed user, as in the reference.
fn full_properties(w: &mut String, i: u64, x: &mut Rng, u: &FullUser) {
    let null_or = |on: bool, v: String| if on { v } else { "null".to_string() };
    let assigned = ts(u.created + 3600);
    let _ = write!(
        w,
        r#","deletedDateTime":null,"consentProvidedForMinor":null,"employeeHireDate":{},"employeeLeaveDateTime":null,"infoCatalogs":[],"isManagementRestricted":null,"isResourceAccount":null,"legalAgeGroupClassification":null,"onPremisesDomainName":{},"onPremisesUserPrincipalName":{},"preferredDataLocation":null,"refreshTokensValidFromDateTime":"{}","releaseTrack":null,"securityIdentifier":"S-1-12-1-{}-{}-{}-{}","signInSessionsValidFromDateTime":"{}","externalUserConvertedOn":null,"employeeOrgData":{},"passwordProfile":{},"assignedPlans":["#,
        null_or(!u.guest, format!("\"{}\"", ts(u.created - 86_400 * 14))),
        null_or(u.synced, "\"contoso.com\"".to_string()),
        null_or(u.synced, format!("\"{}\"", u.upn)),
        ts(u.created + x.below(50_000_000)),
        x.below(4_294_967_296),
        x.below(4_294_967_296),
        x.below(4_294_967_296),
        x.below(4_294_967_296),
        ts(u.created + x.below(50_000_000)),
        null_or(
            !u.guest,
            format!(
                r#"{{"division":"{}","costCenter":"CC{:04}"}}"#,
                u.dept,
                i % 700
            )
        ),
        if u.synced {
            "null".to_string()
        } else {
            format!(
                r#"{{"password":null,"forceChangePasswordNextSignIn":{},"forceChangePasswordNextSignInWithMfa":false}}"#,
                x.one_in(4)
            )
        },
    );
    let mut k = 0;
    let mut plan = |w: &mut String, service: &str, id: &str, status: &str| {
        if k > 0 {
            w.push(',');
        }
        k += 1;
        let _ = write!(
            w,
            r#"{{"assignedDateTime":"{assigned}","capabilityStatus":"{status}","service":"{service}","servicePlanId":"{id}"}}"#
        );
    };
    let mut services: Vec<&str> = Vec::new();
    for s in u.skus {
        if let Some(sku) = SKUS.iter().find(|k| k.id == *s) {
            for (name, id) in sku.plans {
                let service = service_of(name);
                plan(w, service, id, "Enabled");
                if !services.contains(&service) {
                    services.push(service);
                }
            }
        }
    }
    if !u.skus.is_empty() {
        let extra = 10 + x.below(7) as usize;
        for (service, id) in &MORE_PLANS[..extra] {
            plan(w, service, id, "Enabled");
        }
        if x.one_in(3) {
            plan(
                w,
                "exchange",
                "9aaf7827-d63c-4b61-89c3-182f06f82e5c",
                "Deleted",
            );
        }
    }
    let _ = write!(
        w,
        r#"],"authorizationInfo":{{"certificateUserIds":[]}},"deviceKeys":["#
    );
    if !u.guest && x.one_in(8) {
        let mut key = String::with_capacity(344);
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        while key.len() < 342 {
            key.push(B64[x.below(64) as usize] as char);
        }
        let _ = write!(
            w,
            r#"{{"customKeyInformation":"AQAAAAACAAAAAAAAAAAA","deviceId":"{}","keyIdentifier":null,"keyMaterial":"UlNBMQAIAAADAAAAAAEAAAAAAAAAAAAAAQAB{key}==","keyType":"NGC","usage":"ngc"}}"#,
            guid(98, i)
        );
    }
    let invited = ts(u.created);
    let _ = write!(
        w,
        r#"],"externalUserInformation":{{"acceptedAsMail":{},"acceptedDateTime":{},"invitedAsMail":{},"invitedDateTime":"{invited}","inviteResources":[],"signInNames":["{}"],"inviteReplyUrls":[]}},"identities":[{{"signInType":"userPrincipalName","issuer":"contoso.onmicrosoft.com","issuerAssignedId":"{}"}}"#,
        null_or(u.guest, format!("\"{}\"", u.mail)),
        null_or(u.guest, format!("\"{}\"", ts(u.created + 86_400))),
        null_or(u.guest, format!("\"{}\"", u.mail)),
        u.upn,
        u.upn,
    );
    if u.guest {
        let _ = write!(
            w,
            r#",{{"signInType":"federated","issuer":"MicrosoftAccount","issuerAssignedId":null}}"#
        );
    }
    w.push_str(r#"],"onPremisesExtensionAttributes":{"#);
    for a in 1..=15 {
        if a > 1 {
            w.push(',');
        }
        let value = match a {
            1 if u.synced => format!("\"{}\"", u.dept.to_uppercase()),
            2 if u.synced => format!("\"E{i:07}\""),
            10 if u.synced && x.one_in(2) => "\"Hybrid\"".to_string(),
            _ => "null".to_string(),
        };
        let _ = write!(w, r#""extensionAttribute{a}":{value}"#);
    }
    w.push_str(r#"},"onPremisesProvisioningErrors":[],"provisionedPlans":["#);
    for (k, s) in services.iter().enumerate() {
        if k > 0 {
            w.push(',');
        }
        let _ = write!(
            w,
            r#"{{"capabilityStatus":"Enabled","provisioningStatus":"Success","service":"{s}"}}"#
        );
    }
    w.push(']');
    if !x.one_in(3) {
        let last = 1_763_000_000 - x.below(60 * 86_400);
        let _ = write!(
            w,
            r#","signInActivity":{{"lastSignInDateTime":"{}","lastSignInRequestId":"{}","lastNonInteractiveSignInDateTime":"{}","lastNonInteractiveSignInRequestId":"{}"}}"#,
            ts(last),
            guid(96, i * 2),
            ts(last + x.below(86_400)),
            guid(96, i * 2 + 1)
        );
    }
}

/// The service principal properties after the credentials of service principal `k` (of a
/// tenant of `n` users and `groups` groups, whose id is `tenant`): who owns the app, whether it
/// requires assignment, whether it is enabled, and who is assigned to it.
fn service_principal(
    w: &mut impl Write,
    k: u64,
    n: u64,
    groups: u64,
    tenant: &str,
) -> io::Result<()> {
    let owner = if k % 3 == 1 { MICROSOFT_TENANT } else { tenant };
    let required = k % 10 == 3;
    let enabled = k % 50 != 7;
    let mut assigned: Vec<(String, &str, &str)> = Vec::new();
    if !(required && k % 40 == 3) {
        // APP003 when required: nobody assigned.
        for j in 0..(1 + k % 4) {
            let user = guid(NS_USER, (k * 37 + j * 101) % n);
            assigned.push((user, "User", if j == 0 { APP_ROLE } else { DEFAULT_ROLE }));
        }
        if required || k.is_multiple_of(5) {
            assigned.push((guid(NS_GROUP, (k * 13) % groups), "Group", DEFAULT_ROLE));
        }
        if k % 100 == 13 {
            assigned.push((guid(NS_GROUP, 1), "Group", DEFAULT_ROLE)); // APP004
        }
    }
    write!(
        w,
        r#","accountEnabled":{enabled},"appOwnerOrganizationId":"{owner}","appRoleAssignmentRequired":{required},"servicePrincipalType":"Application","appRoleAssignedTo":["#
    )?;
    for (j, (principal, kind, role)) in assigned.iter().enumerate() {
        if j > 0 {
            w.write_all(b",")?;
        }
        write!(
            w,
            r#"{{"id":"{}","appRoleId":"{role}","createdDateTime":"2025-01-01T00:00:00Z","principalDisplayName":"{kind} {j}","principalId":"{principal}","principalType":"{kind}","resourceDisplayName":"App {k}","resourceId":"{}"}}"#,
            guid(NS_ASSIGNMENT, k * 16 + j as u64),
            guid(NS_SP, k)
        )?;
    }
    w.write_all(b"]")
}

/// The default access role of an application without app roles.
const DEFAULT_ROLE: &str = "00000000-0000-0000-0000-000000000000";

fn ts(secs: u64) -> String {
    let t = jiff::Timestamp::from_second(secs as i64).expect("in range");
    format!("{}", t.strftime("%Y-%m-%dT%H:%M:%SZ"))
}

#[allow(dead_code)] // the benches include this file for `generate` only
fn main() -> io::Result<()> {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen_tenant: {e}");
            std::process::exit(2);
        }
    };
    generate_shaped(a.users, a.seed, &a.shape, a.out.as_deref())
}

/// Writes a snapshot of `n` users generated from `seed` to `w` (the default shape).
pub fn generate(n: u64, seed: u64, w: &mut impl Write) -> io::Result<()> {
    body(n, seed, &Shape::default(), w)
}

/// Writes a snapshot of `n` users generated from `seed` in `shape`: to `out` (a file, or
/// standard output when `None`) for `Layout::File`, into the directory `out` for
/// `Layout::Pages`.
pub fn generate_shaped(n: u64, seed: u64, shape: &Shape, out: Option<&str>) -> io::Result<()> {
    if shape.layout == Layout::Pages {
        let dir = out.ok_or_else(|| io::Error::other("--layout pages needs --out DIR"))?;
        let mut pages = Pages::new(dir.into(), shape.whitespace)?;
        body(n, seed, shape, &mut pages)?;
        return pages.done();
    }
    let out: Box<dyn Write> = match out {
        Some(p) => Box::new(std::fs::File::create(p)?),
        None => Box::new(io::stdout().lock()),
    };
    let mut w = BufWriter::with_capacity(1 << 20, out);
    if shape.whitespace == Whitespace::Pretty {
        body(n, seed, shape, &mut w)?;
    } else {
        let mut f = Fmt::new(&mut w, shape.whitespace);
        body(n, seed, shape, &mut f)?;
        f.flush()?;
    }
    w.flush()
}

/// Rewrites a JSON byte stream in another whitespace style (`Pretty` passes it through).
struct Fmt<W: Write> {
    w: W,
    ws: Whitespace,
    depth: usize,
    in_str: bool,
    esc: bool,
    pending: Option<u8>,
    out: Vec<u8>,
}

impl<W: Write> Fmt<W> {
    fn new(w: W, ws: Whitespace) -> Self {
        Fmt {
            w,
            ws,
            depth: 0,
            in_str: false,
            esc: false,
            pending: None,
            out: Vec::with_capacity(1 << 17),
        }
    }

    fn newline(&mut self) {
        let width = if self.ws == Whitespace::Indent4 { 4 } else { 2 };
        self.out.push(b'\n');
        self.out
            .extend(std::iter::repeat_n(b' ', width * self.depth));
    }

    fn byte(&mut self, b: u8) {
        if self.in_str {
            self.out.push(b);
            if self.esc {
                self.esc = false;
            } else if b == b'\\' {
                self.esc = true;
            } else if b == b'"' {
                self.in_str = false;
            }
            return;
        }
        if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            return;
        }
        let indented = matches!(self.ws, Whitespace::Indent2 | Whitespace::Indent4);
        if let Some(open) = self.pending.take() {
            if (open, b) == (b'{', b'}') || (open, b) == (b'[', b']') {
                self.depth -= 1;
                self.out.extend([open, b]);
                return;
            }
            self.out.push(open);
            self.newline();
        }
        match b {
            b'{' | b'[' if indented => {
                self.depth += 1;
                self.pending = Some(b);
            }
            b'}' | b']' if indented => {
                self.depth -= 1;
                self.newline();
                self.out.push(b);
            }
            b',' if indented => {
                self.out.push(b);
                self.newline();
            }
            b':' if indented => {
                self.out.push(b);
                self.out
                    .extend_from_slice(if self.ws == Whitespace::Indent4 {
                        b"  "
                    } else {
                        b" "
                    });
            }
            b'"' => {
                self.in_str = true;
                self.out.push(b);
            }
            _ => self.out.push(b),
        }
    }
}

impl<W: Write> Write for Fmt<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.ws == Whitespace::Pretty {
            return self.w.write(buf);
        }
        for &b in buf {
            self.byte(b);
        }
        if self.out.len() >= 1 << 16 {
            self.w.write_all(&self.out)?;
            self.out.clear();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.w.write_all(&self.out)?;
        self.out.clear();
        self.w.flush()
    }
}

/// Users, groups, contacts and registrations per Graph page file.
const PAGE: usize = 999;

/// Splits the generator's single-file stream into a snapshot directory (docs/snapshot-format.md
/// section 1): `tenant.json` (with `exportedAt`), `policies.json`, one Graph page file per other
/// collection, and folders of page files of 999 objects with `@odata.nextLink` for users,
/// groups, contacts and userRegistrationDetails. Each file is written in `ws`.
struct Pages {
    dir: std::path::PathBuf,
    ws: Whitespace,
    depth: usize,
    in_str: bool,
    esc: bool,
    cap: Vec<u8>,
    key: String,
    coll: bool,
    elems: Vec<Vec<u8>>,
    page: usize,
    scalars: Vec<(String, Vec<u8>)>,
}

impl Pages {
    fn new(dir: std::path::PathBuf, ws: Whitespace) -> io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        Ok(Pages {
            dir,
            ws,
            depth: 0,
            in_str: false,
            esc: false,
            cap: Vec::new(),
            key: String::new(),
            coll: false,
            elems: Vec::new(),
            page: 0,
            scalars: Vec::new(),
        })
    }

    fn paged(&self) -> bool {
        matches!(
            self.key.as_str(),
            "users" | "groups" | "contacts" | "userRegistrationDetails"
        )
    }

    fn write_file(&self, path: &std::path::Path, parts: &[&[u8]]) -> io::Result<()> {
        let mut file = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
        let mut f = Fmt::new(&mut file, self.ws);
        for p in parts {
            f.write_all(p)?;
        }
        f.flush()?;
        drop(f);
        file.flush()
    }

    /// Writes the elements gathered so far as one Graph page (`last`: without a nextLink).
    fn flush_page(&mut self, last: bool) -> io::Result<()> {
        let key = self.key.clone();
        let context = format!(
            r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#{key}","value":["#
        );
        let mut parts: Vec<&[u8]> = vec![context.as_bytes(), b"\n"];
        for (k, e) in self.elems.iter().enumerate() {
            if k > 0 {
                parts.push(b",\n");
            }
            parts.push(e);
        }
        let next = if last {
            "\n]}\n".to_string()
        } else {
            format!(
                "\n],\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/{key}?$top=999&$skiptoken=RFNwdAIAAQAAA{:08}\"}}\n",
                (self.page + 1) * PAGE
            )
        };
        parts.push(next.as_bytes());
        let path = if self.paged() {
            let folder = self.dir.join(&key);
            std::fs::create_dir_all(&folder)?;
            folder.join(format!("page-{:05}.json", self.page + 1))
        } else {
            self.dir.join(format!("{key}.json"))
        };
        self.write_file(&path, &parts)?;
        self.elems.clear();
        self.page += 1;
        Ok(())
    }

    fn element(&mut self) -> io::Result<()> {
        if self.cap.is_empty() {
            return Ok(());
        }
        if self.paged() && self.elems.len() == PAGE {
            self.flush_page(false)?;
        }
        self.elems.push(std::mem::take(&mut self.cap));
        Ok(())
    }

    fn end_member(&mut self) -> io::Result<()> {
        if self.coll {
            if self.page == 0 || !self.elems.is_empty() {
                self.flush_page(true)?;
            }
            self.coll = false;
            self.page = 0;
        } else if !self.key.is_empty() {
            self.scalars
                .push((std::mem::take(&mut self.key), std::mem::take(&mut self.cap)));
        }
        self.key.clear();
        self.cap.clear();
        Ok(())
    }

    fn byte(&mut self, b: u8) -> io::Result<()> {
        if self.in_str {
            self.cap.push(b);
            if self.esc {
                self.esc = false;
            } else if b == b'\\' {
                self.esc = true;
            } else if b == b'"' {
                self.in_str = false;
            }
            return Ok(());
        }
        if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            return Ok(());
        }
        if self.depth == 0 {
            if b == b'{' {
                self.depth = 1;
            }
            return Ok(());
        }
        if self.depth == 1 {
            match b {
                b':' => {
                    let key = std::mem::take(&mut self.cap);
                    self.key = String::from_utf8_lossy(&key).trim_matches('"').to_string();
                }
                b'[' if self.cap.is_empty() && !self.key.is_empty() => {
                    self.coll = true;
                    self.depth = 2;
                }
                b',' => self.end_member()?,
                b'}' => {
                    self.end_member()?;
                    self.depth = 0;
                }
                _ => {
                    match b {
                        b'"' => self.in_str = true,
                        b'{' | b'[' => self.depth += 1,
                        _ => {}
                    }
                    self.cap.push(b);
                }
            }
            return Ok(());
        }
        if self.coll && self.depth == 2 {
            match b {
                b',' => return self.element(),
                b']' => {
                    self.element()?;
                    self.depth = 1;
                    return Ok(());
                }
                _ => {}
            }
        }
        match b {
            b'"' => self.in_str = true,
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => self.depth -= 1,
            _ => {}
        }
        self.cap.push(b);
        Ok(())
    }

    /// Writes tenant.json (with exportedAt) and the other top-level objects.
    fn done(self) -> io::Result<()> {
        let get = |k: &str| {
            self.scalars
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_slice())
        };
        if let Some(tenant) = get("tenant") {
            let mut t = tenant[..tenant.len() - 1].to_vec();
            if let Some(at) = get("exportedAt") {
                t.extend_from_slice(b",\"exportedAt\":");
                t.extend_from_slice(at);
            }
            t.extend_from_slice(b"}\n");
            self.write_file(&self.dir.join("tenant.json"), &[&t])?;
        }
        for (key, value) in &self.scalars {
            if key != "tenant" && key != "exportedAt" {
                self.write_file(&self.dir.join(format!("{key}.json")), &[value, b"\n"])?;
            }
        }
        Ok(())
    }
}

impl Write for Pages {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for &b in buf {
            self.byte(b)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The generator proper: the original output for `Shape::default()`.
fn body(n: u64, seed: u64, shape: &Shape, w: &mut impl Write) -> io::Result<()> {
    let a = Args {
        users: n,
        seed,
        out: None,
        shape: *shape,
    };
    writeln!(w, "{{\n\"exportedAt\":\"2026-11-20T08:00:00.0000000Z\",")?;
    writeln!(
        w,
        "\"tenant\":{{\"id\":\"{}\",\"displayName\":\"Contoso (generated)\"}},",
        guid(0, a.seed)
    )?;

    // Subscriptions: enough seats, except one over-allocated and one nearly full.
    w.write_all(b"\"subscribedSkus\":[")?;
    for (k, s) in SKUS.iter().enumerate() {
        if k > 0 {
            w.write_all(b",")?;
        }
        let consumed = n / 2 + 10;
        let enabled = if s.part == "EXCHANGESTANDARD" {
            consumed - 1
        } else {
            n + 100
        };
        let plans: Vec<String> = s
            .plans
            .iter()
            .map(|(name, id)| {
                format!(r#"{{"servicePlanId":"{id}","servicePlanName":"{name}","provisioningStatus":"Success","appliesTo":"User"}}"#)
            })
            .collect();
        write!(
            w,
            r#"{{"accountName":"Contoso","appliesTo":"User","capabilityStatus":"Enabled","consumedUnits":{consumed},"id":"{}_{}","prepaidUnits":{{"enabled":{enabled},"lockedOut":0,"suspended":0,"warning":0}},"servicePlans":[{}],"skuId":"{}","skuPartNumber":"{}"}}"#,
            guid(0, a.seed),
            s.id,
            plans.join(","),
            s.id,
            s.part
        )?;
    }
    w.write_all(b"],\n")?;

    w.write_all(
        br#""domains":[{"id":"contoso.com","authenticationType":"Managed","isVerified":true,"isDefault":true},{"id":"fabrikam.com","authenticationType":"Federated","isVerified":true},{"id":"contoso.onmicrosoft.com","authenticationType":"Managed","isVerified":true,"isInitial":true},{"id":"old.example","authenticationType":"Managed","isVerified":false}],
"#,
    )?;

    // Users, one per line.
    w.write_all(b"\"users\":[\n")?;
    let mut buf = String::with_capacity(4096);
    let mut guests = Vec::new();
    for i in 0..n {
        buf.clear();
        let mut urng = Rng(a.seed ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d));
        let mut x =
            Rng((seed << 32) ^ i.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17) ^ 0x5eed);
        user(&mut buf, i, &mut urng, &a.shape, &mut x);
        if buf.contains("\"userType\":\"Guest\"") {
            guests.push(i);
        }
        if i > 0 {
            w.write_all(b",\n")?;
        }
        w.write_all(buf.as_bytes())?;
    }
    w.write_all(b"\n],\n")?;

    // Groups: 1 per 50 users, ~20 direct members each; every 10th synced; group 0 is the
    // licensing group, group 1 the SSPR group (with group 2 nested), group 3 role-assignable.
    // A few groups assign licenses (group-based licensing): group 0, and one in 400 of the
    // others, of which one in two has a nested group (LIC007).
    let groups = (n / 50).max(4);
    w.write_all(b"\"groups\":[\n")?;
    for g in 0..groups {
        if g > 0 {
            w.write_all(b",\n")?;
        }
        let synced = g % 10 == 5;
        let mut members: Vec<String> = (0..20)
            .map(|k| format!("\"{}\"", guid(NS_USER, (g * 50 + k * 2) % n)))
            .collect();
        if g == 1 {
            members.push(format!(
                r##"{{"@odata.type":"#microsoft.graph.group","id":"{}"}}"##,
                guid(NS_GROUP, 2)
            ));
        }
        let licenses = match g % 400 {
            _ if g == 0 => format!(r#"{{"disabledPlans":[],"skuId":"{}"}}"#, SKUS[0].id),
            13 | 213 => format!(
                r#"{{"disabledPlans":[],"skuId":"{}"}},{{"disabledPlans":["6c57d4b6-3b23-47a5-9bc9-69f17b4947b3"],"skuId":"{}"}}"#,
                SKUS[1].id, SKUS[2].id
            ),
            _ => String::new(),
        };
        if g % 400 == 213 {
            members.push(format!(
                r##"{{"@odata.type":"#microsoft.graph.group","id":"{}"}}"##,
                guid(NS_GROUP, (g + 1) % groups)
            )); // LIC007
        }
        if synced
            && g % 20 == 5
            && let Some(&gu) = guests.get((g / 20) as usize % guests.len().max(1))
        {
            members.push(format!("\"{}\"", guid(NS_USER, gu))); // B2B001
        }
        let mail = format!("group{g}@contoso.com");
        let extra = if g % 500 == 7 {
            format!(r#","smtp:shared{}@contoso.com""#, g % 97)
        } else {
            String::new()
        };
        write!(
            w,
            r#"{{"id":"{}","displayName":"Group {g}","description":"Generated group","groupTypes":[],"isAssignableToRole":{},"mail":"{mail}","mailEnabled":true,"mailNickname":"group{g}","onPremisesSyncEnabled":{},"proxyAddresses":["SMTP:{mail}"{extra}],"securityEnabled":true,"visibility":"Private","assignedLicenses":[{licenses}],"members":[{}]}}"#,
            guid(NS_GROUP, g),
            g == 3,
            if synced { "true" } else { "null" },
            members.join(",")
        )?;
    }
    w.write_all(b"\n],\n")?;

    w.write_all(b"\"contacts\":[\n")?;
    for c in 0..(n / 100).max(1) {
        if c > 0 {
            w.write_all(b",\n")?;
        }
        let mail = if c % 300 == 1 {
            format!("shared{}@contoso.com", c % 97)
        } else {
            format!("partner{c}@fabrikam.net")
        };
        write!(
            w,
            r#"{{"id":"{}","companyName":"Fabrikam","displayName":"Partner {c}","mail":"{mail}","mailNickname":"partner{c}","proxyAddresses":["SMTP:{mail}"]}}"#,
            guid(NS_CONTACT, c)
        )?;
    }
    w.write_all(b"\n],\n")?;

    // Global Administrators: five (ROLE001 warns above four), one through the role group.
    write!(
        w,
        r#""directoryRoles":[{{"id":"{}","displayName":"Global Administrator","roleTemplateId":"62e90394-69f5-4237-9190-012177145e10","members":["{}","{}","{}","{}"]}}],
"roleAssignments":[{{"id":"ra1","principalId":"{}","roleDefinitionId":"62e90394-69f5-4237-9190-012177145e10","directoryScopeId":"/"}}],
"#,
        guid(7, 0),
        guid(NS_USER, 0),
        guid(NS_USER, 1),
        guid(NS_USER, 2),
        guid(NS_USER, 3),
        guid(NS_GROUP, 3)
    )?;

    // Applications and service principals: 1 per 1000 users, some credentials expired or
    // expiring. Service principals: a third are Microsoft's own apps; one in ten requires
    // assignment (one in forty with nobody assigned: APP003), one in fifty is disabled; users
    // and groups are assigned to them, group 1 (which has a nested group) to one in a hundred
    // (APP004).
    for (key, ns) in [("applications", NS_APP), ("servicePrincipals", NS_SP)] {
        writeln!(w, "\"{key}\":[")?;
        for k in 0..(n / 1000).max(1) {
            if k > 0 {
                w.write_all(b",\n")?;
            }
            let end = match k % 10 {
                0 => "2026-10-01T00:00:00Z",
                1 => "2026-12-01T00:00:00.1234567Z",
                _ => "2028-01-01T00:00:00Z",
            };
            write!(
                w,
                r#"{{"id":"{}","appId":"{}","displayName":"App {k}","passwordCredentials":[{{"customKeyIdentifier":null,"displayName":"secret {k}","endDateTime":"{end}","hint":"abc","keyId":"{}","startDateTime":"2025-01-01T00:00:00Z"}}],"keyCredentials":[]"#,
                guid(ns, k),
                guid(ns + 10, k),
                guid(NS_KEY, u64::from(ns) * 1_000_000 + k)
            )?;
            if ns == NS_SP {
                service_principal(w, k, n, groups, &guid(0, a.seed))?;
            }
            w.write_all(b"}")?;
        }
        w.write_all(b"\n],\n")?;
    }

    w.write_all(b"\"userRegistrationDetails\":[\n")?;
    for i in 0..n {
        if i > 0 {
            w.write_all(b",\n")?;
        }
        let methods = match i % 500 {
            0 => "",
            1 => r#""email""#,
            _ => r#""microsoftAuthenticatorPush","mobilePhone""#,
        };
        // Registered for SSPR with two methods (the policy asks for two); not with one or none.
        let registered = i % 500 > 1;
        write!(
            w,
            r#"{{"id":"{}","isSsprRegistered":{registered},"isMfaRegistered":true,"methodsRegistered":[{methods}],"userType":"member"}}"#,
            guid(NS_USER, i)
        )?;
    }
    w.write_all(b"\n],\n")?;

    write!(
        w,
        r#""policies":{{"authorizationPolicy":{{"id":"authorizationPolicy","allowInvitesFrom":"everyone","allowedToUseSSPR":true}},"passwordResetPolicy":{{"enablementType":2,"passwordResetEnabledGroupIds":[],"numberOfAuthenticationMethodsRequired":2}},"onPremisesPasswordResetPolicy":{{"passwordWritebackSupported":true,"enablementForTenant":false}}}}
}}
"#
    )?;
    Ok(())
}
