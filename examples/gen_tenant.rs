//! Generates a realistic, deterministic Graph-shaped tenant snapshot for benchmarks and tests.
//!
//! `cargo run --release --example gen_tenant -- --users 1000000 --seed 1 --out big.json`
//!
//! About 1.4 KB of JSON per user (35+ properties as Graph v1.0 returns them, real SKU and
//! service-plan GUIDs), plus groups with members (a few assigning licenses), contacts, roles,
//! applications, service principals (with who is assigned to them), registration details and
//! policies. Violations of every rule are planted at a low rate. The same arguments always give
//! the same bytes.

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
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        users: 10_000,
        seed: 1,
        out: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or(format!("{k} needs a value"));
        match k.as_str() {
            "--users" => a.users = v()?.parse().map_err(|e| format!("--users: {e}"))?,
            "--seed" => a.seed = v()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--out" => a.out = Some(v()?),
            _ => {
                return Err(format!(
                    "unknown argument {k} (use --users N --seed S --out FILE)"
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

fn user(w: &mut String, i: u64, rng: &mut Rng) {
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
    let enabled = !rng.one_in(300); // LIC006 when licensed
    let usage = if rng.one_in(500) {
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
    let phone = match rng.below(50) {
        0 => "\"425-555-0100\"".to_string(), // SSPR005: no country code
        1 => format!("\"+1 425555{:04} x12\"", i % 10_000), // SSPR005: extension
        2..=10 => "null".to_string(),
        _ => format!("\"+1 425555{:04}\"", i % 10_000),
    };
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
    w.push_str("]}");
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
    let out: Box<dyn Write> = match &a.out {
        Some(p) => Box::new(std::fs::File::create(p)?),
        None => Box::new(io::stdout().lock()),
    };
    let mut w = BufWriter::with_capacity(1 << 20, out);
    generate(a.users, a.seed, &mut w)?;
    w.flush()
}

/// Writes a snapshot of `n` users generated from `seed` to `w`.
pub fn generate(n: u64, seed: u64, w: &mut impl Write) -> io::Result<()> {
    let a = Args {
        users: n,
        seed,
        out: None,
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
        user(&mut buf, i, &mut urng);
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
