//! The device's half of a sync session, as a state machine with no socket, thread or clock
//! inside (sans-IO). `SyncSession::next_request` says what to send; the transport sends it and
//! hands the answer back piece by piece (`ResponseSink`): the status, then the body's bytes as
//! they arrive. Records frames are applied as each completes, each with its cursor in one
//! transaction, so a cut stream keeps what arrived and the next session resumes after it.
//! Attachments follow, one at a time, in resumable chunks; one failing never stops the others.
//!
//! Transports live outside the core: reqwest (with the hub's certificate pinned) for the
//! command line, OkHttp on Android, URLSession on iOS, an in-memory hub in the simulation.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::hub::{JoinRequest, Joined};
use super::wire::{Frame, RefusalCode, SyncRequest};
use crate::error::{Error, Result};
use crate::store::feed::SyncState;
use crate::store::{Store, TransferState};

/// Chunk size for attachments: small enough to get through on a weak link.
pub const ATTACHMENT_CHUNK: u64 = 256 * 1024;
/// Largest error text or JSON answer a session keeps of a response.
const MAX_SMALL_BODY: usize = 2 << 20;

/// The hub this store syncs with (kept by the store's feed, which sync reads through).
pub use crate::store::feed::HubLink;

/// Where a long sync stands, for a progress bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct Progress {
    pub phase: SyncPhase,
    pub done: i64,
    pub total: i64,
}

/// What a sync is moving: the records first, then the attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum SyncPhase {
    Records,
    Attachments,
}

impl std::fmt::Display for SyncPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SyncPhase::Records => "records",
            SyncPhase::Attachments => "attachments",
        })
    }
}

#[derive(Default)]
pub struct SyncOptions<'a> {
    pub progress: Option<&'a (dyn Fn(&Progress) + Sync)>,
    /// Set it to stop at the next frame or chunk; what arrived stays.
    pub cancel: Option<&'a AtomicBool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct RefusedRecord {
    pub id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct FailedAttachment {
    pub sha256: String,
    pub error: String,
}

/// Where a device stands with its hub, for the sync screen.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SyncStatus {
    /// The hub's address; none before the device joined.
    pub hub: Option<String>,
    /// When the hub last confirmed this device's changes.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Records with changes made here that the hub has not confirmed yet.
    pub waiting: i64,
    /// Open conflicts to resolve.
    pub conflicts: i64,
}

/// What one sync session did.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct SyncReport {
    /// Requests for records (attachments are counted apart): 1, or 2 when the hub had been
    /// restored from a backup and everything was sent again.
    pub round_trips: i32,
    /// Body bytes sent and received.
    pub bytes_up: i64,
    pub bytes_down: i64,
    pub records_sent: i64,
    pub records_received: i64,
    pub refused: Vec<RefusedRecord>,
    pub attachment_requests: i32,
    pub attachments_sent: i64,
    pub attachments_received: i64,
    pub attachments_failed: Vec<FailedAttachment>,
    /// Open conflicts after the session.
    pub conflicts: i64,
    pub cursor: i64,
    /// The hub had been restored from an older backup: this device sent it everything again.
    pub hub_restored: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Enum))]
pub enum Method {
    Get,
    Post,
    Put,
}

/// One request to the hub: the transport adds the hub's address and sends it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct HubRequest {
    pub method: Method,
    /// Relative to the hub's address, e.g. `v1/sync`.
    pub path: String,
    /// `Bearer TOKEN`, except for joining.
    pub authorization: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Where a transport puts the answer: the status first, then the body as it arrives. An
/// error returned from `data` (a cancel, a damaged frame) tells the transport to stop.
pub trait ResponseSink {
    fn status(&mut self, code: u16) -> Result<()>;
    fn data(&mut self, bytes: &[u8]) -> Result<()>;
}

/// Sends requests to the hub. Errors of the network itself are `Error::Network`.
pub trait HubTransport {
    fn send(&self, request: &HubRequest, response: &mut dyn ResponseSink) -> Result<()>;
}

