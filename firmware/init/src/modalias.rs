//! Which driver modules the hardware asks for: the devices' `modalias` strings matched
//! against the aliases of the drivers the image carries (`drivers.alias`), and each match
//! loaded after its dependencies (`drivers.dep`). Sans-IO: text in, load order out.

use std::collections::BTreeMap;

/// The drivers an image carries: their alias patterns and dependencies.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct DriverIndex {
    /// (pattern, module), in file order.
    aliases: Vec<(String, String)>,
    /// module → its dependencies in load order.
    deps: BTreeMap<String, Vec<String>>,
}

impl DriverIndex {
    /// Reads `alias PATTERN MODULE` lines and `MODULE: DEP DEP` lines; other lines are
    /// ignored (comments, blanks).
    pub(crate) fn parse(aliases: &str, deps: &str) -> Self {
        let aliases = aliases
            .lines()
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                (words.next() == Some("alias")).then_some(())?;
                Some((words.next()?.to_owned(), words.next()?.to_owned()))
            })
            .collect();
        let deps = deps
            .lines()
            .filter_map(|l| {
                let (module, rest) = l.split_once(':')?;
                Some((module.trim().to_owned(), rest.split_whitespace().map(str::to_owned).collect()))
            })
            .collect();
        Self { aliases, deps }
    }

    /// The modules to load, in order, for devices presenting `modaliases`: each matched
    /// driver after its dependencies, none twice, none already in `loaded`.
    pub(crate) fn plan<'a>(&self, modaliases: impl IntoIterator<Item = &'a str>, loaded: &[String]) -> Vec<String> {
        let mut order: Vec<String> = Vec::new();
        for modalias in modaliases {
            for (pattern, module) in &self.aliases {
                if !glob(pattern.as_bytes(), modalias.as_bytes()) {
                    continue;
                }
                let chain = self.deps.get(module).into_iter().flatten().chain(std::iter::once(module));
                for name in chain {
                    if !order.contains(name) && !loaded.contains(name) {
                        order.push(name.clone());
                    }
                }
            }
        }
        order
    }
}

/// fnmatch(3) without flags, as the kernel's module aliases use it: `*`, `?` and `[...]`
/// (with `!` or `^` negation and ranges).
pub(crate) fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(b'?') => {
                p += 1;
                t += 1;
                continue;
            }
            Some(b'[') => {
                if let Some((matched, next)) = class(&pattern[p..], text[t]) {
                    if matched {
                        p += next;
                        t += 1;
                        continue;
                    }
                } else if text[t] == b'[' {
                    p += 1;
                    t += 1;
                    continue;
                }
            }
            Some(&c) if c == text[t] => {
                p += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|&c| c == b'*')
}

/// Matches `c` against the bracket expression at the start of `pattern`; returns whether
/// it matched and the expression's length, or `None` if the bracket is not closed.
fn class(pattern: &[u8], c: u8) -> Option<(bool, usize)> {
    let mut i = 1;
    let negated = matches!(pattern.get(i), Some(b'!' | b'^'));
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while let Some(&b) = pattern.get(i) {
        if b == b']' && !first {
            return Some((matched != negated, i + 1));
        }
        if pattern.get(i + 1) == Some(&b'-') && pattern.get(i + 2).is_some_and(|&e| e != b']') {
            matched |= (b..=pattern[i + 2]).contains(&c);
            i += 3;
        } else {
            matched |= b == c;
            i += 1;
        }
        first = false;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_alias_patterns_match_like_fnmatch() {
        let e1000e = b"pci:v00008086d000010D3sv*sd*bc*sc*i*";
        assert!(glob(e1000e, b"pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00"));
        assert!(!glob(e1000e, b"pci:v00008086d000010D4sv00008086sd0000A01Fbc02sc00i00"));
        assert!(glob(b"virtio:d00000001v*", b"virtio:d00000001v00001AF4"));
        assert!(glob(b"pci:v*d*sv*sd*bc01sc06i01*", b"pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01"));
        assert!(glob(b"acpi*:PNP0A0[38]:*", b"acpi:PNP0A08:"));
        assert!(!glob(b"acpi*:PNP0A0[38]:*", b"acpi:PNP0A05:"));
        assert!(glob(b"x[!a-c]y", b"xdy") && !glob(b"x[!a-c]y", b"xby"));
        assert!(glob(b"a?c", b"abc") && !glob(b"a?c", b"ac"));
        assert!(glob(b"*", b"") && !glob(b"a", b""));
    }

    #[test]
    fn a_plan_loads_each_matched_driver_after_its_dependencies_once() {
        let index = DriverIndex::parse(
            "# drivers of this image\nalias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\nalias pci:v*d*sv*sd*bc01sc06i01* ahci\nalias virtio:d00000001v* virtio_net\n",
            "e1000e:\nahci: libahci libata\nvirtio_net: failover net_failover\n",
        );
        let devices = [
            "pci:v00008086d00002922sv00001AF4sd00001100bc01sc06i01",
            "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00",
            "pci:v00001234d00001111sv00001AF4sd00001100bc03sc00i00",
            "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00",
        ];
        assert_eq!(index.plan(devices, &[]), ["libahci", "libata", "ahci", "e1000e"]);
        assert_eq!(index.plan(devices, &["libata".to_owned(), "ahci".to_owned()]), ["libahci", "e1000e"]);
        assert!(index.plan(["usb:v1D6Bp0002"], &[]).is_empty());
    }
}
