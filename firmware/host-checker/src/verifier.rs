//! The verifier (IMV and PB-TNC server) as a sans-IO state machine: PT-TLS messages in,
//! PT-TLS messages and a decision out. The shell reads framed messages (see
//! [`postern_tnc_wire::pt_tls::frame_len`]) and writes what this returns.

use std::sync::Arc;

use postern_tnc_wire::{
    Limits, PEN_IETF, RemediationParameters, WireError,
    pa::{Attribute, AttributeType, Reassembler, ietf_type},
    pb::{self, AccessRecommendation, AssessmentResult, BatchRepr, BatchType, PbError, PbErrorDetail, PbMessage},
    pt_tls::{ErrorCode, PT_TLS_VERSION, PtTlsBody, PtTlsRepr},
};

use crate::{
    evaluate::{Decision, evaluate},
    exchange::{Ids, attributes, batch, pb_pa, pt_tls},
    patch_list::PatchList,
    policy::Policy,
    posture::Posture,
    sasl::{SaslAccounts, SaslRejection, SaslServer, SaslStep, offer},
};

/// What the verifier checks against: the committed policies and the patch list.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// The policies.
    pub policies: Vec<Policy>,
    /// The patch list, when one has been imported.
    pub patch_list: Option<Arc<PatchList>>,
}

/// Settings of one verifier session.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    /// Wire bounds.
    pub limits: Limits,
    /// The segment size offered in the IF-M segmentation contract (bytes of segment per
    /// envelope).
    pub max_segment_size: u32,
    /// Most PB-TNC batches a client may send in one session.
    pub max_batches: u32,
    /// SASL PLAIN after version negotiation, before any batch; `None`: the TLS client
    /// certificate alone authenticates (an empty mechanism list ends the phase at once).
    pub sasl: Option<SaslAccounts>,
}

impl Default for VerifierConfig {
    fn default() -> Self {
        Self { limits: Limits::DEFAULT, max_segment_size: 16 * 1024, max_batches: 256, sasl: None }
    }
}

/// What the shell does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifierOutput {
    /// Write these bytes (one PT-TLS message) to the client.
    Send(Vec<u8>),
    /// The assessment is decided (sent to the client in a RESULT batch).
    Decided(Decision),
    /// The session is over: close the connection.
    Close,
    /// The session failed (an error message has been queued before this); close.
    Failed(String),
    /// SASL PLAIN authenticated `user`.
    Authenticated {
        /// The authentication identity.
        user: String,
    },
    /// One SASL attempt failed (a `Failed` follows when it was the last).
    SaslRejected {
        /// The user name the client gave, when the message held one.
        user: Option<String>,
        /// Why.
        why: SaslRejection,
        /// Failed attempts so far in this session.
        attempt: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Version,
    Sasl,
    Batches,
    Done,
}

/// One verifier session.
pub struct Verifier {
    config: VerifierConfig,
    policies: Arc<PolicySet>,
    state: State,
    sasl: Option<SaslServer>,
    ids: Ids,
    pa_ids: u32,
    batches: u32,
    posture: Posture,
    reassembler: Reassembler,
    requested: bool,
    /// The batch count when the last decision was sent: the session is between
    /// assessments while no batch arrived since.
    decided_at_batch: Option<u32>,
}

/// The attributes the verifier asks for.
const REQUESTED: &[u32] = &[
    ietf_type::PRODUCT_INFORMATION,
    ietf_type::STRING_VERSION,
    ietf_type::INSTALLED_PACKAGES,
    ietf_type::FORWARDING_ENABLED,
    ietf_type::FACTORY_DEFAULT_PASSWORD_ENABLED,
];

impl Verifier {
    /// A session awaiting the client's Version Request.
    pub fn new(config: VerifierConfig, policies: Arc<PolicySet>) -> Self {
        let reassembler = Reassembler::new(config.limits);
        let sasl = config.sasl.clone().map(SaslServer::new);
        Self {
            sasl,
            config,
            policies,
            state: State::Version,
            ids: Ids::default(),
            pa_ids: 0,
            batches: 0,
            posture: Posture::default(),
            reassembler,
            requested: false,
            decided_at_batch: None,
        }
    }

