//! `--redact`: the identities in findings become stable pseudonyms, so that a report can go to
//! a vendor without naming anyone (see `docs/redaction.md`).
//!
//! A pseudonym is a keyed hash (BLAKE3 in keyed mode) of the identity: the same identity gives
//! the same pseudonym wherever it appears in one run, and in every run with the same key.
//! Addresses keep their prefix (`smtp:`, `SIP:` …) and their domain, which is what most rules
//! are about: `SMTP:adele.vance@contoso.com` becomes `SMTP:u-3f9a0c41d2b7@contoso.com`. Display
//! names become `name-<12 hex>`; in phone numbers every digit becomes `X`, so the format a rule
//! judges stays visible. Object ids, SKUs, domains and policies stay; fingerprints are computed
//! from what they always are (rule, object id, key), so a redacted report's fingerprints match
//! the unredacted report's.

use crate::engine::RunResult;
use crate::ident::{self, Kind};
use crate::rules::Object;

/// Replaces identities with keyed pseudonyms.
pub struct Redactor {
    key: [u8; 32],
}

/// Bytes of key material at least (`--redact-key` in hex: 32 digits or more).
pub const MIN_KEY_BYTES: usize = 16;

impl Redactor {
    /// A redactor keyed by `key` (any length of at least [`MIN_KEY_BYTES`]: it is hashed down).
    pub fn new(key: &[u8]) -> Redactor {
        Redactor {
            key: blake3::derive_key("tenantlint 2026-12 redact pseudonyms", key),
        }
    }

