//! JUnit XML, as CI servers read it (Azure DevOps' Tests tab, GitLab's test report, Jenkins).
//!
//! One `<testsuite>` per rule and snapshot; in it one failing `<testcase>` per finding (named
//! after its object, the snapshot as class name, the message and the help in the failure), a
//! passing case when the rule found nothing, a skipped case with the reason when the rule did
//! not run. No times or timestamps: the same findings give the same bytes.
//!
//! The XML is the bytes quick-junit writes for the same report (a test holds the two to each
//! other): four-space indentation, `<>&'"` escaped, ANSI escape sequences and the control
//! characters XML cannot hold dropped. It is written here, straight to the output, because
//! quick-junit runs every string through a character-at-a-time ANSI parser and keeps the whole
//! report in memory: 1.1 s for 100k findings, as long as the lint itself.

use super::{ExemptionState, Report, exemption_note, object_label};
use crate::rules::{Finding, Object, RuleMeta};
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::{self, Write};

fn suite_name(meta: &RuleMeta, r: &Report, several: bool) -> String {
    if several {
        format!("{} {} ({})", meta.code, meta.name, r.source)
    } else {
        format!("{} {}", meta.code, meta.name)
    }
}

/// Text written as the concatenation of its parts, so that a finding's case needs no string
/// of its own when its parts are plain (see [`Xml::text`]).
enum Text<'a> {
    Str(Cow<'a, str>),
    /// `{type} {name} ({id})`: a finding's case name.
    Object(&'a Object),
    /// `{message}\n\nhelp: {help}\nfingerprint: {fingerprint}`: a finding's description.
    Finding(&'a str, &'a str, [u8; 16]),
}

impl Text<'_> {
    /// Calls `f` with each part, in order.
    fn each(&self, f: &mut impl FnMut(&str)) {
        match self {
            Text::Str(s) => f(s),
            Text::Object(o) => {
                for part in [o.kind.as_str(), " ", &o.name, " (", &o.id, ")"] {
                    f(part);
                }
            }
            Text::Finding(message, help, fingerprint) => {
                let hex = std::str::from_utf8(fingerprint).unwrap_or_default();
                for part in [*message, "\n\nhelp: ", help, "\nfingerprint: ", hex] {
                    f(part);
                }
            }
        }
    }

    fn joined(&self) -> String {
        let mut s = String::new();
        self.each(&mut |p| s.push_str(p));
        s
    }
}

/// A test case's outcome.
enum Status<'a> {
    Success,
    /// A failure: message, type and, when there is one, the description (the element's text).
    Failure(Cow<'a, str>, &'a str, Option<Text<'a>>),
    /// A skipped case: message and, when there is one, type.
    Skipped(Cow<'a, str>, Option<&'a str>),
}

struct Case<'a> {
    name: Text<'a>,
    classname: &'a str,
    status: Status<'a>,
}

impl Case<'_> {
    fn counts(&self) -> Counts {
        let mut c = Counts {
            tests: 1,
            ..Counts::default()
        };
        match self.status {
            Status::Success => {}
            Status::Failure(..) => c.failures = 1,
            Status::Skipped(..) => c.skipped = 1,
        }
        c
    }
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tests: usize,
    skipped: usize,
    failures: usize,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.tests += o.tests;
        self.skipped += o.skipped;
        self.failures += o.failures;
    }
}

/// Every finding is a failure (warnings and info too: they are findings), its severity the
/// failure's type; `help` is its rule's.
fn failure<'a>(source: &'a str, f: &'a Finding, help: &'a str) -> Case<'a> {
    Case {
        name: Text::Object(&f.object),
        classname: source,
        status: Status::Failure(
            Cow::Borrowed(&f.message),
            f.severity.as_str(),
            Some(Text::Finding(&f.message, help, super::fingerprint_hex(f))),
        ),
    }
}

/// One suite: its name, its counts, and its cases, made as they are written.
struct Suite<'a> {
    name: String,
    counts: Counts,
    /// Cases before the findings' (a skipped or passing rule's one case).
    head: Vec<Case<'a>>,
    /// The findings, one failing case each.
    failures: Failures<'a>,
    /// Cases after them (the exempted findings; all of the exemptions' suite).
    tail: Box<dyn Iterator<Item = Case<'a>> + 'a>,
}

/// A rule's findings, the snapshot they are in and the rule's help.
#[derive(Clone, Copy, Default)]
struct Failures<'a> {
    findings: &'a [Finding],
    source: &'a str,
    help: &'a str,
}