    /// The posture gathered so far.
    pub fn posture(&self) -> &Posture {
        &self.posture
    }

    /// Takes one whole PT-TLS message from the client.
    pub fn receive(&mut self, message: &[u8]) -> Vec<VerifierOutput> {
        match self.step(message) {
            Ok(out) => out,
            Err(failure) => {
                self.state = State::Done;
                let mut out = Vec::new();
                if let Some(reply) = failure.reply {
                    out.push(VerifierOutput::Send(reply));
                }
                out.push(VerifierOutput::Failed(failure.reason));
                out
            }
        }
    }

    fn step(&mut self, message: &[u8]) -> Result<Vec<VerifierOutput>, Failure> {
        let repr = PtTlsRepr::parse_bytes(message, &self.config.limits)
            .map_err(|e| self.pt_error(ErrorCode::MalformedMessage, message, e.to_string()))?;
        match (self.state, repr.body) {
            (State::Version, PtTlsBody::VersionRequest { min, max, .. }) => {
                if !(min..=max).contains(&PT_TLS_VERSION) {
                    return Err(self.pt_error(
                        ErrorCode::VersionNotSupported,
                        message,
                        format!("client speaks PT-TLS {min}..={max}"),
                    ));
                }
                let response = self.send(PtTlsBody::VersionResponse(PT_TLS_VERSION))?;
                if self.sasl.is_some() {
                    self.state = State::Sasl;
                    return Ok(vec![response, self.send(offer())?]);
                }
                self.state = State::Batches;
                // Client authentication was the TLS certificate: an empty mechanism list
                // ends the SASL phase at once (as strongSwan's server does).
                Ok(vec![response, self.send(PtTlsBody::SaslMechanisms(Vec::new()))?])
            }
            (State::Sasl, body @ (PtTlsBody::SaslMechanismSelection { .. } | PtTlsBody::SaslAuthenticationData(_))) => {
                self.sasl_step(&body, message)
            }
            (State::Batches, PtTlsBody::PbTncBatch(bytes)) => {
                self.batches += 1;
                if self.batches > self.config.max_batches {
                    return Err(self.pb_error(
                        pb::error_code::LOCAL_ERROR,
                        0,
                        "too many batches in one session".into(),
                    ));
                }
                let parsed = BatchRepr::parse_bytes(&bytes, &self.config.limits)
                    .map_err(|e| self.pb_error(pb::error_code::INVALID_PARAMETER, 0, e.to_string()))?;
                self.batch(&parsed)
            }
            (_, PtTlsBody::Error { code, .. }) => {
                self.state = State::Done;
                Ok(vec![VerifierOutput::Failed(format!("client sent PT-TLS error {code}"))])
            }
            (_, PtTlsBody::Vendor { .. } | PtTlsBody::Experimental(_)) => Ok(Vec::new()),
            (state, _) => Err(self.pt_error(
                ErrorCode::InvalidMessage,
                message,
                format!("message not allowed in state {state:?}"),
            )),
        }
    }

    fn sasl_step(&mut self, body: &PtTlsBody, message: &[u8]) -> Result<Vec<VerifierOutput>, Failure> {
        let step = match self.sasl.as_mut() {
            Some(sasl) => sasl.receive(body),
            None => SaslStep::Unexpected,
        };
        match step {
            SaslStep::Continue(replies) => replies.into_iter().map(|r| self.send(r)).collect(),
            SaslStep::Authenticated { user, replies } => {
                self.state = State::Batches;
                let mut out = vec![VerifierOutput::Authenticated { user }];
                for reply in replies {
                    out.push(self.send(reply)?);
                }
                Ok(out)
            }
            SaslStep::Rejected { user, why, attempt, last, replies } => {
                let mut out = vec![VerifierOutput::SaslRejected { user, why, attempt }];
                for reply in replies {
                    out.push(self.send(reply)?);
                }
                if last {
                    let failure = self.pt_error(
                        ErrorCode::SaslMechanismError,
                        message,
                        format!("SASL authentication failed {attempt} time(s): {why}"),
                    );
                    self.state = State::Done;
                    out.extend(failure.reply.map(VerifierOutput::Send));
                    out.push(VerifierOutput::Failed(failure.reason));
                }
                Ok(out)
            }
            SaslStep::Unexpected => {
                Err(self.pt_error(ErrorCode::InvalidMessage, message, "message not allowed in state Sasl".into()))
            }
        }
    }

