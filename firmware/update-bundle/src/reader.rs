//! The sans-IO streaming verifier: bytes in, in chunks of any size; verified events out.

use crate::error::BundleError;
use crate::header::{check_magic, decode_manifest, manifest_length};
use crate::limits::{MAGIC, MANIFEST_OFFSET, SIGNATURE_LEN};
use crate::manifest::Manifest;
use crate::part::Part;
use crate::trusted_keys::TrustedKeys;
use alloc::boxed::Box;
use alloc::vec::Vec;
use sha2::{Digest, Sha256};

/// Reads a bundle pushed to it in chunks, releasing payload bytes only after the signature verified.
///
/// Call [`BundleReader::feed`] with the unread input until it returns no event, read more, and
/// at the end of the input call [`BundleReader::finish`]: only its `Ok` accepts the bundle.
#[derive(Debug)]
pub struct BundleReader<'k> {
    trusted: &'k TrustedKeys,
    input_len: Option<u64>,
    offset: u64,
    state: State,
}

/// What one call of [`BundleReader::feed`] did.
#[derive(Debug, PartialEq, Eq)]
pub struct Step<'a> {
    /// How many bytes of the input it used; feed the rest again.
    pub consumed: usize,
    /// What happened; `None` when every byte was used and more input is needed.
    pub event: Option<Event<'a>>,
}

/// Something the reader verified or releases.
#[derive(Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// The manifest's signature verified with a trusted key and its content is within bounds.
    ManifestVerified(Manifest),
    /// Bytes of a payload, in order; they count only once [`Event::PayloadComplete`] comes.
    PayloadData {
        /// The payload's position in the manifest.
        index: usize,
        /// The bytes (a part of the input given to `feed`).
        data: &'a [u8],
    },
    /// Every byte of a payload arrived and they match the manifest's length and sha256.
    PayloadComplete {
        /// The payload's position in the manifest.
        index: usize,
    },
}

/// An accepted bundle, from [`BundleReader::finish`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verified {
    /// Its manifest.
    pub manifest: Manifest,
    /// Its length in bytes.
    pub bundle_len: u64,
}

#[derive(Debug)]
enum State {
    /// Collecting magic, manifest length, manifest and signature.
    Header(Vec<u8>),
    /// The manifest verified; streaming payloads.
    Body(Box<Body>),
    /// A refusal was returned.
    Failed,
}

#[derive(Debug)]
struct Body {
    manifest: Manifest,
    /// The payload being read; `manifest.payloads.len()` once all are complete.
    index: usize,
    /// Its bytes still to come; 0 when it awaits its check.
    remaining: u64,
    hasher: Sha256,
}

impl<'k> BundleReader<'k> {
    /// A reader that accepts bundles signed by one of `trusted`.
    pub fn new(trusted: &'k TrustedKeys) -> Self {
        Self { trusted, input_len: None, offset: 0, state: State::Header(Vec::new()) }
    }

    /// Also refuses the bundle, before releasing any payload byte, unless it is `len` bytes long
    /// (e.g. a file's size or an HTTP Content-Length).
    pub fn with_input_len(mut self, len: u64) -> Self {
        self.input_len = Some(len);
        self
    }

