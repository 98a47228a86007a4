//! The sans-IO resolver: a query in, an answer or "forward it unchanged" out.

use crate::names::NameTable;
use crate::packet::{Flags, HEADER_LEN, Packet, Rcode};
use crate::pool::{Mapping, SyntheticPool};
use crate::repr::{Question, Record, Repr, class, rtype};
use alloc::vec::Vec;
use core::net::Ipv4Addr;
use postern_agent_wire::Resource;

/// The time to live of every local answer, in seconds: short, so that a change of the
/// resource list reaches applications soon.
pub const TTL: u32 = 60;

/// What kind of local answer was given (for the shell's log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// The resource's fixed addresses (its host prefixes).
    Fixed,
    /// A synthetic address from the pool.
    Synthetic,
    /// No record (NOERROR): a protected name, a type it has no address of.
    NoData,
    /// The pool is full, or the answer cannot be built (SERVFAIL).
    ServFail,
    /// The query is malformed (FORMERR).
    FormErr,
    /// Not a standard query (NOTIMP).
    NotImp,
}

/// What the shell does with a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Send these bytes back to the client.
    Answer {
        /// The response.
        bytes: Vec<u8>,
        /// What it says.
        kind: AnswerKind,
    },
    /// Send the query, unchanged, to the system's resolver and relay its answer.
    Forward,
    /// Not a query (too short, or a response): ignore it.
    Drop,
}

/// Answers the protected names of the current resource list and forwards the rest.
#[derive(Debug, Clone)]
pub struct Resolver {
    names: NameTable,
    pool: SyntheticPool,
}

impl Resolver {
    /// A resolver with no protected name yet, handing out synthetic addresses from `pool`.
    pub fn new(pool: SyntheticPool) -> Self {
        Self { names: NameTable::default(), pool }
    }

    /// Takes a new resource list; synthetic addresses already handed out stay.
    pub fn set_resources(&mut self, resources: &[Resource]) {
        self.names = NameTable::new(resources);
    }

    /// The name and resource a synthetic address stands for.
    pub fn synthetic_owner(&self, addr: Ipv4Addr) -> Option<&Mapping> {
        self.pool.owner(addr)
    }

    /// Handles one query; a local answer longer than `max_len` (512 over UDP without
    /// EDNS) is sent without records and with TC set, so the client retries over TCP.
    pub fn handle(&mut self, query: &[u8], max_len: usize) -> Outcome {
        let Ok(packet) = Packet::new_checked(query) else { return Outcome::Drop };
        let flags = packet.flags();
        if flags.response() {
            return Outcome::Drop;
        }
        let refuse = |rcode, kind| Outcome::Answer { bytes: bare(packet.id(), flags.answering(false, rcode)), kind };
        if flags.opcode() != 0 {
            return refuse(Rcode::NotImp, AnswerKind::NotImp);
        }
        let Ok(repr) = Repr::parse(&packet) else { return refuse(Rcode::FormErr, AnswerKind::FormErr) };
        let [question] = &repr.questions[..] else { return refuse(Rcode::FormErr, AnswerKind::FormErr) };
        if !matches!(question.class, class::IN | class::ANY) {
            return Outcome::Forward;
        }
        let Some(host) = question.name.to_host_name() else { return Outcome::Forward };
        let Some(protected) = self.names.lookup(&host) else { return Outcome::Forward };
        let (data, kind): (Vec<Vec<u8>>, AnswerKind) = match question.rtype {
            rtype::A | rtype::ANY if !protected.v4.is_empty() => {
                (protected.v4.iter().map(|a| a.octets().to_vec()).collect(), AnswerKind::Fixed)
            }
            rtype::A | rtype::ANY => match self.pool.address(&host, &protected.resource) {
                Some(addr) => (alloc::vec![addr.octets().to_vec()], AnswerKind::Synthetic),
                None => return refuse(Rcode::ServFail, AnswerKind::ServFail),
            },
            rtype::AAAA if !protected.v6.is_empty() => {
                (protected.v6.iter().map(|a| a.octets().to_vec()).collect(), AnswerKind::Fixed)
            }
            _ => (Vec::new(), AnswerKind::NoData),
        };
        let rtype = if data.first().is_some_and(|d| d.len() == 16) { rtype::AAAA } else { rtype::A };
        answer(&repr, question, rtype, data, kind, max_len)
    }
}

fn answer(
    query: &Repr,
    question: &Question,
    rtype: u16,
    data: Vec<Vec<u8>>,
    kind: AnswerKind,
    max_len: usize,
) -> Outcome {
    let answers = data
        .into_iter()
        .map(|data| Record { name: question.name.clone(), rtype, class: class::IN, ttl: TTL, data })
        .collect();
    let mut response = Repr {
        id: query.id,
        flags: query.flags.answering(true, Rcode::NoError),
        questions: alloc::vec![question.clone()],
        answers,
        authority: Vec::new(),
        additional: Vec::new(),
    };
    if response.buffer_len() > max_len {
        response.answers.clear();
        response.flags = response.flags.with_truncated();
    }
    match response.to_bytes() {
        Ok(bytes) => Outcome::Answer { bytes, kind },
        Err(_) => Outcome::Answer {
            bytes: bare(query.id, query.flags.answering(false, Rcode::ServFail)),
            kind: AnswerKind::ServFail,
        },
    }
}

/// A response with a header only.
fn bare(id: u16, flags: Flags) -> Vec<u8> {
    let mut bytes = alloc::vec![0; HEADER_LEN];
    bytes[..2].copy_from_slice(&id.to_be_bytes());
    bytes[2..4].copy_from_slice(&flags.0.to_be_bytes());
    bytes
}

/// Whether `response` from the system's resolver answers `query`: a response with the
/// same id (the shell relays it unchanged only then).
pub fn is_answer_to(query: &[u8], response: &[u8]) -> bool {
    match (Packet::new_checked(query), Packet::new_checked(response)) {
        (Ok(q), Ok(r)) => r.flags().response() && r.id() == q.id(),
        _ => false,
    }
}