    fn batch(&mut self, batch: &BatchRepr) -> Result<Vec<VerifierOutput>, Failure> {
        match batch.batch_type {
            BatchType::Close => {
                // The client ends the exchange; strongSwan's server sends nothing back
                // (its client fails on a CLOSE answered with a CLOSE).
                self.state = State::Done;
                Ok(vec![VerifierOutput::Close])
            }
            BatchType::Cretry => {
                self.restart();
                Ok(vec![self.request(BatchType::Sdata)?])
            }
            BatchType::Cdata => self.cdata(batch),
            _ => Err(self.pb_error(
                pb::error_code::UNEXPECTED_BATCH_TYPE,
                0,
                format!("{:?} from a client", batch.batch_type),
            )),
        }
    }

    fn cdata(&mut self, batch: &BatchRepr) -> Result<Vec<VerifierOutput>, Failure> {
        let attributes = attributes(batch, &self.config.limits)
            .map_err(|e| self.pb_error(pb::error_code::INVALID_PARAMETER, 0, e.to_string()))?;
        let mut next_segments = Vec::new();
        for attribute in &attributes {
            match attribute {
                Attribute::SegmentEnvelope { more, start, base_id, segment } => match self
                    .reassembler
                    .push(*more, *start, *base_id, segment)
                {
                    Ok(Some(whole)) => self.posture.absorb(std::slice::from_ref(&whole)),
                    Ok(None) => next_segments.push(Attribute::NextSegmentRequest { cancel: false, base_id: *base_id }),
                    Err(e) => {
                        return Err(self.pb_error(pb::error_code::INVALID_PARAMETER, 0, e.to_string()));
                    }
                },
                other => self.posture.absorb(std::slice::from_ref(other)),
            }
        }
        if !next_segments.is_empty() {
            return Ok(vec![self.sdata(next_segments)?]);
        }
        if !self.requested {
            return Ok(vec![self.request(BatchType::Sdata)?]);
        }
        let decision = evaluate(&self.policies.policies, &self.posture, self.policies.patch_list.as_deref());
        let result = self.result(&decision)?;
        self.decided_at_batch = Some(self.batches);
        Ok(vec![result, VerifierOutput::Decided(decision)])
    }

    /// A new assessment in the same session; the batch bound applies per assessment.
    fn restart(&mut self) {
        self.batches = 0;
        self.decided_at_batch = None;
        self.posture = Posture::default();
        self.requested = false;
        self.reassembler = Reassembler::new(self.config.limits);
    }

    /// Asks the collector for a new assessment (PB-TNC SRETRY with the attribute
    /// request), once a decision was made and the session stayed open; the bytes to
    /// send, or `None` when the session is not between assessments.
    pub fn recheck(&mut self) -> Option<Vec<u8>> {
        if self.state != State::Batches || !self.requested || self.decided_at_batch != Some(self.batches) {
            return None;
        }
        self.restart();
        match self.request(BatchType::Sretry) {
            Ok(VerifierOutput::Send(bytes)) => Some(bytes),
            _ => None,
        }
    }

