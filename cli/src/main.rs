//! `fieldcase`: one program for the township office and for scripts. Output is JSON on
//! stdout; an error is one line on stderr and exit 2 (invalid input), 3 (refused, e.g. a
//! sealed record) or 1 (anything else).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fieldcase_core::calendar::Calendar;
use fieldcase_core::model::RiskLevel;
use fieldcase_core::{Error, ErrorKind, Kind, LedgerQuery, Record, Role, Store};
use serde_json::{json, Value};

#[derive(Parser)]
#[command(
    name = "fieldcase",
    version,
    about = "Offline case records for wage-arrears inspectors, grid assistants and mediators"
)]
struct Cli {
    /// The store folder (made by `init`); its key lives in DIR/key, readable by you alone.
    #[arg(long, global = true, env = "FIELDCASE_STORE")]
    store: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Make a new store for one user on this device.
    Init {
        #[arg(long)]
        township: String,
        #[arg(long)]
        user: String,
        /// inspector, grid, mediator or office
        #[arg(long)]
        role: String,
    },
    /// Who this store belongs to, and how many records it holds.
    Whoami,
    /// The record kinds.
    Kinds,
    /// A complete, valid record of KIND, usable as input to `new`.
    Example { kind: String },
    /// The JSON Schema of KIND.
    Schema { kind: String },
    /// Create a record from JSON in FILE (or standard input with `-` or no FILE).
    New { kind: String, file: Option<PathBuf> },
    /// Show a record.
    Show { id: String },
    /// Change fields: PATH=VALUE, PATH dotted (parties.0.phone), VALUE JSON if it parses.
    Edit {
        id: String,
        #[arg(required = true)]
        edits: Vec<String>,
    },
    /// The ledger, sorted by deadline.
    List {
        kind: Option<String>,
        #[arg(long)]
        township: Option<String>,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        risk: Option<String>,
        #[arg(long)]
        responsible: Option<String>,
        #[arg(long)]
        overdue: bool,
        /// Only records due within N days (overdue ones included).
        #[arg(long)]
        due_within: Option<u32>,
    },
    /// Find records by names, company names, ID or phone numbers (two characters or more).
    Search {
        #[arg(required = true)]
        text: Vec<String>,
    },
    /// Sign a record: checks it fully and freezes it.
    Seal { id: String },
    /// Who changed a record, when, and which fields.
    History { id: String },
    /// Fields that two devices set to different values.
    Conflicts,
    /// Settle a conflict: PATH=VALUE replaces every conflicting value.
    Resolve { id: String, edit: String },
    /// Offline transfer by file.
    Bundle {
        #[command(subcommand)]
        action: BundleAction,
    },
    /// Attach a file (photo, audio, scan) to a record.
    Attach {
        id: String,
        file: PathBuf,
        #[arg(long)]
        purpose: Option<String>,
        #[arg(long, default_value = "application/octet-stream")]
        mime: String,
    },
    /// Write an attachment's content to OUT.
    Attachment { sha256: String, out: PathBuf },
    /// Changes refused because their record was already signed.
    Refused,
    /// Rebuild the ledger and search index from the documents.
    Reindex,
    /// Show the holiday calendar, or replace it from FILE ({"holidays": [...], "working_weekends": [...]}).
    Calendar { file: Option<PathBuf> },
    /// Run the township hub over this store (plain HTTP on loopback only).
    Serve {
        #[arg(long, default_value = "127.0.0.1:8440")]
        listen: String,
    },
    /// At the hub: make a one-time code for a new device.
    Enroll {
        #[arg(long)]
        township: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        user: String,
    },
    /// On a device: join the hub at URL with the office's one-time code (makes the store if needed).
    Join { url: String, code: String },
    /// Sync with the hub: send local changes, receive others', then attachments.
    Sync,
    /// At the hub: enrolled devices and their last sync.
    Devices,
    /// At the hub: revoke a device; its next request is refused.
    Revoke { device: String },
}

#[derive(Subcommand)]
enum BundleAction {
    /// Write every record (or, with --to, what that device is missing) to FILE.
    Export {
        file: PathBuf,
        /// Device id of the peer: include only changes it is not known to have.
        #[arg(long)]
        to: Option<String>,
    },
    /// Import a bundle, whole or not at all.
    Import { file: PathBuf },
}

fn fail(kind: ErrorKind, msg: impl std::fmt::Display) -> (ErrorKind, String) {
    (kind, msg.to_string())
}

fn from_core(e: Error) -> (ErrorKind, String) {
    (e.kind(), e.to_string())
}

type CliResult<T> = Result<T, (ErrorKind, String)>;

