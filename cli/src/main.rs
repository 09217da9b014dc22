//! `fieldcase`: one program for the township office and for scripts. Output is JSON on
//! stdout; an error is one line on stderr and exit 2 (invalid input), 3 (refused by a rule,
//! e.g. a sealed record or a role that may not) or 1 (anything else).

mod edits;
mod exchange;
mod hub;
mod show;
mod store;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fieldcase_core::model::{AfterSeal, AfterSealNote, ArbitrationReview, Performance, RiskLevel, WorkCalendar};
use fieldcase_core::report::ZerosQuery;
use fieldcase_core::{Error, ErrorKind, Kind, LedgerQuery, Record, Role};
use serde_json::{json, Value};
use show::to_json;

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
    /// Errors as one JSON object on stderr (error, exit, message, and each problem's field,
    /// rule and message), for scripts.
    #[arg(long, global = true)]
    json_errors: bool,
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
    Example {
        /// employer, project, case, inspection, interview, incident, mediation or calendar
        kind: String,
    },
    /// The JSON Schema of KIND.
    Schema {
        /// employer, project, case, inspection, interview, incident, mediation or calendar
        kind: String,
    },
    /// Create a record from JSON in FILE (or standard input with `-` or no FILE). Money in fen
    /// (integer), dates YYYY-MM-DD, instants RFC 3339 (2026-03-30T08:00:00+08:00).
    New {
        /// employer, project, case, inspection, interview, incident, mediation or calendar
        kind: String,
        /// The record's JSON (`fieldcase example KIND` shows one); `-` for standard input
        file: Option<PathBuf>,
    },
    /// Show a record (times in Shanghai time).
    Show {
        /// The record's id (from `new`, `list` or `search`)
        id: String,
    },
    /// Change fields: PATH=VALUE, PATH dotted (parties.0.phone), VALUE JSON if it parses.
    Edit {
        /// The record's id
        id: String,
        /// PATH=VALUE, e.g. amount_owed_fen=1860000 (fen), filed_on=2026-03-30, workers.0.phone=13800138000
        #[arg(required = true)]
        edits: Vec<String>,
    },
    /// Close a case with its resolution (kind=paid_in_full on=2026-03-30 amount_paid_fen=...);
    /// the sign-off is this store's user, who must be the responsible person or the office.
    Close {
        /// The case's id
        id: String,
        /// kind=paid_in_full|mediated_agreement_performed|arbitration_award|court|fund_advance|transferred,
        /// on=YYYY-MM-DD, amount_paid_fen=N (fen), reference=..., note=...
        #[arg(required = true)]
        resolution: Vec<String>,
    },
    /// Record a hand-over of a case: to=arbitration|public_security|court_payment_order|department
    /// on=DATE receiving_body=... reference=... outcome=...
    Handover {
        /// The case's id
        id: String,
        /// to=..., on=YYYY-MM-DD, receiving_body=..., reference=..., outcome=...
        #[arg(required = true)]
        fields: Vec<String>,
    },
    /// After a mediation agreement is signed: its arbitration review (applied_on=DATE
    /// joint_application=true, or declined=true; outcome=confirmed|refused outcome_on=DATE).
    Review {
        /// The signed mediation's id
        id: String,
        /// applied_on=YYYY-MM-DD joint_application=true | declined=true, outcome=confirmed|refused, outcome_on=YYYY-MM-DD
        #[arg(required = true)]
        fields: Vec<String>,
    },
    /// After a mediation agreement is signed: whether it was performed (on=DATE
    /// result=paid_on_time|paid_late|partly_paid|not_paid amount_paid_fen=...).
    Performance {
        /// The signed mediation's id
        id: String,
        /// on=YYYY-MM-DD, result=paid_on_time|paid_late|partly_paid|not_paid, amount_paid_fen=N (fen)
        #[arg(required = true)]
        fields: Vec<String>,
    },
    /// A note on a signed record, e.g. naming the record that corrects it.
    Note {
        /// The signed record's id
        id: String,
        /// The note's text
        text: String,
        /// The id of the new record that corrects this one
        #[arg(long)]
        corrected_by: Option<String>,
    },
    /// The ledger, sorted by deadline.
    List {
        /// Only records of this kind (case, incident, ...)
        kind: Option<String>,
        /// Only this township's records
        #[arg(long)]
        township: Option<String>,
        /// Only this status: open, in_progress, closed (cases); reported, responding, handed_over (incidents); ...
        #[arg(long)]
        status: Option<String>,
        /// Only this risk level: high, medium or low
        #[arg(long)]
        risk: Option<String>,
        /// Only records this person is responsible for
        #[arg(long)]
        responsible: Option<String>,
        /// Only records past their deadline
        #[arg(long)]
        overdue: bool,
        /// Only records due by the end of the N-th day from today (overdue ones included).
        #[arg(long)]
        due_within: Option<u32>,
        /// Rows in the page (default 500, at most 10,000); in the ledger's order, by deadline.
        #[arg(long)]
        limit: Option<u32>,
        /// The next page: the rows after the row whose `cursor` this is.
        #[arg(long)]
        after: Option<String>,
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
    /// A sealed record with what a third party needs to verify it offline (docs/seals.md).
    ExportSealed { id: String },
    /// Verify an exported sealed record (FILE or - for standard input), as a third party
    /// would: content, signature, and the signer's entry signed by the hub's key.
    Verify {
        file: Option<PathBuf>,
        /// The hub's public key as the office published it.
        #[arg(long)]
        hub_key: Option<String>,
    },
    /// Fields two devices set to different values, and rules a merged record breaks.
    Conflicts,
    /// Settle a conflict: PATH=VALUE replaces every value there (choosing status=closed closes).
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
    /// The working calendar every device counts deadlines with.
    Calendar {
        #[command(subcommand)]
        action: CalendarAction,
    },
    /// Reports for the office.
    Report {
        #[command(subcommand)]
        report: ReportKind,
    },
    /// Run the township hub over this store: HTTPS with its own certificate (made on first
    /// start, or --cert/--key), or with --plain, HTTP on 127.0.0.1 only.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8440")]
        listen: String,
        /// Plain HTTP (loopback addresses only).
        #[arg(long)]
        plain: bool,
        /// Names phones reach the hub by (for a new certificate): host names or addresses.
        #[arg(long = "name")]
        names: Vec<String>,
        /// A certificate (PEM) to serve instead of the hub's own.
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
    },
    /// At the hub: make a one-time code for a new device, and the join link (with the hub's
    /// certificate fingerprint) a phone scans.
    Enroll {
        #[arg(long)]
        township: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        user: String,
        /// The hub's address as phones reach it (default: where `serve` last listened).
        #[arg(long)]
        hub_url: Option<String>,
    },
    /// At the hub: add a member of the office's staff who logs in to its pages (or give them a
    /// new password). The password is read from standard input (one line), or from
    /// FIELDCASE_OFFICE_PASSWORD; at least 10 characters. `--township` for a township's office,
    /// `--district` for the district's, which sees every township.
    OfficeUser {
        #[arg(long)]
        user: String,
        #[arg(long, conflicts_with = "district", required_unless_present = "district")]
        township: Option<String>,
        #[arg(long)]
        district: bool,
    },
    /// On a device: join a hub with the link from the office (fieldcase://join?...), or with
    /// URL CODE [--pin SHA256]; makes the store if needed.
    Join {
        link: String,
        code: Option<String>,
        #[arg(long)]
        pin: Option<String>,
    },
    /// Sync with the hub: send local changes, receive others', then attachments.
    Sync,
    /// Phone to phone with no network: `--listen HOST:PORT` prints a code (what a phone shows
    /// as a QR code) and waits for one colleague; `--connect CODE` runs the exchange with it.
    /// Both print the records sent and received by kind, and what was refused and why.
    Exchange {
        #[arg(long, conflicts_with = "connect")]
        listen: Option<String>,
        #[arg(long)]
        connect: Option<String>,
        /// Seconds a listener waits for its colleague.
        #[arg(long, default_value_t = 300)]
        wait: u64,
    },
    /// Copy the store to FILE while it is in use (the hub keeps serving): encrypted with the
    /// store's key, readable by you alone.
    Backup { file: PathBuf },
    /// Put a backup in place of this store (stop the hub first). Devices notice at their
    /// next sync and send the hub everything again, so nothing confirmed since is lost.
    Restore { file: PathBuf },
    /// Print a record as its paper document (询问笔录, 现场检查笔录 with its 责令改正指令书,
    /// 调解协议书, 快报, 结案报告) to OUT.pdf: A4, a sealed record with its seal's QR code on
    /// every page, a draft with 草稿 across each page.
    Document { id: String, out: PathBuf },
    /// Print case ID's whole case file (卷宗) to OUT.pdf: cover and contents, every linked
    /// record's document, the follow-ups and hand-overs, the closing report.
    Casefile { id: String, out: PathBuf },
    /// Check a printed page: the text of its QR code (as a scanner or `zbarimg -q --raw`
    /// reads it; `-` or none for standard input) against this store's device registry, offline.
    VerifyQr { text: Option<String> },
    /// Bring an office's existing ledger (台账) in from Excel, WPS or CSV (UTF-8 or GB18030):
    /// each open row becomes an employer (matched by USCC, else by name) and a case. Prints
    /// the rows, totals and every row's problems by line and column; writes all rows or none
    /// (exit 2 while any row has a problem that stops it); a second import changes nothing.
    ImportLedger {
        file: PathBuf,
        /// Check the file and list its problems, writing nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// At the hub: enrolled devices and their last sync.
    Devices,
    /// At the hub: revoke a device; its next request is refused.
    Revoke { device: String },
}