    /// A redactor with a random key: pseudonyms differ from run to run.
    pub fn random() -> Result<Redactor, String> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| format!("no random key for --redact: {e}"))?;
        Ok(Redactor::new(&key))
    }

    /// Parses a key given in hex (`--redact-key`, its file, `TENANTLINT_REDACT_KEY`).
    pub fn from_hex(hex: &str) -> Result<Redactor, String> {
        let hex = hex.trim();
        let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let bytes: Option<Vec<u8>> = hex
            .as_bytes()
            .chunks(2)
            .map(|p| match p {
                [a, b] => Some(digit(*a)? << 4 | digit(*b)?),
                _ => None,
            })
            .collect();
        match bytes {
            Some(b) if b.len() >= MIN_KEY_BYTES => Ok(Redactor::new(&b)),
            Some(_) | None => Err(format!(
                "a redaction key is at least {} hex digits (0-9, a-f), got {} characters; make one with `openssl rand -hex 32`",
                2 * MIN_KEY_BYTES,
                hex.chars().count()
            )),
        }
    }

    /// 12 hex digits of the keyed hash of `text` (48 bits: among a million identities a
    /// collision is about a 1-in-500 chance).
    fn tag(&self, what: &str, text: &str) -> String {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(what.as_bytes());
        h.update(&[0]);
        h.update(text.as_bytes());
        let hash = h.finalize();
        hash.to_hex()
            .as_str()
            .get(..12)
            .unwrap_or_default()
            .to_owned()
    }

    /// The pseudonym of an address: the prefix and domain kept, the rest hashed (ignoring
    /// case, as addresses compare): `smtp:u-…@contoso.com`; without an `@`, `x-…`.
    pub fn address(&self, text: &str) -> String {
        let t = text.trim();
        let (prefix, rest) = match t.split_once(':') {
            Some((p, r)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                (&t[..=p.len()], r)
            }
            _ => ("", t),
        };
        match rest.rsplit_once('@') {
            Some((local, domain)) => format!(
                "{prefix}u-{}@{domain}",
                self.tag("address", &local.to_lowercase())
            ),
            None => format!("{prefix}x-{}", self.tag("address", &rest.to_lowercase())),
        }
    }

    /// The pseudonym of a display name.
    pub fn name(&self, text: &str) -> String {
        format!("name-{}", self.tag("name", text.trim()))
    }

    /// A phone number with every digit replaced by `X`.
    pub fn phone(text: &str) -> String {
        text.chars()
            .map(|c| if c.is_ascii_digit() { 'X' } else { c })
            .collect()
    }

    fn ident(&self, kind: Kind, text: &str) -> String {
        match kind {
            Kind::Address => self.address(text),
            Kind::Name => self.name(text),
            Kind::Phone => Redactor::phone(text),
        }
    }

    fn object(&self, o: &mut Object) {
        if let Some(kind) = ident::of_object(o.kind, &o.name)
            && !o.name.is_empty()
        {
            o.name = self.ident(kind, &o.name);
        }
    }

    /// Redacts every finding and skip reason of `result`.
    pub fn result(&self, result: &mut RunResult) {
        use rayon::prelude::*;
        let finding = |f: &mut crate::rules::Finding| {
            self.object(&mut f.object);
            for o in &mut f.related {
                self.object(o);
            }
            if !f.idents.is_empty() {
                f.message = ident::replace(&f.message, &f.idents, |k, t| self.ident(k, t));
                f.idents.clear();
            }
        };
        result.findings.par_iter_mut().for_each(finding);
        result
            .exemptions
            .exempted
            .par_iter_mut()
            .for_each(|(f, _)| finding(f));
        // An exemption names its object as the configuration does: an address or a name is
        // replaced as the finding's would be (ids are kept). Reasons are the team's own words.
        for e in &mut result.exemptions.exemptions {
            if e.object.contains('@') {
                e.object = self.address(&e.object);
            } else if crate::model::Guid::parse(&e.object).is_none() {
                e.object = self.name(&e.object);
            }
        }
        // Fixed baseline entries come from the baseline file, with no marks to redact by:
        // they keep their fingerprint and rule only.
        if let Some(b) = &mut result.baseline {
            for e in &mut b.fixed {
                e.object.clear();
                e.message.clear();
            }
        }
        if let Some(n) = &mut result.tenant_name {
            *n = self.name(n);
        }
        for s in &mut result.skipped {
            if !s.idents.is_empty() {
                s.reason = ident::replace(&s.reason, &s.idents, |k, t| self.ident(k, t));
                s.idents.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_keep_prefix_and_domain_and_are_stable() {
        let r = Redactor::from_hex(&"ab".repeat(16)).unwrap();
        let a = r.address("SMTP:Adele.Vance@contoso.com");
        assert!(
            a.starts_with("SMTP:u-") && a.ends_with("@contoso.com"),
            "{a}"
        );
        assert_eq!(a.len(), "SMTP:u-".len() + 12 + "@contoso.com".len());
        assert_eq!(
            r.address("smtp:adele.vance@contoso.com"),
            a.replacen("SMTP", "smtp", 1)
        );
        assert_eq!(
            r.address("adele.vance@contoso.com"),
            a.trim_start_matches("SMTP:")
        );
        assert!(r.address("x500:/o=Org/cn=Adele").starts_with("x500:x-"));
        assert!(r.address("not an address").starts_with("x-"));
        let other = Redactor::from_hex(&"cd".repeat(16)).unwrap();
        assert_ne!(
            other.address("adele@contoso.com"),
            r.address("adele@contoso.com")
        );
        assert_eq!(r.name("Sales"), r.name(" Sales "));
        assert_ne!(r.name("Sales"), r.name("sales"));
        assert_eq!(Redactor::phone("+31 (6) 1234-5678"), "+XX (X) XXXX-XXXX");
    }

    #[test]
    fn keys_are_hex_and_long_enough() {
        assert!(Redactor::from_hex(&"0f".repeat(16)).is_ok());
        assert!(Redactor::from_hex(&format!(" {}\n", "0F".repeat(32))).is_ok());
        for bad in [
            "",
            "abc",
            &"0f".repeat(15),
            &"zz".repeat(16),
            &"0".repeat(33),
        ] {
            let e = Redactor::from_hex(bad).err().expect(bad);
            assert!(e.contains("at least 32 hex digits"), "{e}");
        }
    }
}