fn parse_kind(s: &str) -> CliResult<Kind> {
    s.parse().map_err(from_core)
}

fn key_path(dir: &Path) -> PathBuf {
    dir.join("key")
}

fn read_key(dir: &Path) -> CliResult<[u8; 32]> {
    let text = std::fs::read_to_string(key_path(dir)).map_err(|e| {
        fail(
            ErrorKind::Failed,
            format!(
                "cannot read the store key {}: {e} (is {} a store? run init)",
                key_path(dir).display(),
                dir.display()
            ),
        )
    })?;
    let bytes = hex::decode(text.trim()).map_err(|_| fail(ErrorKind::Failed, "the store key file is damaged"))?;
    bytes
        .try_into()
        .map_err(|_| fail(ErrorKind::Failed, "the store key file is damaged"))
}

fn write_key(dir: &Path) -> CliResult<[u8; 32]> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| fail(ErrorKind::Failed, e))?;
    std::fs::create_dir_all(dir).map_err(|e| fail(ErrorKind::Failed, format!("{}: {e}", dir.display())))?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(key_path(dir))
        .map_err(|e| {
            fail(
                ErrorKind::Failed,
                format!("{}: {e} (a store already exists here?)", key_path(dir).display()),
            )
        })?;
    f.write_all(hex::encode(key).as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| fail(ErrorKind::Failed, e))?;
    Ok(key)
}

fn open(dir: &Option<PathBuf>) -> CliResult<Store> {
    let dir = dir
        .as_ref()
        .ok_or_else(|| fail(ErrorKind::Invalid, "--store DIR is required for this command"))?;
    let key = read_key(dir)?;
    let store = Store::open(dir, &key).map_err(from_core)?;
    if let Ok(now) = std::env::var("FIELDCASE_NOW") {
        let t = chrono::DateTime::parse_from_rfc3339(&now)
            .map_err(|e| fail(ErrorKind::Invalid, format!("FIELDCASE_NOW: {e}")))?;
        store.set_now(Some(t.with_timezone(&chrono::Utc)));
    }
    Ok(store)
}

/// `PATH=VALUE`, VALUE read as JSON when it parses, else as a string.
fn parse_edit(s: &str) -> CliResult<(String, Value, String)> {
    let (path, raw) = s
        .split_once('=')
        .ok_or_else(|| fail(ErrorKind::Invalid, format!("'{s}' is not PATH=VALUE")))?;
    let value = serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()));
    Ok((path.trim().to_string(), value, raw.to_string()))
}

/// Applies edits; where a value parsed as a number or other JSON but the field wants text
/// (a phone number typed bare), retries with the text as given.
fn edit_with_fallback(
    parsed: Vec<(String, Value, String)>,
    apply: impl Fn(&[(String, Value)]) -> Result<Value, Error>,
) -> CliResult<Value> {
    let edits: Vec<(String, Value)> = parsed.iter().map(|(p, v, _)| (p.clone(), v.clone())).collect();
    match apply(&edits) {
        Err(e) if e.problems().iter().any(|p| p.rule == "type") => {
            let field = e.field().unwrap_or_default();
            let retry: Vec<(String, Value)> = parsed
                .iter()
                .map(|(p, v, raw)| {
                    if *p == field && !v.is_string() {
                        (p.clone(), Value::String(raw.clone()))
                    } else {
                        (p.clone(), v.clone())
                    }
                })
                .collect();
            if retry == edits {
                return Err(from_core(e));
            }
            apply(&retry).map_err(from_core)
        }
        r => r.map_err(from_core),
    }
}

