//! Matches a typed line against a mode's command trees: abbreviations, arguments, `no`.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::node::{Action, Node, Token};
use crate::privilege::Privilege;
use crate::prompt::SubModeId;
use crate::value::{ArgKind, Value};

/// The keyword that negates a configuration command.
pub(crate) const NO: &str = "no";
/// Help text of [`NO`].
pub(crate) const NO_HELP: &str = "Negate a command or set its defaults";

/// A named argument value of an invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgValue {
    /// The argument's name as declared (`WORD`, `ID`, …).
    pub name: &'static str,
    /// Its typed value.
    pub value: Value,
}

/// A fully matched command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parsed {
    pub(crate) action: Action,
    pub(crate) negated: bool,
    pub(crate) keywords: Vec<&'static str>,
    pub(crate) args: Vec<ArgValue>,
    pub(crate) enters: Option<SubModeId>,
    pub(crate) pastes: bool,
}

/// Why a line does not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Nothing but blanks.
    Empty,
    /// The word at this byte offset fits nothing.
    Invalid { offset: usize },
    /// The word abbreviates several keywords.
    Ambiguous { word: String, candidates: Vec<&'static str> },
    /// The line stops before a command is complete.
    Incomplete,
    /// The word names a command the session's privilege does not reach.
    Denied { word: &'static str },
}

/// Where matching is: which words may come next.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Position<'g> {
    roots: &'g [Node],
    /// The node matched last; `None` at the top (possibly after `no`).
    pub(crate) node: Option<&'g Node>,
    pub(crate) negated: bool,
    /// A rest-of-line argument took everything that followed.
    pub(crate) rest_taken: bool,
    offer_no: bool,
    privilege: Privilege,
}

/// A word that may come next.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Candidate<'g> {
    No,
    Node(&'g Node),
}

enum Step<'g> {
    Matched(Candidate<'g>, Option<Value>),
    Rest(&'g Node, Value),
}

/// Splits a line into words with their byte offsets.
pub(crate) fn words(line: &str) -> impl Iterator<Item = (usize, &str)> {
    line.split(' ')
        .scan(0usize, |at, w| {
            let start = *at;
            *at += w.len() + 1;
            Some((start, w))
        })
        .filter(|(_, w)| !w.is_empty())
}

impl<'g> Position<'g> {
    /// The top of a mode's trees; `offer_no` adds the `no` keyword (configuration modes).
    pub(crate) fn start(roots: &'g [Node], privilege: Privilege, offer_no: bool) -> Self {
        let offer_no = offer_no && roots.iter().any(|n| n.reach_no && n.privilege <= privilege);
        Self { roots, node: None, negated: false, rest_taken: false, offer_no, privilege }
    }

    /// The words that may come next, as the session's privilege and the form allow.
    pub(crate) fn candidates(&self) -> impl Iterator<Item = Candidate<'g>> + '_ {
        let no = (self.node.is_none() && !self.negated && self.offer_no).then_some(Candidate::No);
        no.into_iter().chain(self.level().iter().filter(|n| self.visible(n)).map(Candidate::Node))
    }

    /// Whether a line may end here.
    pub(crate) fn runnable(&self) -> Option<Action> {
        self.node.and_then(|n| n.runs(self.negated))
    }

    fn level(&self) -> &'g [Node] {
        if self.rest_taken {
            return &[];
        }
        self.node.map_or(self.roots, |n| n.children.as_slice())
    }

    fn visible(&self, node: &Node) -> bool {
        node.reaches(self.negated) && node.privilege <= self.privilege
    }

    /// Consumes one word; `rest` is the line from that word on (for rest-of-line arguments).
    fn step(&self, word: &str, rest: &str) -> Result<Step<'g>, ParseError> {
        let keywords = || self.candidates().filter_map(|c| c.keyword().map(|k| (c, k)));
        if let Some((c, _)) = keywords().find(|(_, k)| *k == word) {
            return Ok(Step::Matched(c, None));
        }
        let hidden = self
            .level()
            .iter()
            .find(|n| n.reaches(self.negated) && n.privilege > self.privilege && n.keyword_text() == Some(word));
        if let Some(node) = hidden {
            return Err(ParseError::Denied { word: node.label() });
        }
        let prefixed: Vec<(Candidate<'g>, &'static str)> = keywords().filter(|(_, k)| k.starts_with(word)).collect();
        match prefixed.as_slice() {
            [(one, _)] => return Ok(Step::Matched(*one, None)),
            [] => {}
            many => {
                let mut candidates: Vec<&'static str> = many.iter().map(|(_, k)| *k).collect();
                candidates.sort_unstable();
                return Err(ParseError::Ambiguous { word: word.to_string(), candidates });
            }
        }
        for candidate in self.candidates() {
            let Candidate::Node(node) = candidate else { continue };
            let Token::Arg { kind, .. } = &node.token else { continue };
            if kind.is_rest() {
                if let Some(value) = kind.parse(rest) {
                    return Ok(Step::Rest(node, value));
                }
            } else if let Some(value) = kind.parse(word) {
                return Ok(Step::Matched(candidate, Some(value)));
            }
        }
        Err(ParseError::Invalid { offset: 0 })
    }
}

