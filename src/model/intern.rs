//! Numbering values that repeat across a collection (users' license lists, UPN domains), so
//! that each distinct value is kept, and judged, once.
//!
//! The parsing threads share an [`Interner`]. Its numbers depend on which thread got where
//! first, so [`Interner::finish`] sorts the values and says how to renumber: the model is the
//! same whatever the thread count.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::LocalKey;

/// Shards of an interner: parsing threads rarely wait on each other.
const SHARDS: usize = 16;

/// Values a thread met last. Most objects hold one of a few values, and taking a shard's
/// lock for each of them has the threads wait on each other (the same lock and cache line,
/// over and over).
const RECENT_LEN: usize = 16;

/// A thread's recent values of one type: (interner id, next slot to replace, (hash, value,
/// number)).
pub type Recent<T> = RefCell<(u64, usize, Vec<(u64, T, u32)>)>;

/// A value an [`Interner`] numbers.
pub trait Interned: Ord + Clone + Send + Sized + 'static {
    /// The calling thread's recent values of this type.
    fn recent() -> &'static LocalKey<Recent<Self>>;
}

struct Shard<T> {
    table: hashbrown::HashTable<u32>,
    values: Vec<T>,
}

/// Numbers values while loading (shared by the parsing threads): equal values get equal
/// numbers, from 1 up.
pub struct Interner<T> {
    /// Tells this interner's entries in a thread's recent values from another's.
    id: u64,
    shards: Vec<Mutex<Shard<T>>>,
}

impl<T> Default for Interner<T> {
    fn default() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        Interner {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        table: hashbrown::HashTable::new(),
                        values: Vec::new(),
                    })
                })
                .collect(),
        }
    }
}

fn hash<Q: Hash + ?Sized>(q: &Q) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    q.hash(&mut h);
    h.finish()
}

impl<T: Interned> Interner<T> {
    /// The number (1 or more) of the value that `q` borrows as; `make` makes that value when
    /// it is new.
    pub fn intern<Q>(&self, q: &Q, make: impl FnOnce() -> T) -> u32
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let h = hash(q);
        let recent = T::recent().with_borrow(|(id, _, r)| {
            if *id != self.id {
                return None;
            }
            r.iter()
                .find(|e| e.0 == h && e.1.borrow() == q)
                .map(|e| e.2)
        });
        if let Some(n) = recent {
            return n;
        }
        let (n, v) = self.intern_shared(h, q, make);
        let Some(v) = v else { return n };
        T::recent().with_borrow_mut(|(id, next, r)| {
            if *id != self.id {
                *id = self.id;
                *next = 0;
                r.clear();
            }
            match r.get_mut(*next) {
                Some(slot) => *slot = (h, v, n),
                None => r.push((h, v, n)),
            }
            *next = (*next + 1) % RECENT_LEN;
        });
        n
    }

    /// [`Interner::intern`] through the shard of hash `h`: the number and the value.
    fn intern_shared<Q>(&self, h: u64, q: &Q, make: impl FnOnce() -> T) -> (u32, Option<T>)
    where
        T: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let shard = (h >> 58) as usize % SHARDS;
        #[allow(clippy::indexing_slicing, reason = "shard < SHARDS = shards.len()")]
        let mut g = self.shards[shard].lock().unwrap_or_else(|e| e.into_inner());
        let Shard { table, values } = &mut *g;
        let eq = |&i: &u32| values.get(i as usize).is_some_and(|v| v.borrow() == q);
        let (local, v) = match table.find(h, eq) {
            Some(&i) => (i, values.get(i as usize).cloned()),
            None => {
                let i = values.len() as u32;
                let v = make();
                values.push(v.clone());
                let rehash = |&i: &u32| values.get(i as usize).map_or(0, |v| hash(v.borrow()));
                table.insert_unique(h, i, rehash);
                (i, Some(v))
            }
        };
        // Shard `k`'s value `i` is 1 + i * SHARDS + k.
        (1 + local * SHARDS as u32 + shard as u32, v)
    }

    /// The values in sorted order, and how to renumber what [`Interner::intern`] returned to
    /// `first` plus the value's place in that order.
    pub fn finish(self, first: u32) -> (Vec<T>, Renumber) {
        let mut all: Vec<(T, u32)> = Vec::new();
        for (k, m) in self.shards.into_iter().enumerate() {
            let shard = m.into_inner().unwrap_or_else(|e| e.into_inner());
            for (i, v) in shard.values.into_iter().enumerate() {
                all.push((v, 1 + (i * SHARDS + k) as u32));
            }
        }
        all.sort_unstable();
        // Numbers are spread over the shards: at most SHARDS times the count.
        let top = all.iter().map(|x| x.1).max().unwrap_or(0);
        let mut map = vec![0u32; top as usize + 1];
        let mut values = Vec::with_capacity(all.len());
        for (v, old) in all {
            if let Some(slot) = map.get_mut(old as usize) {
                *slot = first + values.len() as u32;
            }
            values.push(v);
        }
        (values, Renumber(map))
    }
}

/// From an interner's numbers to the sorted ones (see [`Interner::finish`]); 0 stays 0.
pub struct Renumber(Vec<u32>);

impl Renumber {
    pub fn apply(&self, n: u32) -> u32 {
        self.0.get(n as usize).copied().unwrap_or(0)
    }
}
