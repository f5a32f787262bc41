//! Reading a big array of users (or registrations) straight from the file text, on every
//! core, without the splitter's structural scan.
//!
//! The splitter walks a file on one thread and hands out elements whose ends it found by
//! scanning them; the pool then parses each element again. For the collections with a fast
//! reader ([`super::fast`]), this module instead cuts the array into pieces and parses every
//! piece on its own thread, element after element: the reader finds where each element ends
//! as it parses it, so the text is read once, in parallel.
//!
//! Where a piece starts is a guess: the next place after an even cut of the bytes that looks
//! like the start of an element (`}`, `,`, then `{` and the first element's first key, with
//! its spacing). A guess inside a string or a nested object is caught: the piece before it,
//! read from a known element start, must end exactly where the next piece starts. A piece
//! that fails this is thrown away and that stretch is read on from the true position on one
//! thread, so every byte is read at most twice, whatever the input.
//!
//! Only the happy path is taken here: at the first element the fast reader leaves to serde
//! (an unusual key, invalid JSON, a wrong type, a missing comma), the splitter goes on from
//! that element the usual way, which reads or reports it exactly as it always did. The
//! elements read here are exactly those serde would read, in the same order, so the model is
//! the same byte for byte, whatever the thread count.

use super::coll::{Coll, Ctx};
use super::fast::{Fast, KeyHints, ReadAt};
use crate::model::{Loc, StrSink};
use memchr::memmem::Finder;
use rayon::prelude::*;
use serde::Deserialize;

/// Where reading an array stopped.
#[derive(Clone, Copy)]
pub(super) enum Stop {
    /// The array ended: the index just past its `]`.
    Closed(usize),
    /// The index of an element (or of whatever stands where one is expected) that the fast
    /// reader leaves to the splitter.
    Here(usize),
}

/// Bytes read per round: the pieces of a round are read side by side, then checked in order.
const WINDOW: usize = 32 << 20;
/// Pieces per thread and round, so that a slow piece does not leave the other threads idle.
const PIECES_PER_THREAD: usize = 4;
/// Bytes a piece should have at least, when the round is short.
const MIN_PIECE: usize = 1 << 20;
/// Longest run of whitespace or key the cut pattern holds.
const MAX_PATTERN: usize = 160;

/// The elements of one piece, read from `start`.
pub(super) struct Piece<T> {
    start: usize,
    items: Vec<T>,
    at: Vec<Loc>,
    props: u32,
    /// `Ok(i)`: the next element starts at `i`, at or after the piece's end. `Err`: the array
    /// ended, or the fast reader stopped.
    end: Result<usize, Stop>,
}

fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
        i += 1;
    }
    i
}

/// Elements read before they are converted: the reader's code and the conversion's each stay
/// in the instruction cache for a run of elements, instead of evicting each other at every
/// element (cachegrind, lean: 136 instruction cache misses per user at one, 18 at 16).
const RUN: usize = 16;

/// How [`super::fused`] reads elements of one kind: the fast reader of its wire type, and the
/// conversion of that into the model.
pub(super) struct Reader<'a, W, T> {
    pub read: ReadAt<'a, W>,
    pub conv: fn(W, &StrSink<'a>, &mut u32) -> T,
}

impl<W, T> Clone for Reader<'_, W, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<W, T> Copy for Reader<'_, W, T> {}

