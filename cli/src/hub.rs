//! The hub's commands: serve (HTTPS with the hub's own certificate, or plain HTTP on this
//! machine), enrol a device (the one-time code and the join link with the certificate's
//! fingerprint, also as a QR code), join, sync.

use std::path::PathBuf;

use fieldcase_core::sync::{JoinLink, Progress, SyncOptions};
use fieldcase_core::{ErrorKind, Role};
use fieldcase_hub::{HttpTransport, TlsIdentity};
use serde_json::{json, Value};

use crate::show::to_json;
use crate::{fail, from_core, store, CliResult};

/// Where `serve` last listened, so `enroll` can put it in the join link.
const SERVED_AT: &str = "served_at";

pub fn serve(
    dir: &Option<PathBuf>,
    listen: &str,
    plain: bool,
    mut names: Vec<String>,
    cert: Option<PathBuf>,
    key: Option<PathBuf>,
) -> CliResult<Value> {
    let addr: std::net::SocketAddr = listen
        .parse()
        .map_err(|e| fail(ErrorKind::Invalid, format!("--listen {listen}: {e}")))?;
    let s = store::open(dir)?;
    let tls = if plain {
        None
    } else {
        let read = |p: &PathBuf| {
            std::fs::read_to_string(p).map_err(|e| fail(ErrorKind::Invalid, format!("{}: {e}", p.display())))
        };
        Some(match (cert, key) {
            (Some(c), Some(k)) => {
                let id = TlsIdentity::from_pem(&read(&c)?, &read(&k)?).map_err(from_core)?;
                id.keep(&s).map_err(from_core)?;
                id
            }
            _ => {
                if !addr.ip().is_unspecified() {
                    names.push(addr.ip().to_string());
                }
                names.extend(["localhost".to_string(), "127.0.0.1".to_string()]);
                TlsIdentity::load_or_create(&s, &names).map_err(from_core)?
            }
        })
    };
    let pin = tls.as_ref().map(|t| t.fingerprint());
    fieldcase_hub::run(s, addr, tls, |bound| {
        let host = if bound.ip().is_unspecified() {
            std::net::SocketAddr::from(([127, 0, 0, 1], bound.port()))
        } else {
            bound
        };
        let url = format!("{}://{host}/", if pin.is_some() { "https" } else { "http" });
        if let Ok(s) = store::open(dir) {
            let _ = s.hub().set_secret(SERVED_AT, url.as_bytes());
        }
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let line = json!({"listening": bound.to_string(), "url": url, "tls": pin.is_some(), "certificate_sha256": pin});
        // Whoever started the hub may stop reading: the hub serves on regardless.
        let _ = writeln!(out, "{line}").and_then(|_| out.flush());
    })
    .map_err(from_core)?;
    Ok(json!({"stopped": true}))
}

/// A QR code of `text` drawn with Unicode half blocks, for a terminal.
fn qr_text(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build(),
    )
}

/// Adds a member of the office's staff (the password from FIELDCASE_OFFICE_PASSWORD, asked for
/// twice without echo on a terminal, or one line of standard input from a script).
pub fn office_user(dir: &Option<PathBuf>, user: &str, township: Option<&str>) -> CliResult<Value> {
    use std::io::IsTerminal;
    let password = match std::env::var("FIELDCASE_OFFICE_PASSWORD") {
        Ok(p) => p,
        Err(_) if std::io::stdin().is_terminal() => {
            let ask = |prompt: &str| {
                rpassword::prompt_password(prompt)
                    .map_err(|e| fail(ErrorKind::Failed, format!("cannot read the password: {e}")))
            };
            let first = ask(&format!("{user} 的密码（至少 10 个字符，输入时不显示）："))?;
            let again = ask("再输入一次：")?;
            if first != again {
                return Err(fail(
                    ErrorKind::Invalid,
                    "the two passwords differ; nothing was changed",
                ));
            }
            first
        }
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| fail(ErrorKind::Failed, format!("cannot read the password: {e}")))?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let s = store::open(dir)?;
    s.office().add_user(user, &password, township).map_err(from_core)?;
    Ok(serde_json::json!({
        "user": user,
        "township": township,
        "sees": township.unwrap_or("the whole district"),
        "login": "/office/login on the hub's address",
    }))
}

pub fn enroll(
    dir: &Option<PathBuf>,
    township: &str,
    role: &str,
    user: &str,
    hub_url: Option<String>,
) -> CliResult<Value> {
    let role: Role = role.parse().map_err(from_core)?;
    let s = store::open(dir)?;
    let enrolment = s.hub().enroll(township, role, user).map_err(from_core)?;
    let url = match hub_url {
        Some(u) => Some(u),
        None => s
            .hub()
            .secret(SERVED_AT)
            .map_err(from_core)?
            .map(|b| String::from_utf8_lossy(&b).to_string()),
    };
    let pin = TlsIdentity::kept(&s).map_err(from_core)?.map(|t| t.fingerprint());
    let mut out = to_json(&enrolment);
    if let Some(url) = url {
        let pin = if url.starts_with("https://") { pin } else { None };
        let link = JoinLink {
            hub: url,
            code: enrolment.code.clone(),
            pin,
        }
        .to_uri();
        if let Some(qr) = qr_text(&link) {
            eprintln!("{qr}");
        }
        out["link"] = json!(link);
    }
    Ok(out)
}

pub fn join(dir: &Option<PathBuf>, link: &str, code: Option<String>, pin: Option<String>) -> CliResult<Value> {
    let dir = store::required(dir)?.clone();
    let link = match code {
        Some(code) => JoinLink {
            hub: link.to_string(),
            code,
            pin: pin.map(|p| p.to_lowercase()),
        },
        None => JoinLink::parse(link).map_err(from_core)?,
    };
    let transport = HttpTransport::new(&link.hub, link.pin.as_deref()).map_err(from_core)?;
    let joined = if dir.join("fieldcase.db").exists() {
        let s = store::open(&Some(dir.clone()))?;
        s.sync()
            .join(&transport, &link.hub, link.pin.as_deref(), &link.code)
            .map_err(from_core)?
    } else {
        let key = store::write_key(&dir)?;
        let made = fieldcase_core::Store::create_by_joining(
            &dir,
            &key,
            &transport,
            &link.hub,
            link.pin.as_deref(),
            &link.code,
        );
        match made {
            Ok((_, joined)) => joined,
            Err(e) => {
                let _ = std::fs::remove_file(dir.join("key"));
                return Err(from_core(e));
            }
        }
    };
    Ok(
        json!({"device": joined.device, "hub": link.hub, "pinned": link.pin.is_some(), "township": joined.township, "role": joined.role, "user": joined.user}),
    )
}

fn print_progress(p: &Progress) {
    eprint!("\r{} {}/{}   ", p.phase, p.done, p.total);
}

pub fn sync(dir: &Option<PathBuf>) -> CliResult<Value> {
    let s = store::open(dir)?;
    use std::io::IsTerminal;
    let tty = std::io::stderr().is_terminal();
    let progress = print_progress;
    let opts = SyncOptions {
        progress: tty.then_some(&progress as &(dyn Fn(&Progress) + Sync)),
        cancel: None,
    };
    let transport = HttpTransport::for_store(&s).map_err(from_core)?;
    let report = s.sync().run(&transport, &opts).map_err(from_core)?;
    if tty {
        eprintln!();
    }
    Ok(to_json(&report))
}
