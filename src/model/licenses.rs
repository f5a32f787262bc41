//! Users' license lists, each distinct list kept once.
//!
//! A tenant of a million users has a few hundred distinct `assignedLicenses` lists at most
//! (every user of a department holds the same SKUs with the same plans disabled). A user keeps
//! a four-byte [`LicenseSet`] instead of its own boxed copy (32 bytes a license, and another
//! allocation for disabled plans), and a rule that judges licenses can judge each distinct
//! list once ([`LicenseSets::len`] verdicts instead of one per user).
//!
//! While loading, the parsing threads share an [`Interner`]; its numbering depends on which
//! thread got where first, so [`Interner::finish`] renumbers the lists in their sorted order
//! and the loader maps every user's number through [`Renumber`]: the model is the same
//! whatever the thread count.

use super::AssignedLicense;
use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// The licenses of a user: a number into [`LicenseSets`]. [`LicenseSet::NONE`] is the empty
/// list.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct LicenseSet(u32);

impl LicenseSet {
    /// No license.
    pub const NONE: LicenseSet = LicenseSet(0);

    /// The set's place in [`LicenseSets`] (0 for [`LicenseSet::NONE`]): for per-set tables.
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

    /// How many sets there are, the empty one included: per-set tables have this length.
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    /// Never: the empty set is always there.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }
}

/// Shards of the interner: parsing threads rarely wait on each other.
const SHARDS: usize = 16;

#[derive(Default)]
struct Shard {
    table: hashbrown::HashTable<u32>,
    sets: Vec<Box<[AssignedLicense]>>,
}

/// Numbers license lists while loading (shared by the parsing threads).
pub struct Interner {
    /// Tells this interner's entries in a thread's [`RECENT`] from another's.
    id: u64,
    shards: Vec<Mutex<Shard>>,
}

impl Default for Interner {
    fn default() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Interner {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

/// Lists a thread met last, per thread: most users hold one of a few lists, and taking a
/// shard's lock for each of them has the threads wait on each other (the same lock and cache
/// line, over and over).
const RECENT_LEN: usize = 16;

/// A thread's recent lists: (interner id, next slot to replace, (hash, list, number)).
type Recent = (u64, usize, Vec<(u64, Box<[AssignedLicense]>, LicenseSet)>);

thread_local! {
    static RECENT: RefCell<Recent> = const { RefCell::new((0, 0, Vec::new())) };
}

fn hash(v: &[AssignedLicense]) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    v.hash(&mut h);
    h.finish()
}

impl Interner {
    /// The number of list `v`: the same for equal lists.
    pub fn intern(&self, v: Vec<AssignedLicense>) -> LicenseSet {
        if v.is_empty() {
            return LicenseSet::NONE;
        }
        let h = hash(&v);
        let recent = RECENT.with_borrow(|(id, _, r)| {
            if *id != self.id {
                return None;
            }
            r.iter().find(|e| e.0 == h && *e.1 == *v).map(|e| e.2)
        });
        if let Some(s) = recent {
            return s;
        }
        let s = self.intern_shared(h, &v);
        RECENT.with_borrow_mut(|(id, next, r)| {
            if *id != self.id {
                *id = self.id;
                *next = 0;
                r.clear();
            }
            let e = (h, v.into_boxed_slice(), s);
            match r.get_mut(*next) {
                Some(slot) => *slot = e,
                None => r.push(e),
            }
            *next = (*next + 1) % RECENT_LEN;
        });
        s
    }

    /// [`Interner::intern`] through the shard of hash `h`.
    fn intern_shared(&self, h: u64, v: &[AssignedLicense]) -> LicenseSet {
        let shard = (h >> 58) as usize % SHARDS;
        let Some(m) = self.shards.get(shard) else {
            return LicenseSet::NONE;
        };
        let mut g = m.lock().unwrap_or_else(|e| e.into_inner());
        let Shard { table, sets } = &mut *g;
        let eq = |&i: &u32| sets.get(i as usize).is_some_and(|s| **s == *v);
        let local = match table.find(h, eq) {
            Some(&i) => i,
            None => {
                let i = sets.len() as u32;
                sets.push(v.into());
                let rehash = |&i: &u32| sets.get(i as usize).map_or(0, |s| hash(s));
                table.insert_unique(h, i, rehash);
                i
            }
        };
        // 0 is the empty set; shard `k`'s list `i` is 1 + i * SHARDS + k.
        LicenseSet(1 + local * SHARDS as u32 + shard as u32)
    }

    /// The lists in sorted order, and how to renumber what [`Interner::intern`] returned.
    pub fn finish(self) -> (LicenseSets, Renumber) {
        let mut all: Vec<(Box<[AssignedLicense]>, u32)> = Vec::new();
        for (k, m) in self.shards.into_iter().enumerate() {
            let shard = m.into_inner().unwrap_or_else(|e| e.into_inner());
            for (i, s) in shard.sets.into_iter().enumerate() {
                all.push((s, 1 + (i * SHARDS + k) as u32));
            }
        }
        all.sort_unstable();
        // Numbers are spread over the shards: at most SHARDS times the count.
        let top = all.iter().map(|x| x.1).max().unwrap_or(0);
        let mut map = vec![0u32; top as usize + 1];
        let mut sets: Vec<Box<[AssignedLicense]>> = Vec::with_capacity(all.len() + 1);
        sets.push(Box::new([]));
        for (s, old) in all {
            if let Some(slot) = map.get_mut(old as usize) {
                *slot = sets.len() as u32;
            }
            sets.push(s);
        }
        (LicenseSets { sets }, Renumber(map))
    }
}

/// From the interner's numbers to the sorted ones (see [`Interner::finish`]).
pub struct Renumber(Vec<u32>);

impl Renumber {
    pub fn apply(&self, s: LicenseSet) -> LicenseSet {
        LicenseSet(self.0.get(s.index()).copied().unwrap_or(0))
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
        let i = Interner::default();
        let b = i.intern(vec![lic(2, &[])]);
        let a = i.intern(vec![lic(1, &[7])]);
        let none = i.intern(Vec::new());
        let b2 = i.intern(vec![lic(2, &[])]);
        let c = i.intern(vec![lic(1, &[7]), lic(2, &[])]);
        assert_eq!(b, b2);
        assert_eq!(none, LicenseSet::NONE);
        assert!(a != b && a != c && b != c);
        let (sets, re) = i.finish();
        assert_eq!(sets.len(), 4);
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
            let i = Interner::default();
            let got: Vec<(usize, LicenseSet)> =
                order.map(|k| (k, i.intern(lists[k].clone()))).collect();
            let (_, re) = i.finish();
            let mut v: Vec<(usize, LicenseSet)> =
                got.into_iter().map(|(k, s)| (k, re.apply(s))).collect();
            v.sort();
            v
        };
        assert_eq!(number(&mut (0..100)), number(&mut (0..100).rev()));
    }
}
