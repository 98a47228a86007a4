//! The collector (IMC and PB-TNC client) as a sans-IO state machine: it reports a
//! posture over PT-TLS, answers Attribute Requests (segmenting what exceeds the
//! contract's segment size) and takes the verifier's result.

use postern_tnc_wire::{
    Limits, PEN_IETF, RemediationParameters, WireError,
    pa::{Attribute, AttributeType, ForwardingEnabled, Package, Segmenter, ietf_type},
    pb::{AccessRecommendation, AssessmentResult, BatchRepr, BatchType, PbMessage},
    pt_tls::{PLAIN, PT_TLS_VERSION, PtTlsBody, PtTlsRepr, SASL_SUCCESS, SaslPlain},
};

use crate::exchange::{Ids, attributes, batch, pb_pa, pt_tls};

/// What the endpoint reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostureReport {
    /// Product name: the os-release `ID` on Linux.
    pub product: String,
    /// OS version: os-release `VERSION_ID`.
    pub version: String,
    /// Build: the kernel release.
    pub build: String,
    /// Configuration: the machine (`x86_64`).
    pub config: String,
    /// Installed packages.
    pub packages: Vec<Package>,
    /// IP forwarding.
    pub forwarding: ForwardingEnabled,
    /// Whether a factory default password is enabled; `None` when the endpoint cannot
    /// tell (the attribute is then not sent).
    pub default_password: Option<bool>,
}

impl PostureReport {
    fn attribute(&self, kind: AttributeType) -> Option<Attribute> {
        if kind.vendor_id != PEN_IETF {
            return None;
        }
        Some(match kind.kind {
            ietf_type::PRODUCT_INFORMATION => {
                Attribute::ProductInformation { vendor_id: 0, product_id: 0, name: self.product.clone() }
            }
            ietf_type::STRING_VERSION => Attribute::StringVersion {
                version: self.version.clone(),
                build: self.build.clone(),
                config: self.config.clone(),
            },
            ietf_type::INSTALLED_PACKAGES => Attribute::InstalledPackages(self.packages.clone()),
            ietf_type::FORWARDING_ENABLED => Attribute::ForwardingEnabled(self.forwarding),
            ietf_type::FACTORY_DEFAULT_PASSWORD_ENABLED => {
                Attribute::FactoryDefaultPasswordEnabled(self.default_password?)
            }
            _ => return None,
        })
    }
}

/// The verifier's verdict as the collector received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CollectorResult {
    /// PB-Assessment-Result.
    pub assessment: Option<AssessmentResult>,
    /// PB-Access-Recommendation.
    pub access: Option<AccessRecommendation>,
    /// PB-Reason-String.
    pub reason: Option<String>,
    /// Remediation Instructions (one per failed check).
    pub remediation: Vec<String>,
}

/// What the shell does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollectorOutput {
    /// Write these bytes (one PT-TLS message) to the verifier.
    Send(Vec<u8>),
    /// The verifier's result arrived.
    Result(CollectorResult),
    /// The exchange is over.
    Close,
    /// The exchange failed.
    Failed(String),
    /// The verifier asks for a new assessment (PB-TNC SRETRY): gather the endpoint's
    /// posture again and answer with [`Collector::answer_recheck`].
    Recheck,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Version,
    Sasl,
    /// PLAIN was selected; awaiting the SASL Result (or an empty challenge).
    SaslPending,
    Batches,
    Done,
}

/// One collector session.
pub struct Collector {
    report: PostureReport,
    limits: Limits,
    state: State,
    ids: Ids,
    pa_ids: u32,
    max_segment_size: Option<u32>,
    segmenters: Vec<Segmenter>,
    keep_open: bool,
    /// The attributes of an SRETRY awaiting a fresh report.
    recheck: Option<Vec<Attribute>>,
    /// SASL PLAIN credentials, used when the verifier offers PLAIN.
    sasl: Option<SaslPlain>,
    /// Whether SASL PLAIN succeeded in this session.
    sasl_authenticated: bool,
}

impl Collector {
    /// A session for `report`.
    pub fn new(report: PostureReport, limits: Limits) -> Self {
        Self {
            report,
            limits,
            state: State::Version,
            ids: Ids::default(),
            pa_ids: 0,
            max_segment_size: None,
            segmenters: Vec::new(),
            recheck: None,
            keep_open: false,
            sasl: None,
            sasl_authenticated: false,
        }
    }

    /// Authenticates as `user` with `password` (SASL PLAIN) when the verifier offers it.
    #[must_use]
    pub fn with_sasl_plain(mut self, user: String, password: Vec<u8>) -> Self {
        self.sasl = Some(SaslPlain { authzid: String::new(), authcid: user, password });
        self
    }

