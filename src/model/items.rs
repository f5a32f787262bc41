//! [`Items`]: a collection's objects in fixed-size chunks, so that the loader's parallel
//! batches become the collection as they are, without copying a million users into one
//! vector (which would briefly hold them twice).

use rayon::prelude::*;
use std::ops::Index;

/// Objects per chunk (every chunk but the last is full).
pub const CHUNK: usize = 1 << CHUNK_BITS;
const CHUNK_BITS: u32 = 10;

/// A read-only sequence of objects stored in chunks of [`CHUNK`] (the last may be shorter).
pub struct Items<T> {
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items {
            chunks: Vec::new(),
            len: 0,
        }
    }
}

impl<T> Items<T> {
    /// Takes chunks as they are. Every chunk but the last must hold exactly [`CHUNK`] objects.
    ///
    /// # Panics
    /// When a chunk other than the last is not full, or the last holds more than [`CHUNK`]
    /// (a loader bug, not an input problem).
    pub fn from_chunks(chunks: Vec<Vec<T>>) -> Self {
        let n = chunks.len();
        for (i, c) in chunks.iter().enumerate() {
            assert!(
                c.len() == CHUNK || (i + 1 == n && c.len() < CHUNK),
                "chunk {i} of {n} holds {} objects",
                c.len()
            );
        }
        let len = chunks.iter().map(Vec::len).sum();
        Items { chunks, len }
    }

    /// Takes batches of any size: as they are when every batch but the last is full (see
    /// [`Items::from_chunks`]), else re-cut into chunks, each object moved once.
    pub fn from_batches(batches: Vec<Vec<T>>) -> Self {
        let n = batches.len();
        if batches
            .iter()
            .enumerate()
            .all(|(i, c)| c.len() == CHUNK || (i + 1 == n && c.len() < CHUNK))
        {
            return Self::from_chunks(batches);
        }
        let len: usize = batches.iter().map(Vec::len).sum();
        let mut chunks = Vec::with_capacity(len.div_ceil(CHUNK));
        let mut cur: Vec<T> = Vec::with_capacity(CHUNK.min(len));
        for b in batches {
            for x in b {
                if cur.len() == CHUNK {
                    let left = len - chunks.len() * CHUNK - CHUNK;
                    chunks.push(std::mem::replace(
                        &mut cur,
                        Vec::with_capacity(CHUNK.min(left)),
                    ));
                }
                cur.push(x);
            }
        }
        if !cur.is_empty() {
            chunks.push(cur);
        }
        Items { chunks, len }
    }

    /// Cuts `v` into chunks, each object moved once (cutting the rest off again and again
    /// would copy the tail each time: quadratic in the number of chunks).
    pub fn from_vec(v: Vec<T>) -> Self {
        let len = v.len();
        let mut chunks = Vec::with_capacity(len.div_ceil(CHUNK));
        let mut rest = v.into_iter();
        while rest.len() > 0 {
            chunks.push(rest.by_ref().take(CHUNK).collect());
        }
        Items { chunks, len }
    }

    /// All objects in one vector (for small collections that are reshaped after loading).
    pub fn into_vec(self) -> Vec<T> {
        self.chunks.into_iter().flatten().collect()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// The chunks: object `i` is `chunks()[i / CHUNK][i % CHUNK]`.
    pub fn chunks(&self) -> &[Vec<T>] {
        &self.chunks
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        self.chunks.get(i >> CHUNK_BITS)?.get(i & (CHUNK - 1))
    }

    /// Object `i` of the model's own numbering: an index the model built into this collection
    /// (a [`Member`](super::Member), an owner, an entry of one of the tenant's indexes).
    #[inline]
    #[allow(
        clippy::indexing_slicing,
        reason = "model-built u32 indices into this same collection (resolved by Tenant::build), never from input"
    )]
    pub(crate) fn at(&self, i: u32) -> &T {
        &self[i as usize]
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        self.chunks.iter().flatten()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> + '_ {
        self.chunks.iter_mut().flatten()
    }

    /// The objects with their indexes, in order.
    pub fn enumerate(&self) -> impl Iterator<Item = (usize, &T)> + Clone + '_ {
        self.iter().enumerate()
    }

    /// Splits the objects into chunks and turns each into a new item (in parallel), keeping
    /// order: for per-object conversions of a whole collection.
    pub fn map_into<U: Send>(self, f: impl Fn(T) -> U + Sync + Send) -> Items<U>
    where
        T: Send,
    {
        let len = self.len;
        let chunks = self
            .chunks
            .into_par_iter()
            .map(|c| c.into_iter().map(&f).collect())
            .collect();
        Items { chunks, len }
    }
}

