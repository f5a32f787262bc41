use super::addr::{Owner, all_owners, need_any_proxies};
use crate::model::{Proxy, Tenant, normalize_address, proxy_flags};
use crate::rules::listing::{join_counted, listed, others};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta};
use rayon::prelude::*;
use std::borrow::Cow;

/// PRX001: the same proxy address on two or more objects.
pub struct DuplicateProxyAddress;

static META: RuleMeta = RuleMeta {
    code: "PRX001",
    name: "duplicate-proxy-address",
    category: Category::Breakage,
    summary: "proxy address held by more than one user, group or contact",
    options: &[],
    reads: &[
        ("users", "proxyAddresses"),
        ("groups", "proxyAddresses"),
        ("contacts", "proxyAddresses"),
    ],
    doc: include_str!("../../../rules/PRX001.md"),
};

/// Owners numbered users first, then groups, then contacts, so that an entry is 16 bytes.
struct Numbering {
    users: u32,
    groups: u32,
}

impl Numbering {
    fn new(t: &Tenant) -> Self {
        Numbering {
            users: t.users.items.len() as u32,
            groups: t.groups.items.len() as u32,
        }
    }
    fn number(&self, o: Owner) -> u32 {
        match o {
            Owner::User(i) => i,
            Owner::Group(i) => self.users + i,
            Owner::Contact(i) => self.users + self.groups + i,
        }
    }
    fn owner(&self, n: u32) -> Owner {
        if n < self.users {
            Owner::User(n)
        } else if n - self.users < self.groups {
            Owner::Group(n - self.users)
        } else {
            Owner::Contact(n - self.users - self.groups)
        }
    }
}

/// The findings for one run of entries sharing an address hash: one per holder, naming the
/// first other holders (see [`crate::rules::listing`]), so O(1) text per holder.
fn run_findings(cx: &Context, num: &Numbering, run: &[(u64, u32, u32)]) -> Vec<Finding> {
    let t = cx.tenant;
    // Same hash: group by the normalised text to rule out collisions. An owner that holds the
    // address in several spellings is quoted with the smallest, whatever their order.
    let mut by_text: Vec<(Cow<'_, str>, u32, &str)> = run
        .iter()
        .filter_map(|&(_, o, i)| {
            let raw = t.s(num.owner(o).proxies(t).get(i as usize)?.raw).trim();
            Some((normalize_address(raw), o, raw))
        })
        .collect();
    by_text.sort_unstable();
    by_text.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let mut out = Vec::new();
    for same in by_text.chunk_by(|a, b| a.0 == b.0) {
        if same.len() < 2 {
            continue;
        }
        let (objects, spellings) =
            listed(same.iter().map(|x| (num.owner(x.1).obj(cx), x.2)).collect());
        let key = same.first().map_or("", |x| x.0.as_ref());
        for (k, (object, spelling)) in objects.iter().zip(spellings).enumerate() {
            let (first, total) = others(&objects, Some(k));
            let message = format!(
                "proxy address `{}` is also held by {}",
                crate::ident::addr(spelling),
                join_counted(&first, total)
            );
            let related = first.into_iter().cloned().collect();
            out.push(
                cx.finding(&META, object.clone(), message)
                    .with_related(related)
                    .with_key(key),
            );
        }
    }
    out
}

/// The bits of a key's identity: the top [`ID_BITS`] bits of the key times an odd constant
/// (keys are hashes with their low 8 bits clear). Two keys held once share an identity about
/// once in a trillion pairs; entries with a shared identity are told apart by their keys.
fn id_of(key: u64) -> u64 {
    key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - ID_BITS)
}

/// An identity is a shard (its top [`SHARD_BITS`] bits) and 32 bits within the shard.
const ID_BITS: u32 = SHARD_BITS + 32;
const SHARD_BITS: u32 = 8;
const SHARDS: usize = 1 << SHARD_BITS;

/// Owners per task of the first pass.
const OWNERS_PER_TASK: usize = 1 << 14;

/// The identities of one task's keys, grouped by shard: shard `s` is
/// `ids[starts[s]..starts[s + 1]]`, the low 32 bits of each.
struct Part {
    ids: Vec<u32>,
    starts: Vec<usize>,
}

