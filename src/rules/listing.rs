//! Bounded lists of other objects in findings.
//!
//! A rule that relates an object to "the others" (the other holders of an address, the other
//! users with a UPN) names at most [`MAX_LISTED`] of them in the message and keeps at most
//! [`MAX_RELATED`] as related objects, and counts the rest: n objects sharing one value give n
//! findings of bounded size, not n findings that each list n − 1 others (which is quadratic:
//! 20,000 holders of one address would be 400 million related entries). Every holder still
//! gets its own finding, so the report names each of them once.

use super::Object;

/// At most this many objects are named in a message; the rest are counted.
pub const MAX_LISTED: usize = 5;

/// At most this many objects are kept as a finding's related objects.
pub const MAX_RELATED: usize = 10;

/// How an object is named inside a message: "user `megan@contoso.com`", "group `Sales`".
pub fn label(o: &Object) -> String {
    if o.name.is_empty() {
        format!("{} `{}`", o.kind.as_str(), o.id)
    } else {
        format!(
            "{} `{}`",
            o.kind.as_str(),
            crate::ident::object_name(o.kind, &o.name)
        )
    }
}

/// Puts objects in the order messages list them (by kind, then name, then id), each with
/// what it came with, and splits the two.
pub fn listed<T>(mut v: Vec<(Object, T)>) -> (Vec<Object>, Vec<T>) {
    v.sort_unstable_by(|a, b| {
        let (a, b) = (&a.0, &b.0);
        (a.kind, &a.name, &a.id).cmp(&(b.kind, &b.name, &b.id))
    });
    v.into_iter().unzip()
}

/// The first [`MAX_RELATED`] objects of `sorted` other than the one at position `me`, and how
/// many others there are in all. Costs O(`MAX_RELATED`), whatever the length of `sorted`.
pub fn others(sorted: &[Object], me: Option<usize>) -> (Vec<&Object>, usize) {
    let total = sorted.len() - usize::from(me.is_some_and(|m| m < sorted.len()));
    let first = sorted
        .iter()
        .enumerate()
        .filter(|&(i, _)| Some(i) != me)
        .map(|(_, o)| o)
        .take(MAX_RELATED)
        .collect();
    (first, total)
}

/// Names the first objects of `shown` (already in listing order) and counts the rest of
/// `total`: "a, b and c", "a, b, c, d, e and 19994 more".
pub fn join_counted(shown: &[&Object], total: usize) -> String {
    let names: Vec<String> = shown.iter().take(MAX_LISTED).map(|o| label(o)).collect();
    join_names(&names, total)
}

/// Joins `names` (the first of `total` items) as "a, b and c", or "a, b and 3 more".
pub fn join_names(names: &[String], total: usize) -> String {
    let more = total.saturating_sub(names.len());
    let mut s = String::new();
    for (i, it) in names.iter().enumerate() {
        if i > 0 {
            s.push_str(if i + 1 == names.len() && more == 0 {
                " and "
            } else {
                ", "
            });
        }
        s.push_str(it);
    }
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ObjKind;

    fn obj(i: usize) -> Object {
        Object {
            kind: ObjKind::User,
            id: format!("id{i:02}"),
            name: format!("u{i:02}"),
        }
    }

    #[test]
    fn names_are_joined_and_counted() {
        let v: Vec<String> = (1..=7).map(|i| i.to_string()).collect();
        assert_eq!(join_names(&v[..1], 1), "1");
        assert_eq!(join_names(&v[..2], 2), "1 and 2");
        assert_eq!(join_names(&v[..3], 3), "1, 2 and 3");
        assert_eq!(join_names(&v[..5], 5), "1, 2, 3, 4 and 5");
        assert_eq!(join_names(&v[..5], 7), "1, 2, 3, 4, 5 and 2 more");
        let objs: Vec<Object> = (0..20).map(obj).collect();
        let refs: Vec<&Object> = objs.iter().collect();
        assert_eq!(
            crate::ident::plain(&join_counted(&refs, 19_994)),
            "user `u00`, user `u01`, user `u02`, user `u03`, user `u04` and 19989 more"
        );
    }

    #[test]
    fn others_are_bounded_and_skip_the_object_itself() {
        let objs: Vec<Object> = (0..30).map(obj).collect();
        let first_ten: Vec<usize> = (0..10).collect();
        let skipping = |me: usize| -> Vec<usize> { (0..11).filter(|&i| i != me).collect() };
        for (me, want) in [
            (None, first_ten.clone()),
            (Some(0), skipping(0)),
            (Some(4), skipping(4)),
            (Some(10), first_ten.clone()),
            (Some(11), first_ten.clone()),
            (Some(29), first_ten.clone()),
        ] {
            let (got, total) = others(&objs, me);
            let got: Vec<&str> = got.iter().map(|o| o.name.as_str()).collect();
            let want: Vec<String> = want.iter().map(|&i| format!("u{i:02}")).collect();
            assert_eq!(got, want, "me = {me:?}");
            assert_eq!(total, if me.is_some() { 29 } else { 30 });
        }
        let few: Vec<Object> = (0..3).map(obj).collect();
        let (got, total) = others(&few, Some(1));
        assert_eq!((got.len(), total), (2, 2));
        let (got, total) = others(&[], None);
        assert_eq!((got.len(), total), (0, 0));
    }
}
