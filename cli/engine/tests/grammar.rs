//! Grammars that cannot work are refused when they are built.

use postern_cli_engine::{ActionId, ArgKind, Grammar, GrammarError, Mode, Node, SubModeId};

const A: ActionId = ActionId(1);
const SUB: SubModeId = SubModeId(7);

#[test]
fn bad_grammars_are_refused_with_the_reason() {
    let cases: Vec<(Result<Grammar, GrammarError>, GrammarError)> = vec![
        (
            Grammar::builder().command(&[Mode::Config], Node::keyword("two words", "x").action(A)).build(),
            GrammarError::BadWord { word: "two words" },
        ),
        (
            Grammar::builder().command(&[Mode::Config], Node::keyword("dangling", "x")).build(),
            GrammarError::DeadEnd { word: "dangling" },
        ),
        (
            Grammar::builder().command(&[Mode::Config], Node::keyword("no", "x").action(A)).build(),
            GrammarError::Reserved { word: "no" },
        ),
        (
            Grammar::builder().command(&[Mode::Sub(SUB)], Node::keyword("x", "x").action(A)).build(),
            GrammarError::UnknownSubMode { id: 7 },
        ),
        (Grammar::builder().sub_mode(SUB, "config-x", Mode::Privileged).build(), GrammarError::BadParent { id: 7 }),
        (
            Grammar::builder().sub_mode(SUB, "a", Mode::Config).sub_mode(SUB, "b", Mode::Config).build(),
            GrammarError::DuplicateSubMode { id: 7 },
        ),
        (
            Grammar::builder()
                .sub_mode(SUB, "config-x", Mode::Config)
                .command(&[Mode::Privileged], Node::keyword("x", "x").action(A).enters(SUB))
                .build(),
            GrammarError::WrongParent { word: "x", id: 7 },
        ),
        (
            Grammar::builder()
                .command(&[Mode::Config], Node::arg("N", ArgKind::Integer { min: 5, max: 1 }, "n").action(A))
                .build(),
            GrammarError::EmptyArgument { name: "N" },
        ),
        (
            Grammar::builder()
                .command(
                    &[Mode::Config],
                    Node::arg("LINE", ArgKind::Rest { max_len: 9 }, "l")
                        .action(A)
                        .child(Node::keyword("x", "x").action(A)),
                )
                .build(),
            GrammarError::RestHasChildren { name: "LINE" },
        ),
    ];
    for (result, expected) in cases {
        assert_eq!(result.err(), Some(expected));
    }
}

#[test]
fn trees_sharing_a_keyword_are_merged() {
    let g = Grammar::builder()
        .command(&[Mode::Exec], Node::keyword("show", "s").child(Node::keyword("a", "a").action(A)))
        .command(&[Mode::Exec], Node::keyword("show", "s").child(Node::keyword("b", "b").action(A)))
        .sub_mode(SUB, "config-x", Mode::Config)
        .build()
        .expect("valid");
    assert_eq!(g.parent(Mode::Sub(SUB)), Some(Mode::Config));
    assert_eq!(g.sub_mode(SUB).map(|s| s.label), Some("config-x"));
    let mut s = postern_cli_engine::Session::new(std::sync::Arc::new(g), postern_cli_engine::Privilege::Operator);
    struct Nop;
    impl postern_cli_engine::Backend for Nop {
        fn hostname(&self) -> &str {
            "h"
        }
        fn execute(
            &mut self,
            _: &postern_cli_engine::Invocation<'_>,
            _: &mut dyn std::fmt::Write,
        ) -> Result<(), postern_cli_engine::CommandError> {
            Ok(())
        }
    }
    let mut out = Vec::new();
    for line in ["show a", "show b", "show history"] {
        let outcome = s.run_line(line, &mut Nop, &mut out).expect("vec");
        assert_eq!(outcome, postern_cli_engine::Outcome::Success, "{line}");
    }
}

#[test]
fn sessions_and_grammars_can_move_between_threads() {
    fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Grammar>();
    send_and_sync::<postern_cli_engine::Session>();
}
