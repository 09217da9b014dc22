//! Phone to phone over TCP, for scripts and for trying it at a desk: `exchange --listen
//! HOST:PORT` shows the code a phone would show as a QR code and waits for one colleague;
//! `exchange --connect CODE` runs the session with it. Both print what came and went.

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use fieldcase_core::sync::peer::{exchange, PeerCode, PeerSession};
use fieldcase_core::ErrorKind;
use serde_json::Value;

use crate::show::to_json;
use crate::{fail, from_core, store, CliResult};

/// How long a stream may stay silent mid-session before the exchange gives up.
const QUIET: Duration = Duration::from_secs(60);

pub fn listen(dir: &Option<PathBuf>, at: &str, wait: u64) -> CliResult<Value> {
    let s = store::open(dir)?;
    let socket = TcpListener::bind(at).map_err(|e| fail(ErrorKind::Invalid, format!("--listen {at}: {e}")))?;
    let address = socket.local_addr().map_err(|e| fail(ErrorKind::Failed, e))?.to_string();
    let code = PeerCode::new(&address, None).map_err(from_core)?;
    // The code first, on a line of its own, so that a script (or a person) can pass it on.
    println!("{}", code.text());
    let _ = std::io::stdout().flush();
    socket.set_nonblocking(true).map_err(|e| fail(ErrorKind::Failed, e))?;
    let until = std::time::Instant::now() + Duration::from_secs(wait);
    let mut stream = loop {
        match socket.accept() {
            Ok((stream, _)) => break stream,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                if std::time::Instant::now() > until {
                    return Err(fail(
                        ErrorKind::Network,
                        format!("no colleague connected within {wait} s; nothing was exchanged"),
                    ));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => return Err(fail(ErrorKind::Network, e)),
        }
    };
    prepare(&stream)?;
    let session = PeerSession::listen(&s, code.key).map_err(from_core)?;
    said(exchange(session, &mut stream).map_err(from_core)?)
}

pub fn connect(dir: &Option<PathBuf>, text: &str) -> CliResult<Value> {
    let s = store::open(dir)?;
    let code = PeerCode::parse(text).map_err(from_core)?;
    let mut stream = TcpStream::connect(&code.address).map_err(|e| {
        fail(
            ErrorKind::Network,
            format!("cannot reach the other phone at {}: {e}", code.address),
        )
    })?;
    prepare(&stream)?;
    let session = PeerSession::connect(&s, code.key).map_err(from_core)?;
    said(exchange(session, &mut stream).map_err(from_core)?)
}

/// The summary as JSON, with the sentence both phones show.
fn said(summary: fieldcase_core::sync::peer::ExchangeSummary) -> CliResult<Value> {
    let mut v = to_json(&summary);
    v["said"] = Value::String(summary.in_chinese());
    Ok(v)
}

fn prepare(stream: &TcpStream) -> CliResult<()> {
    stream
        .set_nonblocking(false)
        .and_then(|_| stream.set_read_timeout(Some(QUIET)))
        .and_then(|_| stream.set_nodelay(true))
        .map_err(|e| fail(ErrorKind::Network, e))
}
