//! Users' license lists, each distinct list kept once.
//!
//! A tenant of a million users has a few hundred distinct `assignedLicenses` lists at most
//! (every user of a department holds the same SKUs with the same plans disabled). A user keeps
//! a four-byte [`LicenseSet`] instead of its own boxed copy (32 bytes a license, and another
//! allocation for disabled plans), and a rule that judges licenses can judge each distinct
//! list once ([`LicenseSets::lists`]) instead of once per user.

use super::AssignedLicense;
use super::intern::{Interned, Interner, Recent, Renumber};
use std::cell::RefCell;

/// The licenses of a user: a number into [`LicenseSets`]. [`LicenseSet::NONE`] is the empty
/// list.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct LicenseSet(u32);

impl LicenseSet {
    /// No license.
    pub const NONE: LicenseSet = LicenseSet(0);

    /// The set's place in [`LicenseSets::lists`] (0 for [`LicenseSet::NONE`]).
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Every distinct license list of the tenant's users, numbered by [`LicenseSet`].
pub struct LicenseSets {
    /// `sets[0]` is the empty list.
    sets: Vec<Box<[AssignedLicense]>>,
}

impl Default for LicenseSets {
    fn default() -> Self {
        LicenseSets {
            sets: vec![Box::new([])],
        }
    }
}

impl LicenseSets {
    /// The licenses of set `s` (empty for a number this table did not make).
    pub fn get(&self, s: LicenseSet) -> &[AssignedLicense] {
        self.sets.get(s.index()).map_or(&[], |v| v)
    }

    /// Every set, in [`LicenseSet::index`] order: for computing a per-set table.
    pub fn lists(&self) -> &[Box<[AssignedLicense]>] {
        &self.sets
    }
}

thread_local! {
    static RECENT: Recent<Box<[AssignedLicense]>> = const { RefCell::new((0, 0, Vec::new())) };
}

impl Interned for Box<[AssignedLicense]> {
    fn recent() -> &'static std::thread::LocalKey<Recent<Self>> {
        &RECENT
    }
}

/// Numbers license lists while loading.
#[derive(Default)]
pub struct LicenseInterner(Interner<Box<[AssignedLicense]>>);

impl LicenseInterner {
    /// The number of list `v`: the same for equal lists.
    pub fn intern(&self, v: &[AssignedLicense]) -> LicenseSet {
        if v.is_empty() {
            return LicenseSet::NONE;
        }
        LicenseSet(self.0.intern(v, || v.into()))
    }

    /// The lists in sorted order, and how to renumber what [`LicenseInterner::intern`]
    /// returned.
    pub fn finish(self) -> (LicenseSets, LicenseRenumber) {
        let (lists, re) = self.0.finish(1);
        let mut sets = Vec::with_capacity(lists.len() + 1);
        sets.push(Box::default());
        sets.extend(lists);
        (LicenseSets { sets }, LicenseRenumber(re))
    }
}

/// See [`LicenseInterner::finish`].
pub struct LicenseRenumber(Renumber);

impl LicenseRenumber {
    pub fn apply(&self, s: LicenseSet) -> LicenseSet {
        LicenseSet(self.0.apply(s.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Guid;

    fn lic(sku: u128, disabled: &[u128]) -> AssignedLicense {
        AssignedLicense {
            sku: Guid(sku),
            disabled_plans: disabled.iter().map(|&d| Guid(d)).collect(),
        }
    }

    #[test]
    fn equal_lists_share_a_number_in_sorted_order() {
        let i = LicenseInterner::default();
        let b = i.intern(&[lic(2, &[])]);
        let a = i.intern(&[lic(1, &[7])]);
        let none = i.intern(&[]);
        let b2 = i.intern(&[lic(2, &[])]);
        let c = i.intern(&[lic(1, &[7]), lic(2, &[])]);
        assert_eq!(b, b2);
        assert_eq!(none, LicenseSet::NONE);
        assert!(a != b && a != c && b != c);
        let (sets, re) = i.finish();
        assert_eq!(sets.lists().len(), 4);
        let (a, b, c) = (re.apply(a), re.apply(b), re.apply(c));
        assert_eq!((a.index(), c.index(), b.index()), (1, 2, 3));
        assert_eq!(sets.get(a), &[lic(1, &[7])]);
        assert_eq!(sets.get(c), &[lic(1, &[7]), lic(2, &[])]);
        assert_eq!(re.apply(LicenseSet::NONE), LicenseSet::NONE);
        assert!(sets.get(LicenseSet::NONE).is_empty());
    }

    #[test]
    fn the_numbering_does_not_depend_on_the_order_met() {
        let lists: Vec<Vec<AssignedLicense>> =
            (0..100).map(|k| vec![lic(k % 7, &[k % 3])]).collect();
        let number = |order: &mut dyn Iterator<Item = usize>| {
            let i = LicenseInterner::default();
            let got: Vec<(usize, LicenseSet)> = order.map(|k| (k, i.intern(&lists[k]))).collect();
            let (_, re) = i.finish();
            let mut v: Vec<(usize, LicenseSet)> =
                got.into_iter().map(|(k, s)| (k, re.apply(s))).collect();
            v.sort();
            v
        };
        assert_eq!(number(&mut (0..100)), number(&mut (0..100).rev()));
    }
}
