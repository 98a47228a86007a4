//! The resolver against a model: a name is answered locally exactly when it is a
//! protected name or lies below a wildcard's suffix, and each name keeps one synthetic
//! address, distinct from every other name's.

use postern_agent_dns::{Flags, Name, Outcome, Packet, Question, Repr, Resolver, SyntheticPool, rtype};
use postern_agent_wire::Resource;
use proptest::prelude::*;
use std::collections::HashMap;

fn host() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop_oneof![Just("a"), Just("b"), Just("c")], 0..3)
        .prop_map(|labels| labels.into_iter().map(|l| format!("{l}.")).collect::<String>() + "corp.example")
}

fn protected_by(entries: &[(bool, String)], name: &str) -> bool {
    entries.iter().any(|(wildcard, n)| if *wildcard { name.ends_with(&format!(".{n}")) } else { name == n })
}

proptest! {
    #[test]
    fn answers_match_the_model(
        entries in proptest::collection::vec((any::<bool>(), host()), 0..6),
        queries in proptest::collection::vec(host(), 1..20),
    ) {
        let mut names: Vec<String> = entries.iter().map(|(w, n)| if *w { format!("*.{n}") } else { n.clone() }).collect();
        names.dedup();
        let resource = Resource {
            name: "r".into(),
            service: "s".into(),
            prefixes: vec!["10.0.0.0/8".parse().expect("p")],
            ports: vec![],
            names,
        };
        let mut resolver = Resolver::new(SyntheticPool::new("198.18.0.0".parse().expect("ip"), 16).expect("pool"));
        resolver.set_resources(&[resource]);
        let mut seen: HashMap<String, Vec<u8>> = HashMap::new();
        for (id, name) in queries.iter().enumerate() {
            let query = Repr {
                id: id as u16,
                flags: Flags(0x0100),
                questions: vec![Question { name: Name::from_dotted(name).expect("n"), rtype: rtype::A, class: 1 }],
                answers: vec![],
                authority: vec![],
                additional: vec![],
            };
            let outcome = resolver.handle(&query.to_bytes().expect("emit"), 512);
            if protected_by(&entries, name) {
                let Outcome::Answer { bytes, .. } = outcome else { panic!("{name} not answered") };
                let answer = Repr::parse(&Packet::new_checked(&bytes[..]).expect("h")).expect("parse");
                prop_assert_eq!(answer.id, id as u16);
                let addr = answer.answers[0].data.clone();
                prop_assert_eq!(seen.entry(name.clone()).or_insert_with(|| addr.clone()), &addr);
            } else {
                prop_assert_eq!(outcome, Outcome::Forward, "{}", name);
            }
        }
        let mut addresses: Vec<&Vec<u8>> = seen.values().collect();
        addresses.sort();
        addresses.dedup();
        prop_assert_eq!(addresses.len(), seen.len());
    }
}