/// Bundles are encrypted with a passphrase the two people agree on: from a file, or from
/// FIELDCASE_BUNDLE_PASSPHRASE.
#[derive(clap::Args)]
struct Passphrase {
    /// A file holding the passphrase (its first line).
    #[arg(long)]
    passphrase_file: Option<PathBuf>,
}

impl Passphrase {
    fn read(&self) -> CliResult<String> {
        if let Some(f) = &self.passphrase_file {
            let text =
                std::fs::read_to_string(f).map_err(|e| fail(ErrorKind::Invalid, format!("{}: {e}", f.display())))?;
            return Ok(text.lines().next().unwrap_or_default().to_string());
        }
        std::env::var("FIELDCASE_BUNDLE_PASSPHRASE").map_err(|_| {
            fail(
                ErrorKind::Invalid,
                "a bundle is encrypted with a passphrase: give --passphrase-file FILE or set FIELDCASE_BUNDLE_PASSPHRASE",
            )
        })
    }
}

#[derive(Subcommand)]
enum BundleAction {
    /// Write every record (or, with --to, what that device is missing) to FILE, encrypted
    /// with the passphrase, readable by you alone.
    Export {
        file: PathBuf,
        /// Device id of the peer: include only changes it is not known to have.
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        passphrase: Passphrase,
    },
    /// Import a bundle, whole or not at all.
    Import {
        file: PathBuf,
        #[command(flatten)]
        passphrase: Passphrase,
    },
}

