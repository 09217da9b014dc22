//! Sync with the township hub over HTTP. `wire` is the protocol's bytes, `hub_side` the
//! hub's answer to a session (no HTTP in it), `client` the device's session. The protocol
//! is described in `hub/PROTOCOL.md`.

pub mod client;
pub mod hub_side;
pub mod wire;

pub use client::{HubLink, Progress, SyncOptions, SyncReport, ATTACHMENT_CHUNK};
pub use hub_side::{Device, Enrolment, Joined};