fn read_input(file: &Option<PathBuf>) -> CliResult<String> {
    match file {
        Some(p) if p.as_os_str() != "-" => {
            std::fs::read_to_string(p).map_err(|e| fail(ErrorKind::Invalid, format!("{}: {e}", p.display())))
        }
        _ => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .map_err(|e| fail(ErrorKind::Failed, e))?;
            Ok(s)
        }
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn run(cli: Cli) -> CliResult<Value> {
    let store_dir = cli.store.clone();
    Ok(match cli.command {
        Command::Init { township, user, role } => {
            let dir = store_dir.ok_or_else(|| fail(ErrorKind::Invalid, "--store DIR is required"))?;
            let role: Role = role.parse().map_err(from_core)?;
            if dir.join("fieldcase.db").exists() {
                return Err(fail(
                    ErrorKind::Refused,
                    format!("{} already holds a store", dir.display()),
                ));
            }
            let key = write_key(&dir)?;
            let store = Store::create(&dir, &key, &township, &user, role).map_err(from_core)?;
            json!({"store": dir.display().to_string(), "identity": to_json(store.identity())})
        }
        Command::Whoami => {
            let store = open(&store_dir)?;
            json!({"identity": to_json(store.identity()), "records": store.count().map_err(from_core)?})
        }
        Command::Kinds => json!(Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()),
        Command::Example { kind } => Record::example(parse_kind(&kind)?).to_json(),
        Command::Schema { kind } => Record::json_schema(parse_kind(&kind)?),
        Command::New { kind, file } => {
            let kind = parse_kind(&kind)?;
            let text = read_input(&file)?;
            let value: Value =
                serde_json::from_str(&text).map_err(|e| fail(ErrorKind::Invalid, format!("input is not JSON: {e}")))?;
            let store = open(&store_dir)?;
            let saved = store.create_json(kind, value).map_err(from_core)?;
            if saved.warnings.is_empty() {
                json!({"id": saved.id})
            } else {
                json!({"id": saved.id, "warnings": saved.warnings})
            }
        }
        Command::Show { id } => {
            let store = open(&store_dir)?;
            let r = store.get(&id).map_err(from_core)?;
            let mut v = r.record.to_json();
            if let Value::Object(m) = &mut v {
                m.insert("id".into(), json!(r.id));
                m.insert("kind".into(), json!(r.kind));
                m.insert("sealed".into(), json!(r.seal.is_some()));
                if let Some(seal) = &r.seal {
                    m.insert("seal".into(), to_json(seal));
                }
                if let Some(med) = r.record.as_mediation() {
                    m.insert("effective".into(), json!(r.seal.is_some() && med.all_signed()));
                }
                m.insert("conflicts".into(), to_json(&r.conflicts));
                m.insert("created".into(), to_json(&r.created));
                m.insert("updated".into(), to_json(&r.updated));
                m.insert("deadline".into(), to_json(&r.deadline));
            }
            v
        }
        Command::Edit { id, edits } => {
            let parsed = edits.iter().map(|e| parse_edit(e)).collect::<CliResult<Vec<_>>>()?;
            let store = open(&store_dir)?;
            edit_with_fallback(parsed, |edits| {
                let saved = store.edit(&id, edits)?;
                Ok(if saved.warnings.is_empty() {
                    json!({"id": saved.id})
                } else {
                    json!({"id": saved.id, "warnings": saved.warnings})
                })
            })?
        }
        Command::List {
            kind,
            township,
            status,
            risk,
            responsible,
            overdue,
            due_within,
        } => {
            let risk = match risk.as_deref() {
                None => None,
                Some("high") => Some(RiskLevel::High),
                Some("medium") => Some(RiskLevel::Medium),
                Some("low") => Some(RiskLevel::Low),
                Some(r) => {
                    return Err(fail(
                        ErrorKind::Invalid,
                        format!("--risk {r}: risk is high, medium or low"),
                    ))
                }
            };
            let q = LedgerQuery {
                kind: kind.as_deref().map(parse_kind).transpose()?,
                township,
                status,
                risk,
                responsible,
                overdue,
                due_within_days: due_within,
                limit: None,
            };
            let store = open(&store_dir)?;
            to_json(&store.list(&q).map_err(from_core)?)
        }
        Command::Search { text } => {
            let store = open(&store_dir)?;
            to_json(&store.search(&text.join(" "), 100).map_err(from_core)?)
        }
        Command::Seal { id } => {
            let store = open(&store_dir)?;
            let s = store.seal(&id).map_err(from_core)?;
            json!({"id": id, "seal": to_json(&s)})
        }
        Command::History { id } => to_json(&open(&store_dir)?.history(&id).map_err(from_core)?),
        Command::Conflicts => to_json(&open(&store_dir)?.conflicts().map_err(from_core)?),
        Command::Resolve { id, edit } => {
            let parsed = parse_edit(&edit)?;
            let path = parsed.0.clone();
            let store = open(&store_dir)?;
            edit_with_fallback(vec![parsed], |edits| {
                store.resolve(&id, &edits[0].0, edits[0].1.clone())?;
                Ok(json!({"id": id, "resolved": path}))
            })?
        }
        Command::Bundle {
            action: BundleAction::Export { file, to },
        } => {
            let store = open(&store_dir)?;
            let (bytes, summary) = store.export_bundle(to.as_deref()).map_err(from_core)?;
            let tmp = file.with_extension("part");
            std::fs::write(&tmp, &bytes)
                .and_then(|_| std::fs::rename(&tmp, &file))
                .map_err(|e| fail(ErrorKind::Failed, format!("{}: {e}", file.display())))?;
            json!({"file": file.display().to_string(), "records": summary.records, "bytes": summary.bytes, "to": summary.to, "from_device": store.identity().device})
        }
        Command::Bundle {
            action: BundleAction::Import { file },
        } => {
            let bytes =
                std::fs::read(&file).map_err(|e| fail(ErrorKind::Invalid, format!("{}: {e}", file.display())))?;
            let store = open(&store_dir)?;
            to_json(&store.import_bundle(&bytes).map_err(from_core)?)
        }
        Command::Attach {
            id,
            file,
            purpose,
            mime,
        } => {
            let bytes =
                std::fs::read(&file).map_err(|e| fail(ErrorKind::Invalid, format!("{}: {e}", file.display())))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let store = open(&store_dir)?;
            to_json(
                &store
                    .attach(&id, &bytes, &name, &mime, purpose.as_deref())
                    .map_err(from_core)?,
            )
        }
        Command::Attachment { sha256, out } => {
            let store = open(&store_dir)?;
            let bytes = store.attachment(&sha256).map_err(from_core)?;
            std::fs::write(&out, &bytes).map_err(|e| fail(ErrorKind::Failed, format!("{}: {e}", out.display())))?;
            json!({"file": out.display().to_string(), "bytes": bytes.len()})
        }
        Command::Refused => to_json(&open(&store_dir)?.refused_changes().map_err(from_core)?),
        Command::Reindex => {
            json!({"indexed": open(&store_dir)?.rebuild_index().map_err(from_core)?})
        }
        Command::Calendar { file } => {
            let store = open(&store_dir)?;
            if let Some(f) = file {
                let text = read_input(&Some(f))?;
                let cal: Calendar =
                    serde_json::from_str(&text).map_err(|e| fail(ErrorKind::Invalid, format!("calendar: {e}")))?;
                store.set_calendar(cal).map_err(from_core)?;
            }
            to_json(&store.calendar())
        }
        Command::Serve { listen } => {
            let addr: std::net::SocketAddr = listen
                .parse()
                .map_err(|e| fail(ErrorKind::Invalid, format!("--listen {listen}: {e}")))?;
            let store = open(&store_dir)?;
            fieldcase_hub::run(store, addr, |bound| {
                println!(
                    "{}",
                    json!({"listening": bound.to_string(), "url": format!("http://{bound}/")})
                );
                use std::io::Write;
                let _ = std::io::stdout().flush();
            })
            .map_err(from_core)?;
            json!({"stopped": true})
        }
        Command::Enroll { township, role, user } => {
            let role: Role = role.parse().map_err(from_core)?;
            to_json(&open(&store_dir)?.enroll(&township, role, &user).map_err(from_core)?)
        }
        Command::Join { url, code } => {
            let dir = store_dir.ok_or_else(|| fail(ErrorKind::Invalid, "--store DIR is required"))?;
            let (link, joined) = Store::redeem_at(&url, &code).map_err(from_core)?;
            let store = if dir.join("fieldcase.db").exists() {
                open(&Some(dir.clone()))?
            } else {
                let key = write_key(&dir)?;
                Store::create(&dir, &key, &joined.township, &joined.user, joined.role).map_err(from_core)?
            };
            store.attach_hub(&link, &joined).map_err(from_core)?;
            json!({"device": joined.device, "hub": link.url, "township": joined.township, "role": joined.role, "user": joined.user})
        }
        Command::Sync => {
            let store = open(&store_dir)?;
            use std::io::IsTerminal;
            let tty = std::io::stderr().is_terminal();
            let progress = print_progress;
            let opts = fieldcase_core::sync::SyncOptions {
                progress: tty.then_some(&progress as &(dyn Fn(&fieldcase_core::sync::Progress) + Sync)),
                cancel: None,
            };
            let report = store.sync(&opts).map_err(from_core)?;
            if tty {
                eprintln!();
            }
            to_json(&report)
        }
        Command::Devices => to_json(&open(&store_dir)?.devices().map_err(from_core)?),
        Command::Revoke { device } => to_json(&open(&store_dir)?.revoke(&device).map_err(from_core)?),
    })
}

fn print_progress(p: &fieldcase_core::sync::Progress) {
    eprint!("\r{} {}/{}   ", p.phase, p.done, p.total);
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(v) => {
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Err((kind, msg)) => {
            eprintln!("fieldcase: {}", msg.replace('\n', " "));
            ExitCode::from(match kind {
                ErrorKind::Invalid => 2,
                ErrorKind::Refused => 3,
                ErrorKind::NotFound | ErrorKind::Unauthorised | ErrorKind::Network | ErrorKind::Failed => 1,
            })
        }
    }
}