    /// Whether the verifier accepted the SASL PLAIN credentials in this session.
    pub fn sasl_authenticated(&self) -> bool {
        self.sasl_authenticated
    }

    /// Keeps the session open after a result instead of closing it, so that a change on
    /// the endpoint can ask for a new assessment with [`Self::retry`].
    #[must_use]
    pub fn keep_open(mut self) -> Self {
        self.keep_open = true;
        self
    }

    /// Whether the session stays open after a result.
    pub fn keeps_open(&self) -> bool {
        self.keep_open
    }

    /// The first message: the Version Request.
    pub fn start(&mut self) -> Result<Vec<u8>, WireError> {
        pt_tls(
            &mut self.ids,
            PtTlsBody::VersionRequest { min: PT_TLS_VERSION, max: PT_TLS_VERSION, preferred: PT_TLS_VERSION },
        )
    }

    /// The first batch after the SASL phase, and the one after a retry.
    fn first_batch(&mut self, batch_type: BatchType) -> Result<Vec<u8>, WireError> {
        let report = [ietf_type::PRODUCT_INFORMATION, ietf_type::STRING_VERSION]
            .iter()
            .filter_map(|kind| self.report.attribute(AttributeType { vendor_id: PEN_IETF, kind: *kind }))
            .collect();
        let mut messages = vec![PbMessage::LanguagePreference("Accept-Language: en".into())];
        if batch_type == BatchType::Cdata {
            messages.push(self.pa(report)?);
        }
        batch(&mut self.ids, false, batch_type, messages)
    }

    /// Asks the verifier for a new assessment (PB-TNC CRETRY), after a change on the
    /// endpoint; only once a result has arrived.
    pub fn retry(&mut self, report: PostureReport) -> Result<Vec<u8>, WireError> {
        self.report = report;
        self.segmenters.clear();
        self.first_batch(BatchType::Cretry)
    }

    /// Answers the verifier's SRETRY (after [`CollectorOutput::Recheck`]) with `report`,
    /// the endpoint's posture gathered again.
    pub fn answer_recheck(&mut self, report: PostureReport) -> Result<Vec<u8>, WireError> {
        self.report = report;
        self.segmenters.clear();
        let mut reply = Vec::new();
        for attribute in self.recheck.take().unwrap_or_default() {
            self.answer(attribute, &mut reply)?;
        }
        let message = self.pa(reply)?;
        batch(&mut self.ids, false, BatchType::Cdata, vec![message])
    }

    fn pa(&mut self, attributes: Vec<Attribute>) -> Result<PbMessage, WireError> {
        let id = self.pa_ids;
        self.pa_ids += 1;
        pb_pa(id, attributes, false)
    }

    /// Takes one whole PT-TLS message from the verifier.
    pub fn receive(&mut self, message: &[u8]) -> Vec<CollectorOutput> {
        match self.step(message) {
            Ok(out) => out,
            Err(reason) => {
                self.state = State::Done;
                vec![CollectorOutput::Failed(reason)]
            }
        }
    }

    fn step(&mut self, message: &[u8]) -> Result<Vec<CollectorOutput>, String> {
        let repr = PtTlsRepr::parse_bytes(message, &self.limits).map_err(|e| e.to_string())?;
        match (self.state, repr.body) {
            (State::Version, PtTlsBody::VersionResponse(v)) if v == PT_TLS_VERSION => {
                self.state = State::Sasl;
                Ok(Vec::new())
            }
            (State::Sasl, PtTlsBody::SaslMechanisms(mechanisms)) if mechanisms.is_empty() => {
                self.state = State::Batches;
                Ok(vec![CollectorOutput::Send(self.first_batch(BatchType::Cdata).map_err(|e| e.to_string())?)])
            }
            (State::Sasl, PtTlsBody::SaslMechanisms(mechanisms)) => self.select(&mechanisms),
            (State::SaslPending, PtTlsBody::SaslAuthenticationData(challenge)) if challenge.is_empty() => {
                let plain = self.sasl.as_ref().map(SaslPlain::to_bytes).transpose().map_err(|e| e.to_string())?;
                let data = PtTlsBody::SaslAuthenticationData(plain.unwrap_or_default());
                Ok(vec![CollectorOutput::Send(pt_tls(&mut self.ids, data).map_err(|e| e.to_string())?)])
            }
            (State::SaslPending, PtTlsBody::SaslResult { code, .. }) if code == SASL_SUCCESS => {
                self.sasl_authenticated = true;
                self.state = State::Sasl;
                Ok(Vec::new())
            }
            (State::SaslPending, PtTlsBody::SaslResult { code, .. }) => Err(format!(
                "the verifier refused SASL PLAIN for user {} (result {code}: unknown user or wrong password)",
                self.sasl.as_ref().map_or("", |p| p.authcid.as_str())
            )),
            (State::Batches, PtTlsBody::PbTncBatch(bytes)) => {
                let parsed = BatchRepr::parse_bytes(&bytes, &self.limits).map_err(|e| e.to_string())?;
                self.batch(&parsed).map_err(|e| e.to_string())
            }
            (_, PtTlsBody::Error { code, .. }) => Err(format!("the verifier sent PT-TLS error {code}")),
            (state, body) => Err(format!("unexpected {body:?} in state {state:?}")),
        }
    }