#[derive(Subcommand)]
enum CalendarAction {
    /// The calendar of YEAR (this year when none): days off, adjusted working days,
    /// campaign periods, and where it comes from (built in, or the office's record).
    Show { year: Option<i32> },
    /// The office sets a year's calendar from FILE (JSON: year, holidays, working_weekends,
    /// campaign_periods, monitoring_days, notice); unknown keys and contradictions are refused.
    Set { file: PathBuf },
}

#[derive(Subcommand)]
enum ReportKind {
    /// The three zeros: high-risk employers out of monitoring, each incident's response
    /// time, extreme acts by month.
    Zeros {
        #[arg(long)]
        township: Option<String>,
        #[arg(long)]
        from: Option<chrono::NaiveDate>,
        #[arg(long)]
        to: Option<chrono::NaiveDate>,
    },
}

/// A command that failed: what kind of failure (the exit code), its sentence, and each field
/// problem (field, rule, message) for `--json-errors`.
pub(crate) struct Failure {
    kind: ErrorKind,
    message: String,
    problems: Vec<fieldcase_core::validate::Problem>,
}

pub(crate) fn fail(kind: ErrorKind, msg: impl std::fmt::Display) -> Failure {
    Failure {
        kind,
        message: msg.to_string(),
        problems: vec![],
    }
}

pub(crate) fn from_core(e: Error) -> Failure {
    let message = match &e {
        // Where a script goes next: a correction is a note that points to a new record.
        Error::Sealed { id } => format!("{e} (fieldcase note {id} TEXT --corrected-by NEW_ID)"),
        _ => e.to_string(),
    };
    Failure {
        kind: e.kind(),
        message,
        problems: e.problems().to_vec(),
    }
}