impl<T: Sync> Items<T> {
    /// The objects in parallel (unordered consumers such as `filter_map` + `par_extend`).
    pub fn par_iter(&self) -> impl ParallelIterator<Item = &T> + '_ {
        self.chunks.par_iter().flat_map_iter(|c| c.iter())
    }

    /// The objects, mutably, in parallel.
    pub fn par_iter_mut(&mut self) -> impl ParallelIterator<Item = &mut T> + '_
    where
        T: Send,
    {
        self.chunks.par_iter_mut().flat_map_iter(|c| c.iter_mut())
    }

    /// The objects with their indexes, in parallel.
    pub fn par_enumerate(&self) -> impl ParallelIterator<Item = (usize, &T)> + '_ {
        self.chunks.par_iter().enumerate().flat_map_iter(|(k, c)| {
            c.iter()
                .enumerate()
                .map(move |(j, t)| ((k << CHUNK_BITS) + j, t))
        })
    }
}

impl<T> Index<usize> for Items<T> {
    type Output = T;
    #[inline]
    #[allow(
        clippy::indexing_slicing,
        reason = "an Index impl: indices come from the model's own numbering, never from input"
    )]
    fn index(&self, i: usize) -> &T {
        &self.chunks[i >> CHUNK_BITS][i & (CHUNK - 1)]
    }
}

impl<'a, T> IntoIterator for &'a Items<T> {
    type Item = &'a T;
    type IntoIter = std::iter::Flatten<std::slice::Iter<'a, Vec<T>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.chunks.iter().flatten()
    }
}

impl<T> FromIterator<T> for Items<T> {
    fn from_iter<I: IntoIterator<Item = T>>(it: I) -> Self {
        Items::from_vec(it.into_iter().collect())
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Items<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_across_chunks() {
        let n = 3 * CHUNK + 5;
        let items = Items::from_vec((0..n).collect::<Vec<_>>());
        assert_eq!(items.len(), n);
        for i in [0, 1, CHUNK - 1, CHUNK, 2 * CHUNK + 7, n - 1] {
            assert_eq!(items[i], i);
            assert_eq!(items.get(i), Some(&i));
        }
        assert_eq!(items.get(n), None);
        assert!(items.iter().copied().eq(0..n));
        let mut e: Vec<_> = items.par_enumerate().map(|(i, &v)| (i, v)).collect();
        e.sort();
        assert!(e.iter().all(|&(i, v)| i == v) && e.len() == n);
        assert_eq!(items.par_iter().count(), n);
        let doubled = items.map_into(|x| x * 2);
        assert_eq!(doubled[CHUNK + 1], 2 * (CHUNK + 1));
        assert!(Items::<u8>::from_vec(Vec::new()).is_empty());
    }

    #[test]
    #[should_panic(expected = "chunk 0 of 2")]
    fn rejects_short_inner_chunks() {
        let _ = Items::from_chunks(vec![vec![1], vec![2]]);
    }

    #[test]
    #[should_panic(expected = "chunk 0 of 1")]
    fn rejects_a_long_last_chunk() {
        let _ = Items::from_chunks(vec![(0..=CHUNK).collect()]);
    }

    #[test]
    fn batches_of_any_size_are_cut_into_chunks() {
        let sizes = [
            vec![],
            vec![0],
            vec![5],
            vec![CHUNK],
            vec![CHUNK, 3],
            vec![CHUNK + 1],
            vec![3 * CHUNK + 7],
            vec![1, CHUNK, 0, 2 * CHUNK - 1, 5],
        ];
        for sizes in sizes {
            let mut next = 0;
            let batches: Vec<Vec<usize>> = sizes
                .iter()
                .map(|&k| {
                    next += k;
                    (next - k..next).collect()
                })
                .collect();
            let items = Items::from_batches(batches);
            assert_eq!(items.len(), next, "{sizes:?}");
            assert!(items.iter().copied().eq(0..next), "{sizes:?}");
            for i in 0..next {
                assert_eq!(items[i], i, "{sizes:?}");
            }
        }
    }
}