/// The suites of `reports`, in the order they are written.
fn suites<'a>(reports: &'a [Report<'a>]) -> Vec<Suite<'a>> {
    let several = reports.len() > 1;
    let mut out = Vec::new();
    for r in reports {
        let mut metas: Vec<(&'static RuleMeta, Option<&str>)> =
            r.result.ran.iter().map(|m| (*m, None)).collect();
        metas.extend(
            r.result
                .skipped
                .iter()
                .map(|s| (s.rule, Some(s.reason.as_str()))),
        );
        metas.sort_by_key(|(m, _)| m.code);
        let mut groups = super::by_rule(&r.result.findings).into_iter().peekable();
        let ex = &r.result.exemptions;
        for (meta, skipped) in metas {
            let mine: &'a [Finding] = match groups.peek() {
                Some((m, _)) if m.code == meta.code => groups.next().map_or(&[][..], |g| g.1),
                _ => &[],
            };
            let head: Vec<Case<'a>> = match skipped {
                Some(reason) => vec![Case {
                    name: Text::Str(Cow::Borrowed(meta.summary)),
                    classname: r.source,
                    status: Status::Skipped(Cow::Borrowed(reason), None),
                }],
                None if mine.is_empty() => vec![Case {
                    name: Text::Str(Cow::Borrowed(meta.summary)),
                    classname: r.source,
                    status: Status::Success,
                }],
                None => Vec::new(),
            };
            let mut counts = Counts::default();
            for c in &head {
                counts += c.counts();
            }
            counts.tests += mine.len();
            counts.failures += mine.len();
            // Exempted findings: skipped cases saying which exemption covers them.
            let exempted = move || {
                ex.exempted
                    .iter()
                    .filter(move |(f, _)| f.rule.code == meta.code)
            };
            let n = exempted().count();
            counts.tests += n;
            counts.skipped += n;
            let tail = exempted().map(move |(f, i)| {
                let note = ex
                    .exemptions
                    .get(*i)
                    .map(exemption_note)
                    .unwrap_or_default();
                Case {
                    name: Text::Str(Cow::Owned(object_label(&f.object))),
                    classname: r.source,
                    status: Status::Skipped(
                        Cow::Owned(format!("exempted: {note}")),
                        Some("exempted"),
                    ),
                }
            });
            out.push(Suite {
                name: suite_name(meta, r, several),
                counts,
                head,
                failures: Failures {
                    findings: mine,
                    source: r.source,
                    // The rule's help, found in its docs once, not once per finding.
                    help: meta.help(),
                },
                tail: Box::new(tail),
            });
        }
        // The exemptions themselves: one case each, failing when expired or stale (exemptions
        // rot; this is where a reviewer sees it).
        let states = r.exemption_states();
        if !states.is_empty() {
            let name = if several {
                format!("exemptions ({})", r.source)
            } else {
                "exemptions".to_owned()
            };
            let cases: Vec<Case<'a>> = states
                .into_iter()
                .map(|(e, state)| Case {
                    name: Text::Str(Cow::Owned(format!(
                        "{} {}: {}",
                        e.rule.code,
                        e.object,
                        exemption_note(e)
                    ))),
                    classname: r.source,
                    status: match state {
                        ExemptionState::Applied(_) => Status::Success,
                        ExemptionState::Expired => {
                            Status::Failure(Cow::Owned(state.label()), "expired", None)
                        }
                        ExemptionState::Stale => {
                            Status::Failure(Cow::Owned(state.label()), "stale", None)
                        }
                    },
                })
                .collect();
            let mut counts = Counts::default();
            for c in &cases {
                counts += c.counts();
            }
            out.push(Suite {
                name,
                counts,
                head: Vec::new(),
                failures: Failures::default(),
                tail: Box::new(cases.into_iter()),
            });
        }
    }
    out
}

pub fn write(reports: &[Report], w: &mut dyn Write) -> io::Result<()> {
    write_suites(suites(reports), w)
}

/// Failing cases rendered at a time, on every core, in tasks of [`TASK`] (as the JSON report
/// renders its findings).
const WINDOW: usize = 8 * 1024;
const TASK: usize = 1024;