impl Part {
    /// The identities of the non-blank entries of owners `owners` (by number).
    fn of(t: &Tenant, num: &Numbering, owners: std::ops::Range<usize>) -> Part {
        let mut all: Vec<u64> = Vec::new();
        for n in owners {
            let o = num.owner(n as u32);
            all.extend(
                o.proxies(t)
                    .iter()
                    .filter(|p| !p.is(proxy_flags::BLANK))
                    .map(|p| id_of(p.key())),
            );
        }
        let shard = |id: u64| (id >> 32) as usize;
        let mut starts = vec![0usize; SHARDS + 1];
        for &id in &all {
            if let Some(c) = starts.get_mut(shard(id) + 1) {
                *c += 1;
            }
        }
        let mut sum = 0;
        for c in &mut starts {
            sum += *c;
            *c = sum;
        }
        let mut next = starts.clone();
        let mut ids = vec![0u32; all.len()];
        for &id in &all {
            if let Some(at) = next.get_mut(shard(id))
                && let Some(slot) = ids.get_mut(*at)
            {
                *slot = id as u32;
                *at += 1;
            }
        }
        Part { ids, starts }
    }

    fn shard(&self, s: usize) -> &[u32] {
        match (self.starts.get(s), self.starts.get(s + 1)) {
            (Some(&a), Some(&b)) => self.ids.get(a..b).unwrap_or_default(),
            _ => &[],
        }
    }
}

/// The identities held more than once in shard `s` of `parts`, in order.
///
/// Two tables of bits, `seen` and `repeated`, at least 32 bits per identity of the shard: a
/// few tens of kilobytes for a million owners, so they stay in the cache, and no atomics,
/// since each shard is one task's. An identity held twice always gets its bit in `repeated`;
/// one held once may too when another shares its bit (a few percent), so the identities
/// with their bit in `repeated` are sorted and only those that occur twice kept.
fn repeated_in_shard(parts: &[Part], s: usize) -> Vec<u64> {
    let n: usize = parts.iter().map(|p| p.shard(s).len()).sum();
    let bits = n
        .saturating_mul(32)
        .next_power_of_two()
        .clamp(1 << 6, 1 << 26);
    let shift = 32 - bits.trailing_zeros();
    let mut seen = vec![0u64; bits / 64];
    let mut repeated = vec![0u64; bits / 64];
    let slot = |id: u32| {
        let b = (id >> shift) as usize;
        (b / 64, 1u64 << (b % 64))
    };
    let ids = || parts.iter().flat_map(|p| p.shard(s).iter().copied());
    for id in ids() {
        let (w, bit) = slot(id);
        if let (Some(seen), Some(repeated)) = (seen.get_mut(w), repeated.get_mut(w)) {
            if *seen & bit != 0 {
                *repeated |= bit;
            }
            *seen |= bit;
        }
    }
    let mut maybe: Vec<u32> = ids()
        .filter(|&id| {
            let (w, bit) = slot(id);
            repeated.get(w).is_some_and(|r| r & bit != 0)
        })
        .collect();
    maybe.sort_unstable();
    let mut out: Vec<u64> = maybe
        .windows(2)
        .filter(|w| matches!(w, [a, b] if a == b))
        .filter_map(|w| w.first())
        .map(|&id| (s as u64) << 32 | u64::from(id))
        .collect();
    out.dedup();
    out
}

/// The identities (see [`id_of`]) held more than once among all non-blank entries, sorted,
/// without an atomic or a table bigger than the cache: the entries' identities are dealt by
/// shard, per task of owners, and each shard's are then counted on their own.
fn repeated_ids(t: &Tenant, num: &Numbering, owners: usize) -> Vec<u64> {
    let parts: Vec<Part> = (0..owners.div_ceil(OWNERS_PER_TASK))
        .into_par_iter()
        .map(|k| {
            let from = k * OWNERS_PER_TASK;
            Part::of(t, num, from..owners.min(from + OWNERS_PER_TASK))
        })
        .collect();
    (0..SHARDS)
        .into_par_iter()
        .flat_map_iter(|s| repeated_in_shard(&parts, s))
        .collect()
}

/// A set of identities: a bit per value of their low bits (at least 64 per identity) before a
/// binary search, so that most entries are turned away by one bit in the cache.
struct IdSet {
    sorted: Vec<u64>,
    bits: Vec<u64>,
    mask: u64,
}

