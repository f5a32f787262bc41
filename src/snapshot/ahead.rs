//! Reading Graph page files ahead of the splitter: while it splits one group of a
//! directory's files, the pool reads the arrays of the next group's pages, a whole file per
//! task (see [`super::split::split_all`] and [`super::fused::read_ahead`]).

use super::coll::{Colls, Ctx};
use super::keys;
use super::layout::Role;
use super::read::File;
use super::scan::Scanner;

/// Bytes of files per group of [`super::split::split_all`]: about ten Graph page files of a
/// thousand users.
const AHEAD_BYTES: usize = 16 << 20;
/// Files per group at most (the tasks of a group are whole files).
const AHEAD_FILES: usize = 16;

/// The files `0..files.len()` in runs of about [`AHEAD_BYTES`] or [`AHEAD_FILES`] files.
pub(super) fn groups(files: &[File]) -> Vec<std::ops::Range<usize>> {
    let mut groups = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, f) in files.iter().enumerate() {
        bytes += f.text().len();
        if bytes >= AHEAD_BYTES || i + 1 - start == AHEAD_FILES {
            groups.push(start..i + 1);
            (start, bytes) = (i + 1, 0);
        }
    }
    if start < files.len() {
        groups.push(start..files.len());
    }
    groups
}

/// Reads ahead the array of file `file` when it is a Graph page of a collection with a fast
/// reader.
pub(super) fn read<'a>(ctx: &Ctx<'a>, colls: &Colls<'a>, roles: &[Role], file: usize) {
    let (Some(Role::Collection(kind)), Some(f)) = (roles.get(file), ctx.files.get(file)) else {
        return;
    };
    let coll = colls.get(*kind);
    if !coll.can_fuse() {
        return;
    }
    if let Some(start) = page_array_start(f.text()) {
        coll.read_ahead(ctx, file as u32, f.text(), start);
    }
}

/// Where the first element of a Graph page's `"value"` array is, as the splitter (`Splitter::page`) finds
/// it, when the page is the whole text and the element is an object; `None` otherwise, and
/// at anything the splitter would reject (it reports that itself).
fn page_array_start(text: &str) -> Option<usize> {
    let mut s = Scanner::new(text);
    if s.peek() != Some(b'{') {
        return None;
    }
    s.expect(b'{', "").ok()?;
    if s.peek() == Some(b'}') {
        return None;
    }
    loop {
        let key = s.key().ok()?;
        if keys::camel(key) == "value" {
            s.expect(b'[', "").ok()?;
            return (s.peek() == Some(b'{')).then_some(s.pos);
        }
        s.value().ok()?;
        if !s.next_or_close(b'}', "").ok()? {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::page_array_start;

    #[test]
    fn the_first_element_of_a_page_value_array() {
        for (text, want) in [
            (r#"{"value":[{"id":1}]}"#, Some(10)),
            (r#"{"value": [ {"id":1}]}"#, Some(12)),
            (r#"{"@odata.context":"x","value":[{}]}"#, Some(31)),
            (
                r#"{"a":[1,"}"],"Value":[{}],"@odata.nextLink":"l"}"#,
                Some(22),
            ),
            (" \n{ \"value\" :\n[\n  {}]}", Some(18)),
        ] {
            assert_eq!(page_array_start(text), want, "{text}");
            let at = want.unwrap_or_default();
            assert_eq!(text.as_bytes().get(at), Some(&b'{'), "{text}");
        }
        for text in [
            r#"{"value":[]}"#,
            r#"{"value":[1]}"#,
            r#"{"value":{}}"#,
            r#"{}"#,
            r#"{"a":1}"#,
            r#"[{"value":[{}]}]"#,
            r#"{"a":"#,
            r#"{"a" 1, "value":[{}]}"#,
            "",
        ] {
            assert_eq!(page_array_start(text), None, "{text}");
        }
    }
}