fn write_suites(suites: Vec<Suite>, w: &mut dyn Write) -> io::Result<()> {
    let mut total = Counts::default();
    for s in &suites {
        total += s.counts;
    }
    let mut x = Buf::default();
    x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
    x.attr("name", "tenantlint");
    x.counts_attrs(total, true);
    x.raw(">");
    for s in suites {
        x.raw("\n    <testsuite");
        x.attr("name", &s.name);
        x.counts_attrs(s.counts, false);
        if s.counts.tests == 0 {
            x.raw("/>");
            continue;
        }
        x.raw(">");
        for c in s.head {
            x.case(&c);
        }
        let f = s.failures;
        for window in f.findings.chunks(WINDOW) {
            w.write_all(&x.0)?;
            x.0.clear();
            let parts: Vec<Vec<u8>> = window
                .par_chunks(TASK)
                .map(|chunk| {
                    let mut b = Buf(Vec::with_capacity(chunk.len() * 700));
                    for finding in chunk {
                        b.case(&failure(f.source, finding, f.help));
                    }
                    b.0
                })
                .collect();
            for p in parts {
                w.write_all(&p)?;
            }
        }
        for c in s.tail {
            x.case(&c);
            if x.0.len() >= 32 << 10 {
                w.write_all(&x.0)?;
                x.0.clear();
            }
        }
        x.raw("\n    </testsuite>");
    }
    // quick-junit's closing line break, then the report's own.
    x.raw("\n</testsuites>\n\n");
    w.write_all(&x.0)
}

/// XML being written: elements and attributes appended to bytes.
#[derive(Default)]
struct Buf(Vec<u8>);

impl Buf {
    fn raw(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
    }

    /// ` key="value"`, the value cleaned and escaped.
    fn attr(&mut self, key: &str, value: &str) {
        self.0.push(b' ');
        self.raw(key);
        self.raw("=\"");
        escape(&mut self.0, &clean(value));
        self.0.push(b'"');
    }

    /// [`Self::attr`] of a [`Text`].
    fn attr_text(&mut self, key: &str, value: &Text) {
        self.0.push(b' ');
        self.raw(key);
        self.raw("=\"");
        self.text(value);
        self.0.push(b'"');
    }

    /// `t` cleaned and escaped. Cleaning the joined text is cleaning each part when every part
    /// is plain (nothing to clean: it is judged byte by byte); otherwise the text is joined
    /// first, since an escape sequence may run across parts.
    fn text(&mut self, t: &Text) {
        let mut plain = true;
        t.each(&mut |p| plain &= is_plain(p));
        if plain {
            t.each(&mut |p| escape(&mut self.0, p));
        } else {
            escape(&mut self.0, &clean(&t.joined()));
        }
    }

    /// The counts as quick-junit orders them: `tests skipped failures errors` on the report,
    /// `tests skipped errors failures` on a suite.
    fn counts_attrs(&mut self, c: Counts, report: bool) {
        let mut n = |k: &str, v: usize| self.attr(k, &v.to_string());
        n("tests", c.tests);
        n("skipped", c.skipped);
        if report {
            n("failures", c.failures);
            n("errors", 0);
        } else {
            n("errors", 0);
            n("failures", c.failures);
        }
    }

    fn case(&mut self, c: &Case) {
        self.raw("\n        <testcase");
        self.attr_text("name", &c.name);
        self.attr("classname", c.classname);
        let (tag, message, ty, description) = match &c.status {
            Status::Success => return self.raw("/>"),
            Status::Failure(m, t, d) => ("failure", m, Some(*t), d.as_ref()),
            Status::Skipped(m, t) => ("skipped", m, *t, None),
        };
        self.raw(">\n            <");
        self.raw(tag);
        self.attr("message", message);
        if let Some(ty) = ty {
            self.attr("type", ty);
        }
        match description {
            Some(d) => {
                self.0.push(b'>');
                self.text(d);
                self.raw("</");
                self.raw(tag);
                self.0.push(b'>');
            }
            None => self.raw("/>"),
        }
        self.raw("\n        </testcase>");
    }
}

/// `s` as quick-junit's `XmlString` keeps it: ANSI escape sequences removed (with
/// strip-ansi-escapes, as quick-junit does), then the control characters XML 1.0 cannot hold.
/// Plain text (see [`is_plain`]) comes out of both unchanged, so it is kept as it is without
/// running the character-at-a-time parser.
fn clean(s: &str) -> Cow<'_, str> {
    if is_plain(s) {
        return Cow::Borrowed(s);
    }
    let stripped = strip_ansi_escapes::strip_str(s);
    Cow::Owned(stripped.replace(
        |c| matches!(c, '\x00'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f'),
        "",
    ))
}