pub(crate) type CliResult<T> = Result<T, Failure>;

fn parse_kind(s: &str) -> CliResult<Kind> {
    s.parse().map_err(from_core)
}

fn saved(s: fieldcase_core::Saved) -> Value {
    if s.warnings.is_empty() {
        json!({"id": s.id})
    } else {
        json!({"id": s.id, "warnings": s.warnings})
    }
}

/// `PATH=VALUE` fields laid over a struct's current JSON, read back as that struct.
fn with_fields<T: serde::Serialize + serde::de::DeserializeOwned>(
    current: &T,
    edits: &[(String, Value)],
) -> Result<T, Error> {
    let mut v = serde_json::to_value(current).map_err(|e| Error::Internal(e.to_string()))?;
    let fields = edits::object(edits)?;
    if let (Value::Object(m), Value::Object(f)) = (&mut v, fields) {
        m.extend(f);
    }
    serde_path_to_error::deserialize(v).map_err(|e| {
        let field = e.path().to_string();
        Error::invalid(&field, "type", e.into_inner().to_string())
    })
}

fn document_failure(e: fieldcase_hub::documents::DocumentError) -> Failure {
    match e {
        fieldcase_hub::documents::DocumentError::Record(e) => from_core(e),
        other => fail(ErrorKind::Failed, other),
    }
}

/// Writes a PDF whole or not at all: to a file beside `out`, then renamed into place.
fn write_pdf(out: &std::path::Path, pdf: &[u8]) -> CliResult<Value> {
    let part = out.with_extension("pdf.part");
    std::fs::write(&part, pdf)
        .and_then(|_| std::fs::rename(&part, out))
        .map_err(|e| {
            let _ = std::fs::remove_file(&part);
            fail(ErrorKind::Failed, format!("{}: {e}", out.display()))
        })?;
    Ok(json!({"written": out.display().to_string(), "bytes": pdf.len()}))
}