/// A link in the office's QR code or message: `fieldcase://join?hub=URL&code=CODE&pin=SHA256`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JoinLink {
    pub hub: String,
    pub code: String,
    pub pin: Option<String>,
}

impl JoinLink {
    pub fn parse(s: &str) -> Result<JoinLink> {
        let bad = || {
            Error::invalid(
                "link",
                "join_link",
                "a join link reads fieldcase://join?hub=URL&code=CODE&pin=SHA256",
            )
        };
        let query = s.trim().strip_prefix("fieldcase://join?").ok_or_else(bad)?;
        let mut link = JoinLink {
            hub: String::new(),
            code: String::new(),
            pin: None,
        };
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').ok_or_else(bad)?;
            let v = url::form_urlencoded::parse(format!("v={v}").as_bytes())
                .next()
                .map(|(_, v)| v.to_string())
                .unwrap_or_default();
            match k {
                "hub" => link.hub = v,
                "code" => link.code = v,
                "pin" => link.pin = Some(v.to_lowercase()),
                _ => {}
            }
        }
        if link.hub.is_empty() || link.code.is_empty() {
            return Err(bad());
        }
        if let Some(pin) = &link.pin {
            crate::validate::check_sha256(pin)
                .map_err(|_| Error::invalid("pin", "pin", "the pin is the certificate's SHA-256 (64 hex digits)"))?;
        }
        check_hub_url(&link.hub)?;
        Ok(link)
    }

    pub fn to_uri(&self) -> String {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let mut uri = format!("fieldcase://join?hub={}&code={}", enc(&self.hub), enc(&self.code));
        if let Some(pin) = &self.pin {
            uri.push_str(&format!("&pin={pin}"));
        }
        uri
    }
}

/// Plain http only to this machine; anything else is https.
pub fn check_hub_url(u: &str) -> Result<url::Url> {
    let url = url::Url::parse(u).map_err(|e| Error::invalid("url", "url", format!("'{u}' is not a URL ({e})")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Ipv4(a)) => a.is_loopback(),
                Some(url::Host::Ipv6(a)) => a.is_loopback(),
                Some(url::Host::Domain(d)) => d == "localhost",
                None => false,
            };
            if loopback {
                Ok(url)
            } else {
                Err(Error::invalid(
                    "url",
                    "tls_required",
                    "plain http is only for this machine (127.0.0.1); use https",
                ))
            }
        }
        s => Err(Error::invalid("url", "url", format!("'{s}' is not http or https"))),
    }
}

/// Turns a hub's refusal (status and text) into the matching error.
pub fn hub_error(status: u16, body: &[u8]) -> Error {
    let text = String::from_utf8_lossy(body).trim().to_string();
    let text = text.strip_prefix("not allowed: ").unwrap_or(&text).to_string();
    let msg = if text.is_empty() {
        format!("the hub answered {status}")
    } else {
        text
    };
    match status {
        401 | 403 => Error::Unauthorised(msg),
        400 | 413 | 422 => Error::invalid("body", "hub_refused", msg),
        404 => Error::NotFound {
            what: "thing at the hub",
            id: msg,
        },
        409 => Error::Rule(vec![crate::validate::Problem::new(
            "",
            "hub_refused",
            msg,
            crate::validate::Severity::Error,
        )]),
        _ => Error::Network(format!("the hub answered {status}: {msg}")),
    }
}

/// One attachment to move, and where its transfer stands.
#[derive(Debug, Clone)]
enum Job {
    /// Send: ask where the hub stands, then put chunks from `offset`.
    Send {
        sha: String,
        size: u64,
        offset: Option<u64>,
    },
    /// Fetch: ask where the hub stands, then get chunks from where this store stands.
    Fetch { sha: String, size: u64, asked: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    Records,
    Attachments,
    Done,
}

/// What the current request was for, to read its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Frames,
    AttachmentState,
    AttachmentPut,
    AttachmentData,
}

