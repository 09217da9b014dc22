//! Sync with the township hub. `wire` is the protocol's bytes, `hub` the hub's side (no HTTP
//! in it), `client` the device's session as a state machine over a transport the caller
//! provides. The protocol is described in `hub/PROTOCOL.md`. `qr` carries a bundle from one
//! phone's screen to another's camera when nothing else connects them.

pub mod client;
pub mod hub;
pub mod memory;
pub mod peer;
pub mod qr;
pub mod wire;

pub use client::{
    check_hub_url, hub_error, HubLink, HubRequest, HubTransport, JoinLink, Method, Progress, ResponseSink, SyncOptions,
    SyncPhase, SyncReport, SyncSession, SyncStatus, ATTACHMENT_CHUNK,
};
pub use hub::{Answer, Device, Enrolment, JoinRequest, Joined};