impl<'g> Candidate<'g> {
    /// The keyword this candidate matches literally, if any.
    pub(crate) fn keyword(&self) -> Option<&'static str> {
        match self {
            Candidate::No => Some(NO),
            Candidate::Node(n) => n.keyword_text(),
        }
    }

    /// The help text.
    pub(crate) fn help(&self) -> &'static str {
        match self {
            Candidate::No => NO_HELP,
            Candidate::Node(n) => n.help,
        }
    }

    /// The argument kind, if this is an argument.
    pub(crate) fn arg(&self) -> Option<(&'static str, &'g ArgKind)> {
        match self {
            Candidate::Node(Node { token: Token::Arg { name, kind }, .. }) => Some((name, kind)),
            _ => None,
        }
    }
}

/// The outcome of walking some words: where matching stands, and what was collected.
pub(crate) struct Walk<'g> {
    pub(crate) position: Position<'g>,
    pub(crate) keywords: Vec<&'static str>,
    pub(crate) args: Vec<ArgValue>,
}

/// Walks all words of `line` from `start`.
pub(crate) fn walk<'g>(start: Position<'g>, line: &str) -> Result<Walk<'g>, ParseError> {
    let mut walk = Walk { position: start, keywords: Vec::new(), args: Vec::new() };
    for (offset, word) in words(line) {
        if walk.position.rest_taken {
            break;
        }
        let rest = line.get(offset..).unwrap_or_default().trim_end();
        let step = walk.position.step(word, rest).map_err(|e| match e {
            ParseError::Invalid { .. } => ParseError::Invalid { offset },
            other => other,
        })?;
        match step {
            Step::Matched(Candidate::No, _) => walk.position.negated = true,
            Step::Matched(Candidate::Node(node), value) => {
                match (&node.token, value) {
                    (Token::Keyword(k), _) => walk.keywords.push(k),
                    (Token::Arg { name, .. }, Some(value)) => walk.args.push(ArgValue { name, value }),
                    (Token::Arg { .. }, None) => {}
                }
                walk.position.node = Some(node);
            }
            Step::Rest(node, value) => {
                walk.args.push(ArgValue { name: node.label(), value });
                walk.position.node = Some(node);
                walk.position.rest_taken = true;
            }
        }
    }
    Ok(walk)
}

/// Matches a whole line.
pub(crate) fn parse(start: Position<'_>, line: &str) -> Result<Parsed, ParseError> {
    if words(line).next().is_none() {
        return Err(ParseError::Empty);
    }
    let walk = walk(start, line)?;
    let action = walk.position.runnable().ok_or(ParseError::Incomplete)?;
    let negated = walk.position.negated;
    let enters = if negated { None } else { walk.position.node.and_then(|n| n.enters) };
    let pastes = !negated && walk.position.node.is_some_and(|n| n.pastes);
    Ok(Parsed { action, negated, keywords: walk.keywords, args: walk.args, enters, pastes })
}