/// Reads elements from `start` (where one is expected) while they start before `stop`: runs
/// of up to [`RUN`] elements are read, then converted.
fn piece<'a, W, T>(
    reader: Reader<'a, W, T>,
    ctx: &Ctx<'a>,
    file: u32,
    text: &'a str,
    (start, stop): (usize, usize),
) -> Piece<T> {
    let b = text.as_bytes();
    let mut p = Piece {
        start,
        items: Vec::new(),
        at: Vec::new(),
        props: 0,
        end: Err(Stop::Here(start)),
    };
    let Some(sink) = ctx.sinks.get(file as usize) else {
        return p;
    };
    let mut i = start;
    let mut hints = KeyHints::default();
    // The elements read and not converted yet, and where each starts.
    let mut run: Vec<W> = Vec::with_capacity(RUN);
    let mut run_at: Vec<usize> = Vec::with_capacity(RUN);
    p.end = loop {
        let end = loop {
            if b.get(i) != Some(&b'{') {
                break Some(Err(Stop::Here(i)));
            }
            let (Fast::Parsed(()), end) = (reader.read)(text, i, &mut hints, &mut run) else {
                break Some(Err(Stop::Here(i)));
            };
            let j = ws(b, end);
            let closed = match b.get(j) {
                Some(b',') => false,
                Some(b']') => true,
                _ => {
                    run.pop();
                    break Some(Err(Stop::Here(i)));
                }
            };
            if p.items.is_empty() && run_at.is_empty() {
                // Room for the piece's elements at once, guessed from the first one's size
                // with a margin: growing by doubling would copy them and touch twice the
                // memory (room never written is never touched).
                let guess = (stop.saturating_sub(start) / (end - i).max(64) + 1) * 3 / 2;
                p.items.reserve(guess);
                p.at.reserve(guess);
            }
            run_at.push(i);
            if closed {
                break Some(Err(Stop::Closed(j + 1)));
            }
            i = ws(b, j + 1);
            if i >= stop {
                break Some(Ok(i));
            }
            if run.len() == RUN {
                break None;
            }
        };
        // An element's properties count once it is taken, not when the splitter reads it
        // again after all: only the elements read whole are converted.
        for (w, at) in run.drain(..).zip(run_at.drain(..)) {
            p.items.push((reader.conv)(w, sink, &mut p.props));
            p.at.push(Loc::new(file, at).unwrap_or_default());
        }
        if let Some(end) = end {
            break end;
        }
    };
    p
}

/// Finds likely element starts: `{` followed by the first element's spacing and first key,
/// preceded by `,` and `}` (whitespace around them allowed).
struct Cuts {
    finder: Finder<'static>,
}

impl Cuts {
    /// The pattern of the element at `start`, if it starts with a plain key.
    fn new(b: &[u8], start: usize) -> Option<Cuts> {
        let open = ws(b, start + 1);
        if b.get(open) != Some(&b'"') || open - start > MAX_PATTERN / 2 {
            return None;
        }
        let rest = b.get(open + 1..)?;
        let len = memchr::memchr(b'"', rest.get(..rest.len().min(MAX_PATTERN / 2))?)?;
        let key = rest.get(..len)?;
        if key.contains(&b'\\') {
            return None;
        }
        let needle = b.get(start..open + len + 2)?.to_vec();
        Some(Cuts {
            finder: Finder::new(&needle).into_owned(),
        })
    }

    /// The first likely element start in `from..until`.
    fn next(&self, b: &[u8], from: usize, until: usize) -> Option<usize> {
        let hay = b.get(from..until)?;
        self.finder
            .find_iter(hay)
            .map(|k| from + k)
            .find(|&x| follows_element(b, x))
    }
}

/// Whether `,` and then `}` precede index `x` (whitespace between them allowed, a little).
fn follows_element(b: &[u8], x: usize) -> bool {
    let back = |mut i: usize| {
        let floor = i.saturating_sub(MAX_PATTERN);
        while i > floor && matches!(b.get(i - 1), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            i -= 1;
        }
        i
    };
    let comma = back(x);
    comma > 0 && b.get(comma - 1) == Some(&b',') && {
        let close = back(comma - 1);
        close > 0 && b.get(close - 1) == Some(&b'}')
    }
}