impl IdSet {
    fn new(sorted: Vec<u64>) -> IdSet {
        let size = sorted.len().saturating_mul(64).next_power_of_two().max(512);
        let mask = size as u64 - 1;
        let mut bits = vec![0u64; size / 64];
        for &id in &sorted {
            let b = (id & mask) as usize;
            if let Some(w) = bits.get_mut(b / 64) {
                *w |= 1 << (b % 64);
            }
        }
        IdSet { sorted, bits, mask }
    }

    fn holds(&self, id: u64) -> bool {
        let b = (id & self.mask) as usize;
        self.bits
            .get(b / 64)
            .is_some_and(|w| w & (1 << (b % 64)) != 0)
            && self.sorted.binary_search(&id).is_ok()
    }
}

impl Rule for DuplicateProxyAddress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_any_proxies(t)?;
        let num = Numbering::new(t);
        // First which identities occur more than once (no string read); then the few entries
        // with such an identity, with their owners. An empty or blank entry is no address at
        // all.
        let blank = |p: &Proxy| p.is(proxy_flags::BLANK);
        let owners = t.users.items.len() + t.groups.items.len() + t.contacts.items.len();
        let repeated = repeated_ids(t, &num, owners);
        if repeated.is_empty() {
            return Ok(());
        }
        let repeated = IdSet::new(repeated);
        let mut entries: Vec<(u64, u32, u32)> = all_owners(t)
            .flat_map_iter(|o| {
                let n = num.number(o);
                let repeated = &repeated;
                o.proxies(t)
                    .iter()
                    .enumerate()
                    .filter(move |(_, p)| !blank(p) && repeated.holds(id_of(p.key())))
                    .map(move |(i, p)| (p.key(), n, i as u32))
            })
            .collect();
        drop(repeated);
        entries.par_sort_unstable();
        out.par_extend(
            entries
                .par_chunk_by(|a, b| a.0 == b.0)
                .filter(|run| matches!(run, [first, .., last] if first.1 != last.1))
                .flat_map_iter(|run| run_findings(cx, &num, run)),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parts of identities as [`Part::of`] deals them, from identities given directly.
    fn parts(chunks: &[Vec<u64>]) -> Vec<Part> {
        chunks
            .iter()
            .map(|ids| {
                let mut sorted = ids.clone();
                sorted.sort_by_key(|id| id >> 32);
                let starts = (0..=SHARDS)
                    .map(|s| sorted.partition_point(|id| ((id >> 32) as usize) < s))
                    .collect();
                Part {
                    ids: sorted.iter().map(|&id| id as u32).collect(),
                    starts,
                }
            })
            .collect()
    }

    #[test]
    fn exactly_the_identities_held_twice_are_found() {
        let id = |i: u64| id_of(i.wrapping_mul(0xd6e8_feb8_6659_fd93) & !0xff);
        // Identities 0..100k once, every 97th again, the repeats in another part.
        let once: Vec<u64> = (0..100_000).map(id).collect();
        let again: Vec<u64> = (0..100_000).step_by(97).map(id).collect();
        let p = parts(&[once.clone(), again.clone(), vec![id(5), id(5)]]);
        let found: Vec<u64> = (0..SHARDS).flat_map(|s| repeated_in_shard(&p, s)).collect();
        let mut want: Vec<u64> = again.iter().copied().chain([id(5)]).collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(found, want);
        let alone = parts(std::slice::from_ref(&once));
        assert!((0..SHARDS).all(|s| repeated_in_shard(&alone, s).is_empty()));
    }

    #[test]
    fn one_identity_everywhere_is_found_once() {
        let p = parts(&[vec![7 << 32 | 9; 50_000], vec![7 << 32 | 9; 3]]);
        let found: Vec<u64> = (0..SHARDS).flat_map(|s| repeated_in_shard(&p, s)).collect();
        assert_eq!(found, vec![7 << 32 | 9]);
    }

    #[test]
    fn the_id_set_holds_its_identities_only() {
        let ids: Vec<u64> = (0..1000u64).map(|i| i * 7919 + 3).collect();
        let set = IdSet::new(ids.clone());
        assert!(ids.iter().all(|&id| set.holds(id)));
        assert_eq!(
            (0..10_000u64).filter(|&id| set.holds(id)).count(),
            ids.iter().filter(|&&id| id < 10_000).count()
        );
    }
}