pub struct SyncSession<'s> {
    store: &'s Store,
    opts: &'s SyncOptions<'s>,
    link: HubLink,
    phase: Phase,
    report: SyncReport,
    state: SyncState,
    through: i64,
    // The answer being read.
    expect: Expect,
    status: Option<u16>,
    small: Vec<u8>,
    decoder: Option<brotli::DecompressorWriter<Vec<u8>>>,
    pending: Vec<u8>,
    ended: bool,
    restart: Option<String>,
    total: u64,
    // Attachments.
    jobs: VecDeque<Job>,
    jobs_total: u64,
    jobs_done: u64,
}

fn bad_frames(e: impl std::fmt::Display) -> Error {
    Error::invalid("body", "sync_message", format!("the hub's answer is damaged ({e})"))
}

impl<'s> SyncSession<'s> {
    pub fn new(store: &'s Store, opts: &'s SyncOptions<'s>) -> Result<SyncSession<'s>> {
        let link = store
            .hub_link()?
            .ok_or_else(|| Error::invalid("hub", "joined", "this store has not joined a hub (fieldcase join LINK)"))?;
        Ok(SyncSession {
            state: store.sync_state()?,
            store,
            opts,
            link,
            phase: Phase::Start,
            report: SyncReport::default(),
            through: 0,
            expect: Expect::Frames,
            status: None,
            small: vec![],
            decoder: None,
            pending: vec![],
            ended: false,
            restart: None,
            total: 0,
            jobs: VecDeque::new(),
            jobs_total: 0,
            jobs_done: 0,
        })
    }

    fn cancelled(&self) -> bool {
        self.opts.cancel.is_some_and(|c| c.load(Ordering::Relaxed))
    }

    fn progress(&self, phase: SyncPhase, done: impl TryInto<i64>, total: impl TryInto<i64>) {
        if let Some(p) = self.opts.progress {
            p(&Progress {
                phase,
                done: done.try_into().unwrap_or(i64::MAX),
                total: total.try_into().unwrap_or(i64::MAX),
            });
        }
    }

    fn request(&self, method: Method, path: String, body: Vec<u8>, content_type: Option<&str>) -> HubRequest {
        HubRequest {
            method,
            path,
            authorization: Some(format!("Bearer {}", self.link.token)),
            content_type: content_type.map(str::to_string),
            body,
        }
    }

    /// What to send next; `None` when the session is over.
    pub fn next_request(&mut self) -> Result<Option<HubRequest>> {
        if self.cancelled() && self.phase != Phase::Done {
            return Err(Error::Cancelled);
        }
        self.status = None;
        self.small.clear();
        match self.phase {
            Phase::Start => {
                self.state = self.store.sync_state()?;
                let out = self.store.outgoing(&self.state)?;
                self.through = out.through;
                self.report.records_sent += out.uploads.len() as i64;
                let req = SyncRequest {
                    epoch: self.state.epoch.clone(),
                    cursor: self.state.cursor,
                    registry_seq: self.state.registry_seq,
                    uploads: out.uploads,
                    need: out.need,
                    attachments: out.attachments,
                    signatures: out.signatures,
                };
                let body = req.encode();
                self.report.bytes_up += body.len() as i64;
                self.report.round_trips += 1;
                self.phase = Phase::Records;
                self.expect = Expect::Frames;
                self.decoder = Some(brotli::DecompressorWriter::new(Vec::new(), 64 * 1024));
                self.pending.clear();
                self.ended = false;
                Ok(Some(self.request(
                    Method::Post,
                    "v1/sync".into(),
                    body,
                    Some("application/x-fieldcase-sync"),
                )))
            }
            Phase::Records => Err(Error::Internal("a records answer is still being read".into())),
            Phase::Attachments => loop {
                let Some(job) = self.jobs.front().cloned() else {
                    self.phase = Phase::Done;
                    return self.next_request();
                };
                let base = |sha: &str| format!("v1/attachments/{sha}");
                return Ok(Some(match job {
                    Job::Send { sha, offset: None, .. } | Job::Fetch { sha, asked: false, .. } => {
                        self.expect = Expect::AttachmentState;
                        self.report.attachment_requests += 1;
                        self.request(Method::Get, base(&sha), vec![], None)
                    }
                    Job::Send {
                        sha,
                        size,
                        offset: Some(offset),
                    } => {
                        let end = (offset + ATTACHMENT_CHUNK).min(size);
                        let data = match self.store.attachments().range(&sha, offset, end - offset) {
                            Ok(d) => d,
                            Err(e) => {
                                self.fail_job(e);
                                continue;
                            }
                        };
                        self.expect = Expect::AttachmentPut;
                        self.report.attachment_requests += 1;
                        self.report.bytes_up += data.len() as i64;
                        self.request(
                            Method::Put,
                            format!("{}?offset={offset}&size={size}", base(&sha)),
                            data,
                            Some("application/octet-stream"),
                        )
                    }
                    Job::Fetch { sha, .. } => {
                        let mine = self.store.attachments().received(&sha)?;
                        self.expect = Expect::AttachmentData;
                        self.report.attachment_requests += 1;
                        self.request(
                            Method::Get,
                            format!("{}/data?offset={}&len={ATTACHMENT_CHUNK}", base(&sha), mine.received),
                            vec![],
                            None,
                        )
                    }
                }));
            },
            Phase::Done => Ok(None),
        }
    }

    /// Reads complete frames from what has been decompressed so far, applying each.
    fn read_frames(&mut self) -> Result<()> {
        loop {
            // A cancel between frames stops before the next one is applied, not after it.
            if self.cancelled() {
                return Err(Error::Cancelled);
            }
            let mut input = &self.pending[..];
            let before = input.len();
            let frame = match Frame::read_from(&mut input) {
                Ok(Some(f)) => f,
                Ok(None) => return Ok(()),
                // Not all of the frame has arrived yet.
                Err(Error::Io(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            };
            let used = before - input.len();
            self.pending.drain(..used);
            self.take_frame(frame)?;
            if self.cancelled() {
                return Err(Error::Cancelled);
            }
        }
    }

    fn take_frame(&mut self, frame: Frame) -> Result<()> {
        match frame {
            Frame::Receipt {
                epoch,
                refused,
                attachments_wanted,
                registry,
                records_coming,
            } => {
                if !self.state.epoch.is_empty() && epoch != self.state.epoch && self.restart.is_none() {
                    self.restart = Some(epoch);
                    return Ok(());
                }
                self.total = records_coming;
                self.report
                    .refused
                    .extend(
                        refused
                            .iter()
                            .filter(|r| r.code == RefusalCode::Final)
                            .map(|r| RefusedRecord {
                                id: r.id.clone(),
                                reason: r.reason.clone(),
                            }),
                    );
                let wanted: Vec<String> = attachments_wanted.into_iter().map(|a| a.sha256).collect();
                self.store
                    .take_receipt(&epoch, self.through, &refused, &registry, &wanted)?;
            }
            Frame::Records { cursor_after, records } => {
                if self.restart.is_some() {
                    return Ok(());
                }
                self.store.apply_remote_batch(&records, cursor_after)?;
                self.report.records_received += records.len() as i64;
                self.progress(SyncPhase::Records, self.report.records_received, self.total);
            }
            Frame::End { cursor } => {
                self.ended = true;
                if self.restart.is_none() {
                    self.store.set_cursor(cursor)?;
                }
            }
        }
        Ok(())
    }

    /// The transport finished this request: `Ok` when the whole answer arrived, else how it
    /// failed.
    pub fn response_end(&mut self, sent: Result<()>) -> Result<()> {
        match self.expect {
            Expect::Frames => {
                if let Some(dec) = self.decoder.take() {
                    if sent.is_ok() && self.status == Some(200) {
                        match dec.into_inner() {
                            Ok(rest) => {
                                self.pending.extend(rest);
                                self.read_frames()?;
                            }
                            Err(_) => return Err(bad_frames("it does not end as a brotli stream")),
                        }
                    }
                }
                if let Err(e) = sent {
                    return Err(match e {
                        Error::Network(why) => Error::Network(format!(
                            "the connection was cut after {} records ({why}); the next sync resumes from there",
                            self.report.records_received
                        )),
                        e => e,
                    });
                }
                match self.status {
                    Some(200) => {}
                    Some(code) => return Err(hub_error(code, &self.small)),
                    None => return Err(Error::Network("the hub sent no answer".into())),
                }
                if !self.ended {
                    return Err(Error::Network(format!(
                        "the connection was cut after {} records (no end of session); the next sync resumes from there",
                        self.report.records_received
                    )));
                }
                if let Some(epoch) = self.restart.take() {
                    if self.report.hub_restored {
                        return Err(Error::Network("the hub changed its epoch twice in one session".into()));
                    }
                    // The hub was restored from a backup: send it everything, from scratch.
                    self.store.restart_with_hub(&epoch)?;
                    self.report.hub_restored = true;
                    self.phase = Phase::Start;
                    return Ok(());
                }
                let (send, fetch) = self.store.attachment_jobs()?;
                self.jobs = send
                    .into_iter()
                    .map(|(sha, size)| Job::Send {
                        sha,
                        size,
                        offset: None,
                    })
                    .chain(fetch.into_iter().map(|(sha, size)| Job::Fetch {
                        sha,
                        size,
                        asked: false,
                    }))
                    .collect();
                self.jobs_total = self.jobs.len() as u64;
                self.phase = Phase::Attachments;
                Ok(())
            }
            _ => {
                match (sent, self.status) {
                    (Err(Error::Cancelled), _) => return Err(Error::Cancelled),
                    (Err(e), _) => self.fail_job(e),
                    (Ok(()), Some(401)) => return Err(hub_error(401, &self.small)),
                    (Ok(()), Some(200)) => {
                        let body = std::mem::take(&mut self.small);
                        if let Err(e) = self.take_attachment_answer(&body) {
                            self.fail_job(e);
                        }
                    }
                    (Ok(()), Some(code)) => {
                        let e = hub_error(code, &self.small);
                        self.fail_job(e);
                    }
                    (Ok(()), None) => self.fail_job(Error::Network("the hub sent no answer".into())),
                }
                Ok(())
            }
        }
    }

    fn finish_job(&mut self) {
        if let Some(job) = self.jobs.pop_front() {
            match job {
                Job::Send { .. } => self.report.attachments_sent += 1,
                Job::Fetch { .. } => self.report.attachments_received += 1,
            }
        }
        self.jobs_done += 1;
        self.progress(SyncPhase::Attachments, self.jobs_done, self.jobs_total);
    }

    fn fail_job(&mut self, e: Error) {
        if let Some(job) = self.jobs.pop_front() {
            let sha = match job {
                Job::Send { sha, .. } | Job::Fetch { sha, .. } => sha,
            };
            self.report.attachments_failed.push(FailedAttachment {
                sha256: sha,
                error: e.to_string(),
            });
        }
        self.jobs_done += 1;
        self.progress(SyncPhase::Attachments, self.jobs_done, self.jobs_total);
    }

    fn take_attachment_answer(&mut self, body: &[u8]) -> Result<()> {
        let job = self
            .jobs
            .front_mut()
            .ok_or_else(|| Error::Internal("an attachment answer with no attachment".into()))?;
        let state = || serde_json::from_slice::<TransferState>(body).map_err(bad_frames);
        match (self.expect, job) {
            (Expect::AttachmentState | Expect::AttachmentPut, Job::Send { sha, size, offset }) => {
                let s = state()?;
                if s.complete {
                    // Only now, when the hub says it holds it whole, is it "at the hub".
                    let sha = sha.clone();
                    self.store.mark_at_hub(&sha)?;
                    self.finish_job();
                } else if s.received >= *size {
                    return Err(Error::Network(format!(
                        "attachment {sha}: the hub has all its bytes but not the attachment"
                    )));
                } else {
                    *offset = Some(s.received);
                }
            }
            (Expect::AttachmentState, Job::Fetch { sha, asked, size }) => {
                let s = state()?;
                if !s.complete {
                    return Err(Error::Network(format!("attachment {sha} has not reached the hub yet")));
                }
                *size = s.received;
                *asked = true;
            }
            (Expect::AttachmentData, Job::Fetch { sha, size, .. }) => {
                if body.is_empty() {
                    return Err(Error::Network(format!("attachment {sha}: the hub sent no data")));
                }
                let (sha, size) = (sha.clone(), *size);
                let mine = self.store.attachments().received(&sha)?;
                self.report.bytes_down += body.len() as i64;
                if self
                    .store
                    .attachments()
                    .chunk(&sha, size, mine.received, body)?
                    .complete
                {
                    self.store.mark_at_hub(&sha)?;
                    self.finish_job();
                }
            }
            _ => return Err(Error::Internal("an answer the session did not ask for".into())),
        }
        Ok(())
    }

    /// The session's report, once `next_request` returned `None`.
    pub fn finish(mut self) -> Result<SyncReport> {
        self.report.conflicts = self.store.conflicts()?.len() as i64;
        self.report.cursor = self.store.sync_state()?.cursor as i64;
        Ok(self.report)
    }
}

impl ResponseSink for SyncSession<'_> {
    fn status(&mut self, code: u16) -> Result<()> {
        self.status = Some(code);
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<()> {
        self.report.bytes_down += bytes.len() as i64;
        if self.expect != Expect::Frames || self.status != Some(200) {
            if self.small.len() + bytes.len() > MAX_SMALL_BODY {
                return Err(Error::Network("the hub's answer is larger than it may be".into()));
            }
            self.small.extend_from_slice(bytes);
            return Ok(());
        }
        let dec = self
            .decoder
            .as_mut()
            .ok_or_else(|| Error::Internal("records arrived after the session ended".into()))?;
        dec.write_all(bytes).map_err(bad_frames)?;
        dec.flush().map_err(bad_frames)?;
        let out = std::mem::take(dec.get_mut());
        self.pending.extend(out);
        if self.pending.len() as u64 > super::wire::MAX_FRAME_BYTES {
            return Err(bad_frames("a frame is too large"));
        }
        self.read_frames()
    }
}

impl Store {
    /// Joins; `me` (when given) must be of the enrolment's township, unless one is the office.
    fn join_as(
        &self,
        transport: &dyn HubTransport,
        url: &str,
        pin: Option<&str>,
        code: &str,
        me: Option<&crate::store::Identity>,
    ) -> Result<Joined> {
        check_hub_url(url)?;
        struct Answer {
            status: u16,
            body: Vec<u8>,
        }
        impl ResponseSink for Answer {
            fn status(&mut self, code: u16) -> Result<()> {
                self.status = code;
                Ok(())
            }
            fn data(&mut self, bytes: &[u8]) -> Result<()> {
                if self.body.len() + bytes.len() > MAX_SMALL_BODY {
                    return Err(Error::Network("the hub's answer is larger than it may be".into()));
                }
                self.body.extend_from_slice(bytes);
                Ok(())
            }
        }
        let mut answer = Answer {
            status: 0,
            body: vec![],
        };
        transport.send(&self.sync().join_request(code)?, &mut answer)?;
        if answer.status != 200 {
            return Err(hub_error(answer.status, &answer.body));
        }
        let joined: Joined = serde_json::from_slice(&answer.body)
            .map_err(|e| Error::Network(format!("the hub's answer to joining is malformed ({e})")))?;
        if let Some(me) = me {
            if joined.township != me.township
                && me.role != crate::store::Role::Office
                && joined.role != crate::store::Role::Office
            {
                return Err(Error::invalid(
                    "township",
                    "same_township",
                    format!(
                        "this store is for {} but the enrolment is for {}",
                        me.township, joined.township
                    ),
                ));
            }
        }
        self.link_hub(
            &HubLink {
                url: url.to_string(),
                device: joined.device.clone(),
                token: joined.token.clone(),
                pin: pin.map(str::to_string),
            },
            &joined.hub_public_key,
        )?;
        Ok(joined)
    }

    /// Makes a new store in `dir` by joining a hub: the township, user and role are the ones
    /// the office enrolled. If joining fails, nothing is left in `dir`.
    pub fn create_by_joining(
        dir: &std::path::Path,
        key: &[u8; 32],
        transport: &dyn HubTransport,
        url: &str,
        pin: Option<&str>,
        code: &str,
    ) -> Result<(Store, Joined)> {
        check_hub_url(url)?;
        let existed = dir.join(crate::store::DB_FILE).exists();
        let store = Store::create(dir, key, "(joining)", "(joining)", crate::store::Role::Grid)?;
        // The new store takes whatever township the enrolment is for.
        match store.join_as(transport, url, pin, code, None) {
            Ok(joined) => {
                let mut identity = store.identity().clone();
                identity.township = joined.township.clone();
                identity.user = joined.user.clone();
                identity.role = joined.role;
                store.set_identity(&identity)?;
                drop(store);
                Ok((Store::open(dir, key)?, joined))
            }
            Err(e) => {
                drop(store);
                if !existed {
                    crate::store::remove_store_files(dir);
                }
                Err(e)
            }
        }
    }
}

/// A store's sync with its hub: joining, the link, sessions.
pub struct SyncClient<'s>(&'s Store);

impl Store {
    /// Joining a hub and syncing with it.
    pub fn sync(&self) -> SyncClient<'_> {
        SyncClient(self)
    }
}

impl SyncClient<'_> {
    /// The hub this store syncs with, once joined.
    pub fn link(&self) -> Result<Option<HubLink>> {
        self.0.hub_link()
    }