    fn request(&mut self, batch_type: BatchType) -> Result<VerifierOutput, Failure> {
        self.requested = true;
        let wanted = REQUESTED.iter().map(|kind| AttributeType { vendor_id: PEN_IETF, kind: *kind }).collect();
        self.server_batch(
            batch_type,
            vec![
                Attribute::MaxAttributeSize {
                    request: true,
                    max_attribute_size: self.config.limits.max_reassembled_attribute,
                    max_segment_size: self.config.max_segment_size,
                },
                Attribute::AttributeRequest(wanted),
            ],
        )
    }

    fn sdata(&mut self, attributes: Vec<Attribute>) -> Result<VerifierOutput, Failure> {
        self.server_batch(BatchType::Sdata, attributes)
    }

    fn server_batch(&mut self, batch_type: BatchType, attributes: Vec<Attribute>) -> Result<VerifierOutput, Failure> {
        let pa = self.pa_ids;
        self.pa_ids += 1;
        let message = pb_pa(pa, attributes, true).map_err(|e| self.local(e))?;
        let bytes = batch(&mut self.ids, true, batch_type, vec![message]).map_err(|e| self.local(e))?;
        Ok(VerifierOutput::Send(bytes))
    }

    fn result(&mut self, decision: &Decision) -> Result<VerifierOutput, Failure> {
        let (assessment, access) = if decision.compliant {
            (AssessmentResult::Compliant, AccessRecommendation::Allowed)
        } else {
            (AssessmentResult::MajorNonCompliance, AccessRecommendation::NoAccess)
        };
        let failures: Vec<&str> = decision.outcomes.iter().filter_map(|o| o.remediation.as_deref()).collect();
        let reason = if decision.compliant {
            "compliant: every Host Checker rule passed".to_owned()
        } else {
            format!("not compliant: {} check(s) failed", failures.len())
        };
        let mut pa_attributes = vec![Attribute::AssessmentResult(assessment)];
        pa_attributes.extend(failures.iter().map(|text| {
            Attribute::RemediationInstructions(RemediationParameters::Text {
                text: (*text).to_owned(),
                language: "en".into(),
            })
        }));
        let pa = self.pa_ids;
        self.pa_ids += 1;
        let mut messages = vec![
            pb_pa(pa, pa_attributes, true).map_err(|e| self.local(e))?,
            PbMessage::AssessmentResult(assessment),
            PbMessage::AccessRecommendation(access),
            PbMessage::ReasonString { reason, language: "en".into() },
        ];
        if !failures.is_empty() {
            messages.push(PbMessage::RemediationParameters(RemediationParameters::Text {
                text: failures.join("\n"),
                language: "en".into(),
            }));
        }
        let bytes = batch(&mut self.ids, true, BatchType::Result, messages).map_err(|e| self.local(e))?;
        Ok(VerifierOutput::Send(bytes))
    }

    fn send(&mut self, body: PtTlsBody) -> Result<VerifierOutput, Failure> {
        pt_tls(&mut self.ids, body).map(VerifierOutput::Send).map_err(|e| self.local(e))
    }

    fn local(&self, e: WireError) -> Failure {
        Failure { reply: None, reason: format!("cannot build a reply: {e}") }
    }

    fn pt_error(&mut self, code: ErrorCode, original: &[u8], reason: String) -> Failure {
        // RFC 6876: a copy of the offending message, bounded here to its header.
        let copy = original[..original.len().min(16)].to_vec();
        let reply =
            pt_tls(&mut self.ids, PtTlsBody::Error { vendor_id: PEN_IETF, code: code as u32, original: copy }).ok();
        Failure { reply, reason }
    }

    fn pb_error(&mut self, code: u16, offset: u32, reason: String) -> Failure {
        let error =
            PbMessage::Error(PbError { fatal: true, vendor_id: PEN_IETF, code, detail: PbErrorDetail::Offset(offset) });
        let reply = batch(&mut self.ids, true, BatchType::Close, vec![error]).ok();
        Failure { reply, reason }
    }
}

/// Why a session failed, and the error message to send first.
struct Failure {
    reply: Option<Vec<u8>>,
    reason: String,
}
