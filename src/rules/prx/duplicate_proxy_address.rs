use super::addr::{Owner, all_owners, need_any_proxies};
use crate::model::{Proxy, Tenant, normalize_address, proxy_flags};
use crate::rules::listing::{join_counted, listed, others};
use crate::rules::{Category, Context, Finding, Outcome, Rule, RuleMeta};
use rayon::prelude::*;
use rustc_hash::FxHashSet;
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

/// `key(p)` of every proxy address that has one, in owner order, written straight into one
/// vector of the exact size: a parallel collect of unknown length would hold them all twice
/// (4.5 million addresses: 18 MB more at the peak).
fn cut_keys(t: &Tenant, num: &Numbering, key: impl Fn(&Proxy) -> Option<u32> + Sync) -> Vec<u32> {
    const BLOCK: u32 = 4096;
    let owners = num.users + num.groups + t.contacts.items.len() as u32;
    let blocks: Vec<std::ops::Range<u32>> = (0..owners.div_ceil(BLOCK))
        .map(|b| b * BLOCK..owners.min((b + 1) * BLOCK))
        .collect();
    let keys_of = |n: u32| num.owner(n).proxies(t).iter().filter_map(&key);
    let counts: Vec<usize> = blocks
        .par_iter()
        .map(|r| r.clone().map(|n| keys_of(n).count()).sum())
        .collect();
    let mut keys = vec![0u32; counts.iter().sum()];
    let mut slices = Vec::with_capacity(blocks.len());
    let mut rest = keys.as_mut_slice();
    for &c in &counts {
        let (head, tail) = rest.split_at_mut(c);
        slices.push(head);
        rest = tail;
    }
    slices.into_par_iter().zip(blocks).for_each(|(slice, r)| {
        for (slot, k) in slice.iter_mut().zip(r.flat_map(keys_of)) {
            *slot = k;
        }
    });
    keys
}

impl Rule for DuplicateProxyAddress {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &Context, out: &mut Vec<Finding>) -> Outcome {
        let t = cx.tenant;
        need_any_proxies(t)?;
        let num = Numbering::new(t);
        // First the keys alone, mixed down to 32 bits (4 bytes each, no string read): which
        // occur more than once. A few are repeated only by that cut; the full keys sort them
        // out below. An empty or blank entry is no address at all.
        let cut = |p: &Proxy| (p.key().wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as u32;
        let blank = |p: &Proxy| p.is(proxy_flags::BLANK);
        let mut keys = cut_keys(t, &num, |p| (!blank(p)).then(|| cut(p)));
        keys.par_sort_unstable();
        let repeated: FxHashSet<u32> = keys
            .par_chunk_by(|a, b| a == b)
            .filter_map(|run| match run {
                [first, _, ..] => Some(*first),
                _ => None,
            })
            .collect();
        drop(keys);
        if repeated.is_empty() {
            return Ok(());
        }
        // Then the few entries with a repeated key, with their owners.
        let mut entries: Vec<(u64, u32, u32)> = all_owners(t)
            .flat_map_iter(|o| {
                let n = num.number(o);
                let repeated = &repeated;
                o.proxies(t)
                    .iter()
                    .enumerate()
                    .filter(move |(_, p)| !blank(p) && repeated.contains(&cut(p)))
                    .map(move |(i, p)| (p.key(), n, i as u32))
            })
            .collect();
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