    /// Where this device stands: joined to which hub, last synced when, what waits to go.
    pub fn status(&self) -> Result<SyncStatus> {
        let (last, waiting) = self.0.sync_standing()?;
        Ok(SyncStatus {
            hub: self.0.hub_link()?.map(|l| l.url),
            last_synced_at: last.and_then(DateTime::from_timestamp_millis),
            waiting: waiting as i64,
            conflicts: self.0.conflicts()?.len() as i64,
        })
    }

    /// One sync session with the hub through `transport`: send what it lacks, take what we
    /// lack, then attachments.
    pub fn run(&self, transport: &dyn HubTransport, opts: &SyncOptions<'_>) -> Result<SyncReport> {
        let mut session = SyncSession::new(self.0, opts)?;
        while let Some(req) = session.next_request()? {
            let sent = transport.send(&req, &mut session);
            session.response_end(sent)?;
        }
        session.finish()
    }

    /// Stops a sync that is applying what arrived: the frame under way rolls back whole; what
    /// was applied before it stays.
    pub fn interrupt(&self) {
        self.0.interrupt_apply()
    }

    /// The hub moved to another address (same hub, same certificate).
    pub fn set_hub_url(&self, url: &str) -> Result<()> {
        check_hub_url(url)?;
        let mut link = self
            .0
            .hub_link()?
            .ok_or_else(|| Error::invalid("hub", "joined", "this store has not joined a hub"))?;
        link.url = url.to_string();
        self.0.set_hub_link(&link)
    }

    /// The request that joins a hub with an enrolment code: it carries this store's actor
    /// and public key, which the hub puts in the registry.
    pub fn join_request(&self, code: &str) -> Result<HubRequest> {
        let body = serde_json::to_vec(&JoinRequest {
            code: code.trim().to_string(),
            device: self.0.identity().device.clone(),
            actor: self.0.actor_hex(),
            public_key: self.0.identity().public_key.clone(),
        })
        .map_err(|e| Error::Internal(e.to_string()))?;
        Ok(HubRequest {
            method: Method::Post,
            path: "v1/join".into(),
            authorization: None,
            content_type: Some("application/json".into()),
            body,
        })
    }

    /// Joins the hub at `url` (with its certificate `pin`) through `transport`. A store that
    /// holds no records yet takes the township, user and role the office enrolled; one that
    /// does must be of the same township.
    pub fn join(&self, transport: &dyn HubTransport, url: &str, pin: Option<&str>, code: &str) -> Result<Joined> {
        let me = self.0.identity().clone();
        self.0.join_as(transport, url, pin, code, Some(&me))
    }
}
