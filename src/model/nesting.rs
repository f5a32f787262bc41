//! Group nesting: what a group reaches through its nested groups. Each question is answered
//! in one pass over the groups it concerns, however many groups it starts from, so a chain or
//! a web of nested groups costs time linear in its memberships (asking per group would be
//! quadratic in a chain of groups each nesting the next).

use super::{Member, Tenant};

impl Tenant {
    /// The user members of the groups `roots`, direct and through nested groups, each once, in
    /// index order. Cycles in the nesting are safe.
    pub fn transitive_user_members(&self, roots: impl IntoIterator<Item = u32>) -> Vec<u32> {
        // Bit sets, not hash sets: a scope group of a million users would otherwise be a
        // million random inserts into a table far bigger than the cache; the users' bits are
        // then read out in index order, with no sort.
        let mut seen_groups = Bits::new(self.groups.items.len());
        let mut users = Bits::new(self.users.items.len());
        let mut stack: Vec<u32> = roots
            .into_iter()
            .filter(|&g| seen_groups.insert(g))
            .collect();
        while let Some(g) = stack.pop() {
            let Some(group) = self.groups.items.get(g as usize) else {
                continue;
            };
            for m in group.members.iter() {
                match *m {
                    Member::User(u) => {
                        users.insert(u);
                    }
                    Member::Group(n) => {
                        if seen_groups.insert(n) {
                            stack.push(n);
                        }
                    }
                    Member::Contact(_) | Member::Other(_) => {}
                }
            }
        }
        users.ones()
    }

    /// For every group, whether it has a user member, directly or through nested groups: from
    /// the groups with a direct user member, up the nesting (one pass over all memberships).
    pub fn groups_reaching_users(&self) -> Vec<bool> {
        let groups = &self.groups.items;
        let mut reaches = vec![false; groups.len()];
        // The groups each group is nested in: (member group, parent group), sorted.
        let mut parents: Vec<(u32, u32)> = Vec::new();
        let mut stack: Vec<u32> = Vec::new();
        for (g, group) in groups.iter().enumerate() {
            let g = g as u32;
            for m in group.members.iter() {
                match *m {
                    Member::User(_) => {
                        if let Some(r) = reaches.get_mut(g as usize)
                            && !*r
                        {
                            *r = true;
                            stack.push(g);
                        }
                    }
                    Member::Group(n) => parents.push((n, g)),
                    Member::Contact(_) | Member::Other(_) => {}
                }
            }
        }
        parents.sort_unstable();
        while let Some(g) = stack.pop() {
            let lo = parents.partition_point(|p| p.0 < g);
            let nested_in = parents.get(lo..).unwrap_or_default();
            for &(_, parent) in nested_in.iter().take_while(|p| p.0 == g) {
                if let Some(r) = reaches.get_mut(parent as usize)
                    && !*r
                {
                    *r = true;
                    stack.push(parent);
                }
            }
        }
        reaches
    }
}

/// A set of indices below a fixed bound, one bit each. An index out of bounds is never in it
/// and is not inserted (the model's indices are in bounds; this keeps a slip from panicking).
struct Bits {
    words: Vec<u64>,
    len: usize,
}

impl Bits {
    fn new(len: usize) -> Self {
        Bits {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// Adds `i`; whether it was new.
    fn insert(&mut self, i: u32) -> bool {
        if i as usize >= self.len {
            return false;
        }
        let bit = 1u64 << (i % 64);
        match self.words.get_mut(i as usize / 64) {
            Some(w) if *w & bit == 0 => {
                *w |= bit;
                true
            }
            _ => false,
        }
    }

    /// The indices in the set, ascending.
    fn ones(&self) -> Vec<u32> {
        let n = self.words.iter().map(|w| w.count_ones() as usize).sum();
        let mut v = Vec::with_capacity(n);
        for (k, &w) in self.words.iter().enumerate() {
            let mut w = w;
            while w != 0 {
                v.push(k as u32 * 64 + w.trailing_zeros());
                w &= w - 1;
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Tenant;
    use serde_json::json;

    fn group(i: usize, members: &[String]) -> serde_json::Value {
        json!({
            "id": format!("10000000-0000-4000-8000-{i:012x}"),
            "displayName": format!("g{i}"),
            "members": members.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
        })
    }

    fn gid(i: usize) -> String {
        format!("10000000-0000-4000-8000-{i:012x}")
    }

    /// Groups 0 → 1 → … → n−1 nested in a chain, the last holding the one user, plus a cycle
    /// 0 ↔ n without users, and group n+1 alone.
    fn chain(n: usize) -> Tenant {
        let user = "20000000-0000-4000-8000-000000000001".to_owned();
        let mut groups: Vec<_> = (0..n)
            .map(|i| {
                let mut m = vec![if i + 1 < n { gid(i + 1) } else { user.clone() }];
                if i == 0 {
                    m.push(gid(n));
                }
                group(i, &m)
            })
            .collect();
        groups.push(group(n, &[gid(0)]));
        groups.push(group(n + 1, &[]));
        let doc = json!({
            "users": [{"id": user, "userPrincipalName": "u@contoso.com"}],
            "groups": groups,
        });
        crate::snapshot::load_bytes("t.json", serde_json::to_vec(&doc).unwrap()).unwrap()
    }

    #[test]
    fn bits_hold_each_index_once_and_read_out_ascending() {
        let mut b = super::Bits::new(130);
        for i in [129, 0, 64, 63, 1, 64, 129] {
            b.insert(i);
        }
        assert!(!b.insert(63));
        assert!(!b.insert(130) && !b.insert(u32::MAX));
        assert_eq!(b.ones(), vec![0, 1, 63, 64, 129]);
        assert_eq!(super::Bits::new(0).ones(), Vec::<u32>::new());
    }

    #[test]
    fn nesting_is_followed_through_chains_and_cycles() {
        let n = 50;
        let t = chain(n);
        let index = |i: usize| {
            t.group_index(crate::model::Guid::parse(&gid(i)).unwrap())
                .unwrap()
        };
        assert_eq!(t.transitive_user_members([index(0)]), vec![0]);
        assert_eq!(t.transitive_user_members([index(n)]), vec![0]);
        assert_eq!(t.transitive_user_members([index(n + 1)]), Vec::<u32>::new());
        assert_eq!(t.transitive_user_members((0..n + 2).map(index)), vec![0]);
        let reaching = t.groups_reaching_users();
        for i in 0..=n {
            assert!(reaching[index(i) as usize], "group {i}");
        }
        assert!(!reaching[index(n + 1) as usize]);
    }
}
