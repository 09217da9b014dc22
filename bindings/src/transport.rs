//! How the app reaches the hub. The library has no HTTP stack: the app's transport (OkHttp on
//! Android, URLSession on iOS, with the hub's certificate pinned) sends each request the sync
//! session makes and hands the answer back as it arrives.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;

use fieldcase_core::sync::{self, HubRequest, ResponseSink};

use crate::error::FieldError;

/// The app's way to the hub. `send` sends `request` to the hub's address + `request.path` with
/// its method, headers and body, over HTTPS with the hub's certificate pinned (`pin`: SHA-256
/// of the certificate, hex), and hands the answer to `response`: `status` first, then the body
/// in pieces as they arrive. When `data` throws, stop reading and return. Network failures are
/// thrown as `FieldError.Network`. It is called on the library's threads, never the main one,
/// so it may block.
#[uniffi::export(with_foreign)]
pub trait HubTransport: Send + Sync {
    fn send(
        &self,
        hub: String,
        pin: Option<String>,
        request: HubRequest,
        response: Arc<HubResponse>,
    ) -> Result<(), FieldError>;
}

/// Where the app's transport puts the hub's answer.
#[derive(uniffi::Object)]
pub struct HubResponse {
    tx: SyncSender<Part>,
}

enum Part {
    Status(u16),
    Data(Vec<u8>),
    /// The app's `send` returned (the app may keep its `HubResponse` alive: this, not a
    /// dropped sender, ends the answer).
    End(Result<(), FieldError>),
}

#[uniffi::export]
impl HubResponse {
    /// The answer's HTTP status (100 to 599).
    pub fn status(&self, code: i32) -> Result<(), FieldError> {
        let code = u16::try_from(code)
            .ok()
            .filter(|c| (100..=599).contains(c))
            .ok_or_else(|| FieldError::Network {
                detail: format!("the app's transport gave {code}, which is not an HTTP status"),
            })?;
        self.tx.send(Part::Status(code)).map_err(|_| stopped())
    }

    /// A piece of the body. Throws when the session stopped (cancelled, or the answer was
    /// damaged): stop reading then.
    pub fn data(&self, bytes: Vec<u8>) -> Result<(), FieldError> {
        self.tx.send(Part::Data(bytes)).map_err(|_| stopped())
    }
}

fn stopped() -> FieldError {
    FieldError::Cancelled {
        detail: "the sync session stopped reading".into(),
    }
}

/// The app's transport as the core's sync session sees it: the app's `send` runs on a thread
/// of its own, and its pieces are read here as they come (a few in flight at most), so the
/// session applies frames while the rest is still arriving.
pub(crate) struct Foreign {
    pub transport: Arc<dyn HubTransport>,
    pub hub: String,
    pub pin: Option<String>,
}

impl sync::HubTransport for Foreign {
    fn send(&self, request: &HubRequest, response: &mut dyn ResponseSink) -> fieldcase_core::Result<()> {
        let (tx, rx) = sync_channel(4);
        let transport = self.transport.clone();
        let (hub, pin, request) = (self.hub.clone(), self.pin.clone(), request.clone());
        let sending = std::thread::Builder::new()
            .name("fieldcase-transport".into())
            .spawn(move || {
                let response = Arc::new(HubResponse { tx: tx.clone() });
                let sent = catch_unwind(AssertUnwindSafe(|| transport.send(hub, pin, request, response)))
                    .unwrap_or_else(|_| {
                        Err(FieldError::Internal {
                            detail: "the app's transport panicked".into(),
                        })
                    });
                // Fails only when the session stopped reading, which then knows why.
                let _ = tx.send(Part::End(sent));
            })
            .map_err(fieldcase_core::Error::Io)?;
        let mut outcome = Err(fieldcase_core::Error::Network(
            "the app's transport ended without an answer".into(),
        ));
        for part in rx.iter() {
            let r = match part {
                Part::Status(code) => response.status(code),
                Part::Data(bytes) => response.data(&bytes),
                Part::End(sent) => {
                    outcome = sent.map_err(fieldcase_core::Error::from);
                    break;
                }
            };
            if let Err(e) = r {
                outcome = Err(e);
                break;
            }
        }
        // A stopped session drops its end first: the app's next `data` throws and it returns.
        drop(rx);
        let _ = sending.join();
        outcome
    }
}