/// Reads a whole array on this thread, ahead of the splitter (a Graph page file of a
/// directory, while the splitter is busy with the files before it: see
/// [`super::split::split_all`]): the elements from `start` until the array closes or the fast
/// reader stops, as [`array`] would read them. `None` when the text runs on for more than a
/// round from `start` (that is read in rounds, on every core), or ends inside the array.
pub(super) fn read_ahead<'a, W, T>(
    reader: Reader<'a, W, T>,
    ctx: &Ctx<'a>,
    file: u32,
    text: &'a str,
    start: usize,
) -> Option<Piece<T>> {
    if text.len().saturating_sub(start) > WINDOW {
        return None;
    }
    let p = piece(reader, ctx, file, text, (start, text.len()));
    p.end.is_err().then_some(p)
}

/// Reads the array of `coll` in `text` from `start` (an element is expected there), in rounds
/// of [`WINDOW`] bytes cut into pieces read in parallel. Batches are numbered from `*seq` on.
/// `ahead` is what [`read_ahead`] read of this file, taken as it is when it starts at `start`.
pub(super) fn array<'a, W, T>(
    coll: &Coll<'a, W, T>,
    reader: Reader<'a, W, T>,
    ctx: &Ctx<'a>,
    (file, text): (u32, &'a str),
    start: usize,
    seq: &mut usize,
    ahead: Option<Piece<T>>,
) -> Stop
where
    W: Deserialize<'a> + 'a,
    T: Send + 'a,
{
    if let Some(p) = ahead
        && p.start == start
        && let Err(stop) = p.end
    {
        coll.add_elements(seq, p.items, p.at, p.props);
        return stop;
    }
    let b = text.as_bytes();
    let threads = rayon::current_num_threads().max(1);
    let cuts = if threads > 1 {
        Cuts::new(b, start)
    } else {
        None
    };
    let read = |range| piece(reader, ctx, file, text, range);
    // The pieces of the round before, checked and waiting to be added: adding moves every
    // element into its batch, which runs beside the next round's reading instead of between
    // rounds with the other cores idle.
    let mut taken: Vec<Piece<T>> = Vec::new();
    let add = |taken: &mut Vec<Piece<T>>, seq: &mut usize| {
        for p in taken.drain(..) {
            coll.add_elements(seq, p.items, p.at, p.props);
        }
    };
    let mut pos = start;
    loop {
        let until = pos.saturating_add(WINDOW).min(b.len());
        // Fewer pieces for a short stretch (a Graph page file of a thousand users): each
        // piece costs a task and a guess, and the round waits for its slowest.
        let per_thread = ((until - pos) / MIN_PIECE).clamp(1, PIECES_PER_THREAD);
        let pieces = threads * per_thread;
        let mut starts = vec![pos];
        if let Some(cuts) = &cuts {
            for k in 1..pieces {
                let target = pos + (until - pos) * k / pieces;
                let last = starts.last().copied().unwrap_or(pos);
                if let Some(x) = cuts.next(b, target.max(last + 1), until) {
                    starts.push(x);
                }
            }
        }
        let ranges: Vec<(usize, usize)> = starts
            .iter()
            .enumerate()
            .map(|(k, &s)| (s, starts.get(k + 1).copied().unwrap_or(until)))
            .collect();
        let (read_pieces, ()) = rayon::join(
            || -> Vec<Piece<T>> {
                if ranges.len() > 1 {
                    ranges.par_iter().map(|&r| read(r)).collect()
                } else {
                    ranges.iter().map(|&r| read(r)).collect()
                }
            },
            || add(&mut taken, seq),
        );
        let mut next = pos;
        for p in read_pieces {
            // A guessed start that the piece before does not end at: read on from the true
            // position to the round's end on this thread, and drop the rest of the round.
            let guessed_wrong = p.start != next;
            let p = if !guessed_wrong {
                p
            } else if next < until {
                read((next, until))
            } else {
                break;
            };
            let end = p.end;
            taken.push(p);
            next = match end {
                Ok(i) => i,
                Err(stop) => {
                    add(&mut taken, seq);
                    return stop;
                }
            };
            if guessed_wrong {
                break;
            }
        }
        pos = next;
    }
}
