use super::addr::{Owner, all_owners, need_any_proxies};
use crate::model::{Proxy, Tenant, normalize_address, proxy_flags};
use crate::rules::listing::{join_counted, listed, others};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta};
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Bits for telling which keys occur more than once, without sorting them: `seen` gets the
/// bit of every key, `repeated` the bit of a key whose bit was already in `seen`. A key held
/// twice always gets its bit in `repeated`; a key alone may too when another shares its bit
/// (a few percent: each table has 32 to 64 bits per owner): the full keys sort those out.
/// The result does not depend on the order the keys come in.
struct Repeats {
    seen: Vec<AtomicU64>,
    repeated: Vec<AtomicU64>,
    shift: u32,
}

impl Repeats {
    /// Room for `owners` objects: each table has at least 32 bits per object (rounded up to a
    /// power of two, at least 2^16).
    fn new(owners: usize) -> Self {
        let bits = (owners.saturating_mul(32)).next_power_of_two().max(1 << 16);
        let words = bits / 64;
        let table = || (0..words).map(|_| AtomicU64::new(0)).collect();
        Repeats {
            seen: table(),
            repeated: table(),
            shift: 64 - bits.trailing_zeros(),
        }
    }

    /// The word and bit of `key`.
    fn slot(&self, key: u64) -> (usize, u64) {
        let b = (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize;
        (b / 64, 1 << (b % 64))
    }

    fn add(&self, key: u64) {
        let (w, bit) = self.slot(key);
        let (Some(seen), Some(repeated)) = (self.seen.get(w), self.repeated.get(w)) else {
            return;
        };
        // Plain loads first: most bits are set once, and an atomic or is dearer.
        let again = seen.load(Ordering::Relaxed) & bit != 0
            || seen.fetch_or(bit, Ordering::Relaxed) & bit != 0;
        if again && repeated.load(Ordering::Relaxed) & bit == 0 {
            repeated.fetch_or(bit, Ordering::Relaxed);
        }
    }

    fn any(&self) -> bool {
        self.repeated.iter().any(|w| w.load(Ordering::Relaxed) != 0)
    }

    fn maybe_repeated(&self, key: u64) -> bool {
        let (w, bit) = self.slot(key);
        self.repeated
            .get(w)
            .is_some_and(|r| r.load(Ordering::Relaxed) & bit != 0)
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
        // First which keys may occur more than once (no string read, nothing sorted); then
        // the few entries with such a key, with their owners. An empty or blank entry is no
        // address at all.
        let blank = |p: &Proxy| p.is(proxy_flags::BLANK);
        let owners = t.users.items.len() + t.groups.items.len() + t.contacts.items.len();
        let repeats = Repeats::new(owners);
        all_owners(t).for_each(|o| {
            for p in o.proxies(t).iter().filter(|p| !blank(p)) {
                repeats.add(p.key());
            }
        });
        if !repeats.any() {
            return Ok(());
        }
        let mut entries: Vec<(u64, u32, u32)> = all_owners(t)
            .flat_map_iter(|o| {
                let n = num.number(o);
                let repeats = &repeats;
                o.proxies(t)
                    .iter()
                    .enumerate()
                    .filter(move |(_, p)| !blank(p) && repeats.maybe_repeated(p.key()))
                    .map(move |(i, p)| (p.key(), n, i as u32))
            })
            .collect();
        drop(repeats);
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
    use super::Repeats;

    #[test]
    fn every_key_added_twice_is_marked_and_few_others() {
        let key = |i: u64| i.wrapping_mul(0xd6e8_feb8_6659_fd93) & !0xff;
        let owners = 50_000;
        let r = Repeats::new(owners);
        // Keys 0..100k once, every 97th again, the repeats first and last.
        for i in (0..100_000).step_by(97) {
            r.add(key(i));
        }
        for i in 0..100_000 {
            r.add(key(i));
        }
        assert!(r.any());
        for i in 0..100_000 {
            if i % 97 == 0 {
                assert!(r.maybe_repeated(key(i)), "{i}");
            }
        }
        let others = (0..100_000)
            .filter(|i| i % 97 != 0 && r.maybe_repeated(key(*i)))
            .count();
        assert!(
            others < 100_000 / 8,
            "{others} keys held once look repeated"
        );
        assert!(!Repeats::new(owners).any());
    }
}
