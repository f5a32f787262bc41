//! Rule options: each declared once, with its doc and default.

/// A rule option.
#[derive(Debug)]
pub struct OptionMeta {
    pub name: &'static str,
    pub doc: &'static str,
    pub default: i64,
}

/// Every option any rule reads.
pub const ALL: &[OptionMeta] = &[
    OptionMeta {
        name: "min-free-seats",
        doc: "LIC003 warns when a subscription has fewer than this many unassigned seats left (0 turns the warning off).",
        default: 0,
    },
    OptionMeta {
        name: "stale-invitation-days",
        doc: "B2B002 flags a guest invitation still pending after this many days.",
        default: 30,
    },
    OptionMeta {
        name: "credential-expiry-days",
        doc: "APP002 warns about a credential that expires within this many days.",
        default: 30,
    },
    OptionMeta {
        name: "max-global-admins",
        doc: "ROLE001 warns when more than this many principals hold Global Administrator.",
        default: 4,
    },
];

pub fn meta(name: &str) -> Option<&'static OptionMeta> {
    ALL.iter().find(|o| o.name == name)
}

/// Option values in force: the defaults, overridden by `--option NAME=VALUE`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    overrides: Vec<(&'static str, i64)>,
}

impl Options {
    /// Parses `NAME=VALUE`; the value is a non-negative whole number.
    pub fn set(&mut self, spec: &str) -> Result<(), String> {
        let (name, value) = spec
            .split_once('=')
            .ok_or_else(|| format!("--option takes NAME=VALUE, got `{spec}`"))?;
        let m = meta(name.trim()).ok_or_else(|| {
            let names: Vec<&str> = ALL.iter().map(|o| o.name).collect();
            format!(
                "unknown option `{}` (options: {})",
                name.trim(),
                names.join(", ")
            )
        })?;
        let v: i64 = value
            .trim()
            .parse()
            .ok()
            .filter(|v| *v >= 0)
            .ok_or_else(|| {
                format!(
                    "option `{}` takes a whole number ≥ 0, got `{}`",
                    m.name,
                    value.trim()
                )
            })?;
        self.overrides.retain(|(n, _)| *n != m.name);
        self.overrides.push((m.name, v));
        Ok(())
    }

    /// The value of an option (its default unless overridden).
    ///
    /// # Panics
    /// When `name` is not declared in [`ALL`]: a programming error caught by the tests.
    pub fn get(&self, name: &str) -> i64 {
        if let Some((_, v)) = self.overrides.iter().find(|(n, _)| *n == name) {
            return *v;
        }
        meta(name)
            .unwrap_or_else(|| panic!("undeclared option {name}"))
            .default
    }
}
