//! A bit per value of the top bits of the UPN keys, so that looking up an address that is no
//! user's UPN (most proxy addresses and mail) usually ends at one bit.

/// Which values the top [`KeyFilter::bits`] bits of the UPN keys take: about eight bits per
/// UPN (a megabyte a million users), so that seven in eight keys that are no UPN's are turned
/// away without reading the UPN directory and index (tens of megabytes, a cache miss each).
pub(super) struct KeyFilter {
    words: Vec<u64>,
    bits: u32,
}

/// The top `bits` bits of `key` (`bits` from 1 to 32).
pub(super) fn top_bits(key: u64, bits: u32) -> usize {
    ((key >> 32) >> (32 - bits)) as usize
}

/// The bits of the UPN directory of `len` UPNs: about one slot per entry.
pub(super) fn directory_bits(len: usize) -> u32 {
    (len.max(1).next_power_of_two().trailing_zeros()).clamp(1, 32)
}

impl KeyFilter {
    /// The filter of the keys of `index` (sorted by key): eight bits per directory slot.
    pub(super) fn new(index: &[(u64, u32)]) -> KeyFilter {
        let bits = (directory_bits(index.len()) + 3).min(32);
        let mut words = vec![0u64; (1usize << bits).div_ceil(64)];
        for &(key, _) in index {
            let b = top_bits(key, bits);
            if let Some(w) = words.get_mut(b / 64) {
                *w |= 1 << (b % 64);
            }
        }
        KeyFilter { words, bits }
    }

    /// Whether some UPN may have the key (`false`: none has).
    pub(super) fn may_hold(&self, key: u64) -> bool {
        let b = top_bits(key, self.bits);
        self.words
            .get(b / 64)
            .is_some_and(|w| w >> (b % 64) & 1 != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_every_key_it_was_given_and_turns_most_others_away() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x & !0xff
        };
        for n in [0usize, 1, 1000, 100_000] {
            let mut index: Vec<(u64, u32)> = (0..n as u32).map(|i| (next(), i)).collect();
            index.sort_unstable();
            let f = KeyFilter::new(&index);
            assert!(index.iter().all(|&(k, _)| f.may_hold(k)));
            let others = 10_000;
            let passed = (0..others).filter(|_| f.may_hold(next())).count();
            // About one in eight (1 - e^-1/8 = 11.8 %) for a full directory.
            assert!(passed * 100 <= others * 16, "{n}: {passed} of {others}");
        }
        // Keys that differ only below the top bits share a bit.
        let f = KeyFilter::new(&[(0x8000_0000_0000_0000, 0)]);
        assert!(f.may_hold(0x8000_0000_0000_0100));
        assert!(!f.may_hold(0x0000_0000_0000_0100));
    }
}