fn run(cli: Cli) -> CliResult<Value> {
    let dir = cli.store.clone();
    Ok(match cli.command {
        Command::Init { township, user, role } => {
            let dir = store::required(&dir)?;
            let role: Role = role.parse().map_err(from_core)?;
            let s = store::create(dir, &township, &user, role)?;
            json!({"store": dir.display().to_string(), "identity": to_json(s.identity())})
        }
        Command::Whoami => {
            let s = store::open(&dir)?;
            json!({"identity": to_json(s.identity()), "records": s.count().map_err(from_core)?})
        }
        Command::Kinds => json!(Kind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()),
        Command::Example { kind } => Record::example(parse_kind(&kind)?).to_json(),
        Command::Schema { kind } => Record::json_schema(parse_kind(&kind)?),
        Command::New { kind, file } => {
            let kind = parse_kind(&kind)?;
            let text = edits::read_input(&file)?;
            let value: Value =
                serde_json::from_str(&text).map_err(|e| fail(ErrorKind::Invalid, format!("input is not JSON: {e}")))?;
            saved(
                store::open(&dir)?
                    .writer()
                    .create_json(kind, value)
                    .map_err(from_core)?,
            )
        }
        Command::Show { id } => show::record(&store::open(&dir)?.records().get(&id).map_err(from_core)?),
        Command::Edit { id, edits } => {
            let parsed = edits::parse_all(&edits)?;
            let s = store::open(&dir)?;
            edits::apply_with_fallback(&parsed, |e| s.writer().edit(&id, e).map(saved))?
        }
        Command::Close { id, resolution } => {
            let parsed = edits::parse_all(&resolution)?;
            let s = store::open(&dir)?;
            edits::apply_with_fallback(&parsed, |e| s.writer().close(&id, edits::object(e)?).map(saved))?
        }
        Command::Handover { id, fields } => {
            let parsed = edits::parse_all(&fields)?;
            let s = store::open(&dir)?;
            let next = match s.records().get(&id).map_err(from_core)?.record {
                Record::Case(c) => c.handovers.len(),
                other => {
                    return Err(fail(
                        ErrorKind::Invalid,
                        format!("record {id} is a {}; hand-overs are of cases", other.kind()),
                    ))
                }
            };
            edits::apply_with_fallback(&parsed, |e| {
                s.writer()
                    .edit(&id, &[(format!("handovers.{next}"), edits::object(e)?)])
                    .map(saved)
            })?
        }
        Command::Review { id, fields } => {
            let parsed = edits::parse_all(&fields)?;
            let s = store::open(&dir)?;
            edits::apply_with_fallback(&parsed, |e| {
                s.writer()
                    .record_after_seal(&id, |a: &mut AfterSeal| {
                        let current = a.arbitration_review.clone().unwrap_or_default();
                        a.arbitration_review = Some(with_fields::<ArbitrationReview>(&current, e)?);
                        Ok(())
                    })
                    .map(saved)
            })?
        }
        Command::Performance { id, fields } => {
            let parsed = edits::parse_all(&fields)?;
            let s = store::open(&dir)?;
            edits::apply_with_fallback(&parsed, |e| {
                s.writer()
                    .record_after_seal(&id, |a: &mut AfterSeal| {
                        a.performance.push(with_fields(&Performance::default(), e)?);
                        Ok(())
                    })
                    .map(saved)
            })?
        }
        Command::Note { id, text, corrected_by } => {
            let s = store::open(&dir)?;
            saved(
                s.writer()
                    .record_after_seal(&id, |a| {
                        a.notes.push(AfterSealNote {
                            text: text.clone(),
                            correction_id: corrected_by.clone(),
                            ..Default::default()
                        });
                        Ok(())
                    })
                    .map_err(from_core)?,
            )
        }
        Command::List {
            kind,
            township,
            status,
            risk,
            responsible,
            overdue,
            due_within,
            limit,
            after,
        } => {
            // Both named as the records write them; anything else is refused with the list.
            let risk = risk
                .as_deref()
                .map(str::parse::<RiskLevel>)
                .transpose()
                .map_err(from_core)?;
            let status = status
                .as_deref()
                .map(str::parse::<fieldcase_core::model::LedgerStatus>)
                .transpose()
                .map_err(from_core)?;
            let q = LedgerQuery {
                kind: kind.as_deref().map(parse_kind).transpose()?,
                township,
                status,
                risk,
                responsible,
                overdue,
                due_within_days: due_within.map(|d| i32::try_from(d).unwrap_or(i32::MAX)),
                limit: limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX)),
                after,
            };
            to_json(&store::open(&dir)?.ledger().list(&q).map_err(from_core)?)
        }
        Command::Search { text } => to_json(
            &store::open(&dir)?
                .ledger()
                .search(&text.join(" "), 100)
                .map_err(from_core)?,
        ),
        Command::Seal { id } => {
            let s = store::open(&dir)?.writer().seal(&id).map_err(from_core)?;
            json!({"id": id, "seal": to_json(&s)})
        }
        Command::History { id } => to_json(&store::open(&dir)?.records().history(&id).map_err(from_core)?),
        Command::ExportSealed { id } => to_json(&store::open(&dir)?.records().export_sealed(&id).map_err(from_core)?),
        Command::Verify { file, hub_key } => {
            let text = edits::read_input(&file)?;
            let x: fieldcase_core::store::SealedExport = serde_json::from_str(&text)
                .map_err(|e| fail(ErrorKind::Invalid, format!("not an exported sealed record ({e})")))?;
            let v = fieldcase_core::store::verify_sealed(&x, hub_key.as_deref());
            if !v.verified {
                return Err(fail(
                    ErrorKind::Refused,
                    format!("does not verify: {}", v.problems.join("; ")),
                ));
            }
            to_json(&v)
        }
        Command::Conflicts => to_json(&store::open(&dir)?.records().conflicts().map_err(from_core)?),
        Command::Resolve { id, edit } => {
            let parsed = edits::parse(&edit)?;
            let path = parsed.path.clone();
            let s = store::open(&dir)?;
            edits::apply_with_fallback(std::slice::from_ref(&parsed), |e| {
                s.writer().resolve(&id, &e[0].0, e[0].1.clone())?;
                Ok(json!({"id": id, "resolved": path}))
            })?
        }
        Command::Bundle {
            action: BundleAction::Export { file, to, passphrase },
        } => {
            let pass = passphrase.read()?;
            let s = store::open(&dir)?;
            let (bytes, summary) = s.bundles().export(to.as_deref(), &pass).map_err(from_core)?;
            store::write_private(&file, &bytes)?;
            json!({"file": file.display().to_string(), "records": summary.records, "bytes": summary.bytes, "to": summary.to, "from_device": s.identity().device})
        }
        Command::Bundle {
            action: BundleAction::Import { file, passphrase },
        } => {
            let pass = passphrase.read()?;
            let bytes =
                std::fs::read(&file).map_err(|e| fail(ErrorKind::Invalid, format!("{}: {e}", file.display())))?;
            to_json(&store::open(&dir)?.bundles().import(&bytes, &pass).map_err(from_core)?)
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
            to_json(
                &store::open(&dir)?
                    .attachments()
                    .attach(&id, &bytes, &name, &mime, purpose.as_deref())
                    .map_err(from_core)?,
            )
        }
        Command::Attachment { sha256, out } => {
            let bytes = store::open(&dir)?.attachments().read(&sha256).map_err(from_core)?;
            std::fs::write(&out, &bytes).map_err(|e| fail(ErrorKind::Failed, format!("{}: {e}", out.display())))?;
            json!({"file": out.display().to_string(), "bytes": bytes.len()})
        }
        Command::Refused => to_json(&store::open(&dir)?.bundles().refused().map_err(from_core)?),
        Command::Reindex => json!({"indexed": store::open(&dir)?.rebuild_index().map_err(from_core)?}),
        Command::Calendar {
            action: CalendarAction::Show { year },
        } => {
            let s = store::open(&dir)?;
            let cal = s.calendar();
            let year = year.unwrap_or_else(|| chrono::Datelike::year(&fieldcase_core::calendar::local_date(s.now())));
            json!({
                "year": year,
                "source": cal.source(year),
                "covered_years": cal.years(),
                "holidays": cal.holidays(year),
                "working_weekends": cal.working_weekends(year),
                "campaign_periods": cal.campaign_periods(year),
                "monitoring_days": cal.monitoring_days(year),
                "warning": (!cal.covers(year)).then(|| format!("no calendar for {year}: deadlines count weekends only")),
            })
        }
        Command::Calendar {
            action: CalendarAction::Set { file },
        } => {
            let text = edits::read_input(&Some(file))?;
            let value: Value = serde_json::from_str(&text)
                .map_err(|e| fail(ErrorKind::Invalid, format!("calendar: not JSON ({e})")))?;
            let mut value = value;
            if let Value::Object(m) = &mut value {
                m.entry("township").or_insert(json!(fieldcase_core::model::DISTRICT));
            }
            let year = match Record::from_json(Kind::Calendar, value).map_err(from_core)? {
                Record::Calendar(y) => y,
                _ => unreachable!("a calendar is read as a calendar"),
            };
            let s = store::open(&dir)?;
            let saved = s
                .writer()
                .set_work_calendar(WorkCalendar { ..year })
                .map_err(from_core)?;
            json!({"id": saved.id, "years": s.calendar().years()})
        }
        Command::Report {
            report: ReportKind::Zeros { township, from, to },
        } => {
            let s = store::open(&dir)?;
            let mut v = to_json(
                &s.ledger()
                    .zeros(&ZerosQuery { township, from, to })
                    .map_err(from_core)?,
            );
            show::local_times(&mut v);
            v
        }
        Command::Serve {
            listen,
            plain,
            names,
            cert,
            key,
        } => hub::serve(&dir, &listen, plain, names, cert, key)?,
        Command::Enroll {
            township,
            role,
            user,
            hub_url,
        } => hub::enroll(&dir, &township, &role, &user, hub_url)?,
        Command::OfficeUser { user, township, .. } => hub::office_user(&dir, &user, township.as_deref())?,
        Command::Join { link, code, pin } => hub::join(&dir, &link, code, pin)?,
        Command::Sync => hub::sync(&dir)?,
        Command::Exchange { listen, connect, wait } => match (listen, connect) {
            (Some(at), None) => exchange::listen(&dir, &at, wait)?,
            (None, Some(code)) => exchange::connect(&dir, &code)?,
            _ => {
                return Err(fail(
                    ErrorKind::Invalid,
                    "exchange needs --listen HOST:PORT or --connect CODE",
                ))
            }
        },
        Command::Backup { file } => {
            let bytes = store::open(&dir)?.backup_to(&file).map_err(from_core)?;
            json!({"file": file.display().to_string(), "bytes": bytes})
        }
        Command::Restore { file } => {
            let d = store::required(&dir)?;
            let key = store::read_key(d)?;
            fieldcase_core::Store::restore_from(d, &key, &file).map_err(from_core)?;
            json!({"restored": file.display().to_string(), "epoch": store::open(&dir)?.hub().epoch().map_err(from_core)?})
        }
        Command::Document { id, out } => {
            let store = store::open(&dir)?;
            let pdf = fieldcase_hub::documents::document(&store, &id).map_err(document_failure)?;
            write_pdf(&out, &pdf)?
        }
        Command::Casefile { id, out } => {
            let store = store::open(&dir)?;
            let pdf = fieldcase_hub::documents::casefile(&store, &id, &|_| true).map_err(document_failure)?;
            write_pdf(&out, &pdf)?
        }
        Command::VerifyQr { text } => {
            let text = match text.as_deref() {
                None | Some("-") => {
                    let mut s = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                        .map_err(|e| fail(ErrorKind::Invalid, format!("standard input: {e}")))?;
                    s
                }
                Some(t) => t.to_string(),
            };
            // zbarimg prints one code a line; a page has one seal code.
            let code = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
            let code = code.strip_prefix("QR-Code:").unwrap_or(code);
            let check = store::open(&dir)?.verify_printed(code).map_err(from_core)?;
            if !check.verified {
                let _ = writeln!(
                    std::io::stdout().lock(),
                    "{}",
                    serde_json::to_string_pretty(&check).unwrap_or_default()
                );
                return Err(fail(
                    ErrorKind::Refused,
                    format!("the page does not verify: {}", check.problems.join("; ")),
                ));
            }
            to_json(&check)
        }
        Command::ImportLedger { file, dry_run } => {
            let bytes =
                std::fs::read(&file).map_err(|e| fail(ErrorKind::Invalid, format!("{}: {e}", file.display())))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let rows = fieldcase_hub::sheets::cells(&name, &bytes)
                .map_err(|e| fail(ErrorKind::Invalid, format!("{}: {e}", file.display())))?;
            let reading = fieldcase_core::ledger_import::read_ledger(&rows);
            let store = store::open(&dir)?;
            let report = store.writer().import_ledger(&reading, dry_run).map_err(from_core)?;
            if report.blocked() {
                let blocking = report.problems.iter().filter(|p| p.blocking).count();
                let _ = writeln!(
                    std::io::stdout().lock(),
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
                return Err(fail(
                    ErrorKind::Invalid,
                    format!(
                        "{blocking} problems in {} stop the import (listed above); nothing was written",
                        file.display()
                    ),
                ));
            }
            to_json(&report)
        }
        Command::Devices => to_json(&store::open(&dir)?.hub().devices().map_err(from_core)?),
        Command::Revoke { device } => to_json(&store::open(&dir)?.hub().revoke(&device).map_err(from_core)?),
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json_errors = cli.json_errors;
    // One way of printing instants, Shanghai time, except where the exact bytes matter (a sealed
    // record's signed content) or the output is a template to fill in.
    let exact = matches!(
        cli.command,
        Command::ExportSealed { .. } | Command::Example { .. } | Command::Schema { .. }
    );
    match run(cli) {
        Ok(mut v) => {
            if !exact {
                show::local_times(&mut v);
            }
            // A reader that went away (a closed pipe) is no reason to fail the command.
            let _ = writeln!(
                std::io::stdout().lock(),
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Err(f) => {
            let code: u8 = match f.kind {
                ErrorKind::Invalid => 2,
                // A used or expired enrolment code, a revoked device: refused, as a rule refuses.
                ErrorKind::Refused | ErrorKind::Unauthorised => 3,
                ErrorKind::NotFound | ErrorKind::Network | ErrorKind::Failed => 1,
            };
            if json_errors {
                let out = json!({
                    "error": format!("{:?}", f.kind).to_lowercase(),
                    "exit": code,
                    "message": f.message,
                    "problems": f.problems,
                });
                eprintln!("{out}");
            } else {
                eprintln!("fieldcase: {}", f.message.replace('\n', " "));
            }
            ExitCode::from(code)
        }
    }
}
