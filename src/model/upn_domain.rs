//! The domain of each user's UPN, worked out once while loading and kept once per distinct
//! domain.
//!
//! The rules that judge a UPN's domain (UPN001, UPN002) used to read every user's UPN text
//! from the input: a cache miss per user, scattered over a file of gigabytes. The loader has
//! the text at hand anyway, so it numbers the domain there ([`UpnDomain`], four bytes that
//! fit in the user's padding), and a rule judges each distinct domain once and then only
//! looks the number up.

use super::Upn;
use super::intern::{Interned, Interner, Recent, Renumber};
use std::cell::RefCell;

/// The domain of a user's UPN: [`UpnDomain::BLANK`], [`UpnDomain::NO_AT`], or a number into
/// [`UpnDomains`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct UpnDomain(u32);

impl UpnDomain {
    /// No UPN, or only whitespace.
    pub const BLANK: UpnDomain = UpnDomain(0);
    /// A UPN without `@` ([`domain_lower`](super::domain_lower) is `None`).
    pub const NO_AT: UpnDomain = UpnDomain(1);

    /// The domain's place in per-domain tables ([`UpnDomains::table`]).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Every distinct UPN domain (as [`domain_lower`](super::domain_lower) gives it), numbered by [`UpnDomain`].
pub struct UpnDomains {
    /// Indexes 0 and 1 ([`UpnDomain::BLANK`] and [`UpnDomain::NO_AT`]) hold nothing.
    names: Vec<Box<str>>,
}

impl Default for UpnDomains {
    fn default() -> Self {
        UpnDomains {
            names: vec![Box::default(), Box::default()],
        }
    }
}

impl UpnDomains {
    /// The domain `d` stands for: `None` for [`UpnDomain::BLANK`] and [`UpnDomain::NO_AT`].
    pub fn get(&self, d: UpnDomain) -> Option<&str> {
        if d.0 < 2 {
            return None;
        }
        self.names.get(d.index()).map(|n| &**n)
    }

    /// `f` of every domain, by [`UpnDomain::index`] (`None` for [`UpnDomain::BLANK`] and
    /// [`UpnDomain::NO_AT`]): a rule's verdict per domain.
    pub fn table<V: Send>(&self, f: impl Fn(&str) -> V + Sync) -> Vec<Option<V>> {
        use rayon::prelude::*;
        self.names
            .par_iter()
            .enumerate()
            .map(|(i, n)| (i >= 2).then(|| f(n)))
            .collect()
    }
}

thread_local! {
    static RECENT: Recent<Box<str>> = const { RefCell::new((0, 0, Vec::new())) };
}

impl Interned for Box<str> {
    fn recent() -> &'static std::thread::LocalKey<Recent<Self>> {
        &RECENT
    }
}

/// Numbers UPN domains while loading.
#[derive(Default)]
pub struct UpnDomainInterner(Interner<Box<str>>);

impl UpnDomainInterner {
    /// The domain of a user's UPN, prepared once for the user (an absent UPN is the empty
    /// one).
    pub fn of(&self, upn: &Upn<'_>) -> UpnDomain {
        if upn.is_blank() {
            return UpnDomain::BLANK;
        }
        match upn.domain() {
            None => UpnDomain::NO_AT,
            Some(d) => UpnDomain(1 + self.0.intern(d, || d.into())),
        }
    }

    /// The domains in sorted order, and how to renumber what [`UpnDomainInterner::of`]
    /// returned.
    pub fn finish(self) -> (UpnDomains, UpnDomainRenumber) {
        let (sorted, re) = self.0.finish(2);
        let mut names = Vec::with_capacity(sorted.len() + 2);
        names.extend([Box::default(), Box::default()]);
        names.extend(sorted);
        (UpnDomains { names }, UpnDomainRenumber(re))
    }
}

/// See [`UpnDomainInterner::finish`].
pub struct UpnDomainRenumber(Renumber);

impl UpnDomainRenumber {
    pub fn apply(&self, d: UpnDomain) -> UpnDomain {
        if d.0 < 2 {
            return d;
        }
        UpnDomain(self.0.apply(d.0 - 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_numbered_once_in_sorted_order() {
        let i = UpnDomainInterner::default();
        let got: Vec<UpnDomain> = [
            Some("a@Fabrikam.com "),
            None,
            Some("  "),
            Some("no-at-sign"),
            Some("b@contoso.com"),
            Some("c@fabrikam.com"),
            Some("d@"),
        ]
        .into_iter()
        .map(|u| i.of(&Upn::new(u.unwrap_or_default())))
        .collect();
        let (domains, re) = i.finish();
        let got: Vec<UpnDomain> = got.into_iter().map(|d| re.apply(d)).collect();
        assert_eq!(got[0], got[5]);
        assert_eq!(
            &got[1..4],
            &[UpnDomain::BLANK, UpnDomain::BLANK, UpnDomain::NO_AT]
        );
        let names: Vec<Option<&str>> = got.iter().map(|&d| domains.get(d)).collect();
        assert_eq!(
            names,
            [
                Some("fabrikam.com"),
                None,
                None,
                None,
                Some("contoso.com"),
                Some("fabrikam.com"),
                Some("")
            ]
        );
        // Sorted: "", contoso.com, fabrikam.com.
        assert_eq!((got[6].index(), got[4].index(), got[0].index()), (2, 3, 4));
        let t = domains.table(str::len);
        assert_eq!(t, [None, None, Some(0), Some(11), Some(12)]);
    }
}