    /// Answers a non-empty SASL Mechanisms message with PLAIN and the credentials.
    fn select(&mut self, mechanisms: &[String]) -> Result<Vec<CollectorOutput>, String> {
        let offered = mechanisms.join(", ");
        let Some(plain) = &self.sasl else {
            return Err(format!("the verifier requires SASL authentication ({offered}); give a SASL user"));
        };
        if !mechanisms.iter().any(|m| m == PLAIN) {
            return Err(format!("the verifier offers SASL {offered}, not PLAIN"));
        }
        let initial = plain.to_bytes().map_err(|e| e.to_string())?;
        let selection = PtTlsBody::SaslMechanismSelection { mechanism: PLAIN.to_owned(), initial };
        self.state = State::SaslPending;
        Ok(vec![CollectorOutput::Send(pt_tls(&mut self.ids, selection).map_err(|e| e.to_string())?)])
    }

    fn batch(&mut self, batch: &BatchRepr) -> Result<Vec<CollectorOutput>, WireError> {
        match batch.batch_type {
            BatchType::Sretry => {
                self.recheck = Some(attributes(batch, &self.limits)?);
                Ok(vec![CollectorOutput::Recheck])
            }
            BatchType::Sdata => {
                let mut reply = Vec::new();
                for attribute in attributes(batch, &self.limits)? {
                    self.answer(attribute, &mut reply)?;
                }
                let message = self.pa(reply)?;
                Ok(vec![CollectorOutput::Send(super::exchange::batch(
                    &mut self.ids,
                    false,
                    BatchType::Cdata,
                    vec![message],
                )?)])
            }
            BatchType::Result => {
                let mut result = CollectorResult::default();
                for message in &batch.messages {
                    match message {
                        PbMessage::AssessmentResult(a) => result.assessment = Some(*a),
                        PbMessage::AccessRecommendation(a) => result.access = Some(*a),
                        PbMessage::ReasonString { reason, .. } => result.reason = Some(reason.clone()),
                        _ => {}
                    }
                }
                for attribute in attributes(batch, &self.limits)? {
                    if let Attribute::RemediationInstructions(RemediationParameters::Text { text, .. }) = attribute {
                        result.remediation.push(text);
                    }
                }
                if self.keep_open {
                    return Ok(vec![CollectorOutput::Result(result)]);
                }
                let close = super::exchange::batch(&mut self.ids, false, BatchType::Close, Vec::new())?;
                self.state = State::Done;
                Ok(vec![CollectorOutput::Result(result), CollectorOutput::Send(close), CollectorOutput::Close])
            }
            BatchType::Close => {
                self.state = State::Done;
                Ok(vec![CollectorOutput::Close])
            }
            other => Err(WireError::InvalidValue { what: "batch type from the verifier", value: other as u32 }),
        }
    }

    fn answer(&mut self, attribute: Attribute, reply: &mut Vec<Attribute>) -> Result<(), WireError> {
        match attribute {
            Attribute::MaxAttributeSize { request: true, max_attribute_size, max_segment_size } => {
                self.max_segment_size = Some(max_segment_size);
                reply.push(Attribute::MaxAttributeSize { request: false, max_attribute_size, max_segment_size });
            }
            Attribute::AttributeRequest(kinds) => {
                for kind in kinds {
                    let Some(answer) = self.report.attribute(kind) else {
                        continue;
                    };
                    let len = answer.to_bytes()?.len();
                    match self.max_segment_size {
                        Some(max) if len > max as usize => {
                            let base_id = (self.pa_ids << 8 | reply.len() as u32) & 0x00ff_ffff;
                            let mut segmenter = Segmenter::new(&answer, base_id, max)?;
                            reply.extend(segmenter.next_envelope());
                            self.segmenters.push(segmenter);
                        }
                        _ => reply.push(answer),
                    }
                }
            }
            Attribute::NextSegmentRequest { cancel, base_id } => {
                let Some(at) = self.segmenters.iter().position(|s| s.base_id() == base_id) else {
                    return Err(WireError::InvalidValue { what: "Next Segment Request base id", value: base_id });
                };
                if cancel {
                    self.segmenters.remove(at);
                } else {
                    reply.extend(self.segmenters[at].next_envelope());
                    if self.segmenters[at].is_done() {
                        self.segmenters.remove(at);
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