    /// How many bytes of the bundle were consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Reads from the start of `input`: see [`Step`]. After a refusal every call refuses.
    pub fn feed<'a>(&mut self, input: &'a [u8]) -> Result<Step<'a>, BundleError> {
        let result = match core::mem::replace(&mut self.state, State::Failed) {
            State::Header(header) => self.read_header(header, input),
            State::Body(body) => self.read_body(body, input),
            State::Failed => Err(BundleError::AlreadyFailed),
        };
        if result.is_err() {
            self.state = State::Failed;
        }
        result
    }

    /// Ends the input: the verified bundle, or why it is incomplete.
    pub fn finish(self) -> Result<Verified, BundleError> {
        let offset = self.offset;
        match self.state {
            State::Failed => Err(BundleError::AlreadyFailed),
            State::Header(header) => Err(truncated_header(&header, offset)),
            State::Body(body) => match body.manifest.payloads.get(body.index) {
                None => Ok(Verified { manifest: body.manifest, bundle_len: offset }),
                Some(_) if body.remaining == 0 => Err(BundleError::EventsPending),
                Some(entry) => Err(BundleError::Truncated {
                    part: Part::Payload { index: body.index, name: entry.name.clone() },
                    received: entry.length - body.remaining,
                    expected: entry.length,
                    offset,
                }),
            },
        }
    }

    fn read_header<'a>(&mut self, mut header: Vec<u8>, input: &'a [u8]) -> Result<Step<'a>, BundleError> {
        let mut used = 0;
        loop {
            let (target, complete) = header_target(&header)?;
            let take = (target - header.len()).min(input.len() - used);
            header.extend_from_slice(&input[used..used + take]);
            used += take;
            self.offset += take as u64;
            if header.len() <= MAGIC.len() {
                check_magic(&header)?;
            }
            if header.len() < target {
                self.state = State::Header(header);
                return Ok(Step { consumed: used, event: None });
            }
            if complete {
                let manifest = self.verify_header(&header)?;
                return Ok(Step { consumed: used, event: Some(Event::ManifestVerified(manifest)) });
            }
        }
    }

    /// Decodes the manifest, checks its signature, its bounds and the input length; starts the body.
    fn verify_header(&mut self, header: &[u8]) -> Result<Manifest, BundleError> {
        let signed_len = header.len() - SIGNATURE_LEN;
        let manifest = decode_manifest(&header[MANIFEST_OFFSET..signed_len])?;
        let key = self.trusted.get(manifest.key_id).ok_or(BundleError::UnknownKey { key_id: manifest.key_id })?;
        let mut signature = [0u8; SIGNATURE_LEN];
        signature.copy_from_slice(&header[signed_len..]);
        if !key.verify(&header[..signed_len], &signature) {
            return Err(BundleError::BadSignature { key_id: manifest.key_id });
        }
        manifest.validate()?;
        let expected = (header.len() as u64).saturating_add(manifest.payload_bytes());
        if let Some(actual) = self.input_len.filter(|actual| *actual != expected) {
            return Err(BundleError::WrongLength { expected, actual });
        }
        let remaining = manifest.payloads.first().map_or(0, |p| p.length);
        self.state =
            State::Body(Box::new(Body { manifest: manifest.clone(), index: 0, remaining, hasher: Sha256::new() }));
        Ok(manifest)
    }

    fn read_body<'a>(&mut self, mut body: Box<Body>, input: &'a [u8]) -> Result<Step<'a>, BundleError> {
        let Some(entry) = body.manifest.payloads.get(body.index) else {
            if !input.is_empty() {
                return Err(BundleError::TrailingBytes { offset: self.offset });
            }
            self.state = State::Body(body);
            return Ok(Step { consumed: 0, event: None });
        };
        if body.remaining == 0 {
            let actual: [u8; 32] = core::mem::take(&mut body.hasher).finalize().into();
            if actual != entry.sha256 {
                return Err(BundleError::PayloadHashMismatch {
                    index: body.index,
                    name: entry.name.clone(),
                    expected: entry.sha256,
                    actual,
                });
            }
            let index = body.index;
            body.index += 1;
            body.remaining = body.manifest.payloads.get(body.index).map_or(0, |p| p.length);
            self.state = State::Body(body);
            return Ok(Step { consumed: 0, event: Some(Event::PayloadComplete { index }) });
        }
        if input.is_empty() {
            self.state = State::Body(body);
            return Ok(Step { consumed: 0, event: None });
        }
        let take = usize::try_from(body.remaining).map_or(input.len(), |r| r.min(input.len()));
        let data = &input[..take];
        body.hasher.update(data);
        body.remaining -= take as u64;
        self.offset += take as u64;
        let index = body.index;
        self.state = State::Body(body);
        Ok(Step { consumed: take, event: Some(Event::PayloadData { index, data }) })
    }
}

/// How long the header will be once its next part is in, and whether that completes it.
fn header_target(header: &[u8]) -> Result<(usize, bool), BundleError> {
    if header.len() < MAGIC.len() {
        return Ok((MAGIC.len(), false));
    }
    if header.len() < MANIFEST_OFFSET {
        return Ok((MANIFEST_OFFSET, false));
    }
    let manifest_end = MANIFEST_OFFSET + manifest_length(&header[MAGIC.len()..MANIFEST_OFFSET])?;
    if header.len() < manifest_end {
        return Ok((manifest_end, false));
    }
    Ok((manifest_end + SIGNATURE_LEN, true))
}

/// The refusal for input that ended inside the header.
fn truncated_header(header: &[u8], offset: u64) -> BundleError {
    let (part, start, expected) = match header_target(header) {
        Ok((target, true)) => (Part::Signature, target - SIGNATURE_LEN, SIGNATURE_LEN),
        Ok((_, false)) if header.len() < MAGIC.len() => (Part::Magic, 0, MAGIC.len()),
        Ok((_, false)) if header.len() < MANIFEST_OFFSET => (Part::ManifestLength, MAGIC.len(), 4),
        Ok((target, false)) => (Part::Manifest, MANIFEST_OFFSET, target - MANIFEST_OFFSET),
        Err(e) => return e,
    };
    BundleError::Truncated { part, received: (header.len() - start) as u64, expected: expected as u64, offset }
}