/// Whether `s` has no control character but the line feed, no DEL and no `0xC2` byte (the
/// lead byte of U+0080–U+00BF, among them the C1 controls): text [`clean`] keeps as it is.
/// Branch-free over blocks, so that the common case is a vector scan.
fn is_plain(s: &str) -> bool {
    let odd = |b: &u8| (*b < 0x20) & (*b != b'\n') | (*b == 0x7f) | (*b == 0xc2);
    !s.as_bytes()
        .chunks(32)
        .any(|c| c.iter().fold(false, |a, b| a | odd(b)))
}

/// Appends `s` with `<`, `>`, `&`, `'` and `"` escaped, as quick-xml escapes attribute values
/// and text.
fn escape(out: &mut Vec<u8>, s: &str) {
    let special = |b: &u8| matches!(b, b'<' | b'>' | b'&' | b'\'' | b'"');
    let bytes = s.as_bytes();
    if !bytes
        .chunks(32)
        .any(|c| c.iter().fold(false, |a, b| a | special(b)))
    {
        out.extend_from_slice(bytes);
        return;
    }
    let mut rest = bytes;
    while let Some(i) = rest.iter().position(special) {
        let (head, tail) = rest.split_at(i);
        out.extend_from_slice(head);
        out.extend_from_slice(match tail.first() {
            Some(b'<') => b"&lt;",
            Some(b'>') => b"&gt;",
            Some(b'&') => b"&amp;",
            Some(b'\'') => b"&apos;",
            _ => b"&quot;",
        });
        rest = tail.get(1..).unwrap_or_default();
    }
    out.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite, XmlString};

    /// What [`write_suites`] must equal: quick-junit's bytes for the same suites (the writer
    /// tenantlint used before), plus the report's closing line break.
    fn reference(suites: Vec<Suite>) -> Vec<u8> {
        let mut out = quick_junit::Report::new("tenantlint");
        for s in suites {
            let mut suite = TestSuite::new(s.name);
            let f = s.failures;
            let failures = f.findings.iter().map(|x| failure(f.source, x, f.help));
            for c in s.head.into_iter().chain(failures).chain(s.tail) {
                let status = match c.status {
                    Status::Success => TestCaseStatus::success(),
                    Status::Failure(m, t, d) => {
                        let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                        st.set_message(m.as_ref()).set_type(t);
                        if let Some(d) = d {
                            st.set_description(d.joined());
                        }
                        st
                    }
                    Status::Skipped(m, t) => {
                        let mut st = TestCaseStatus::skipped();
                        st.set_message(m.as_ref());
                        if let Some(t) = t {
                            st.set_type(t);
                        }
                        st
                    }
                };
                let mut case = TestCase::new(c.name.joined(), status);
                case.set_classname(c.classname);
                suite.add_test_case(case);
            }
            out.add_test_suite(suite);
        }
        let mut buf = Vec::new();
        out.serialize(&mut buf).unwrap();
        buf.push(b'\n');
        buf
    }

    /// Suites of every shape (empty, passing, failing with and without a description,
    /// skipped with and without a type) whose strings are `texts`, rotated, in each kind of
    /// [`Text`].
    fn suites_of<'a>(
        texts: &'a [String],
        objects: &'a [Object],
        findings: &'a [Finding],
    ) -> Vec<Suite<'a>> {
        let t = |i: usize| texts[i % texts.len()].as_str();
        let hex = |i: usize| {
            let mut h = [b'0'; 16];
            h[i % 16] = b"0123456789abcdef"[i % 16];
            h
        };
        let name = |i: usize| match i % 3 {
            0 => Text::Str(Cow::Borrowed(t(i))),
            1 => Text::Object(&objects[i % objects.len()]),
            _ => Text::Finding(t(i), t(i + 1), hex(i)),
        };
        let mut out = Vec::new();
        for (n, _) in texts.iter().enumerate() {
            let mut cases = Vec::new();
            for k in 0..n % 5 {
                let status = match (n + k) % 5 {
                    0 => Status::Success,
                    1 => Status::Failure(Cow::Borrowed(t(n + k)), t(n + 1), Some(name(n + 2 * k))),
                    2 => Status::Failure(Cow::Borrowed(t(k)), t(n), None),
                    3 => Status::Skipped(Cow::Borrowed(t(n + 2)), None),
                    _ => Status::Skipped(Cow::Borrowed(t(n)), Some(t(k + 3))),
                };
                cases.push(Case {
                    name: name(n + k + 1),
                    classname: t(k),
                    status,
                });
            }
            let mut counts = Counts::default();
            for c in &cases {
                counts += c.counts();
            }
            // Findings (a window's worth and more for the first suite) between some suites'
            // cases.
            let mine = match n % 3 {
                0 => findings,
                1 => &findings[..n.min(findings.len())],
                _ => &[][..],
            };
            let tail = cases.split_off(cases.len() / 2);
            let head = cases;
            counts.tests += mine.len();
            counts.failures += mine.len();
            out.push(Suite {
                name: t(n).to_owned(),
                counts,
                head,
                failures: Failures {
                    findings: mine,
                    source: t(n + 3),
                    help: t(n + 4),
                },
                tail: Box::new(tail.into_iter()),
            });
        }
        out
    }

    fn same_as_quick_junit(texts: &[String]) {
        use crate::model::ObjKind;
        use crate::rules::Severity::*;
        let objects: Vec<Object> = (0..texts.len().max(1))
            .map(|i| Object {
                kind: [ObjKind::User, ObjKind::Group, ObjKind::Application][i % 3],
                id: texts.get(i).cloned().unwrap_or_default(),
                name: texts.get(i + 1).cloned().unwrap_or_default(),
            })
            .collect();
        // More than a window of findings for the hand-picked texts.
        let n = if texts.len() >= 10 {
            WINDOW + 5
        } else {
            texts.len() * 3
        };
        let findings: Vec<Finding> = (0..n)
            .map(|i| Finding {
                rule: crate::rules::registry()[i % 4].meta(),
                severity: [Info, Warning, Error][i % 3],
                object: objects[i % objects.len()].clone(),
                message: texts
                    .get(i % texts.len().max(1))
                    .cloned()
                    .unwrap_or_default(),
                related: Vec::new(),
                key: format!("k{i}"),
                idents: Vec::new(),
            })
            .collect();
        let mut got = Vec::new();
        write_suites(suites_of(texts, &objects, &findings), &mut got).unwrap();
        let want = reference(suites_of(texts, &objects, &findings));
        assert_eq!(
            String::from_utf8(got).unwrap(),
            String::from_utf8(want).unwrap()
        );
    }

    #[test]
    fn the_xml_is_what_quick_junit_writes() {
        let ascii: String = (0u8..0x80).map(char::from).collect();
        let texts: Vec<String> = [
            "",
            "plain",
            "APP001 app-credential-expired",
            "a \"quoted\" <tag> & 'apostrophe'",
            "\x1b[31mred\x1b[0m and \x1b]0;title\x07 and \x1b",
            "tab\there\r\nline\nend\n",
            "\u{85}\u{9b}31m\u{9f}\u{a0}\u{bf}\u{c0}é€𝄞",
            "trailing escape \x1b[",
            "del\x7f and nul\0",
            &ascii,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        same_as_quick_junit(&texts);
        same_as_quick_junit(&[]);
        same_as_quick_junit(&texts[..1]);
    }

    /// Characters the ANSI parser and the XML filter treat each their own way.
    fn tricky() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            4 => proptest::char::range('a', 'e'),
            1 => Just('\x1b'),
            1 => Just('['),
            1 => Just(']'),
            1 => Just(';'),
            1 => Just('m'),
            1 => Just('0'),
            1 => proptest::char::range('\0', '\x1f'),
            1 => Just('\x7f'),
            1 => proptest::char::range('\u{80}', '\u{bf}'),
            1 => Just('\u{9c}'),
            1 => proptest::char::range('\u{c0}', '\u{10ffff}'),
            1 => prop_oneof![Just('<'), Just('>'), Just('&'), Just('\''), Just('"')],
        ];
        proptest::collection::vec(ch, 0..24).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #[test]
        fn any_text_is_cleaned_as_quick_junit_cleans_it(s in tricky()) {
            let (got, want) = (clean(&s), XmlString::new(&s));
            prop_assert_eq!(got.as_ref(), want.as_str());
        }

        #[test]
        fn any_suites_are_written_as_quick_junit_writes_them(
            texts in proptest::collection::vec(tricky(), 1..8)
        ) {
            same_as_quick_junit(&texts);
        }
    }
}
