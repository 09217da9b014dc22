//! Local changes to records: create, edit, close, resolve a conflict, record what happened
//! after sealing, keep the calendar. Every one goes through `check_local`: who may do it
//! (`rules::roles`), which township, the sign-off (written from the store's own user, never
//! typed), the field rules, the status transitions, and the rules that must hold of the
//! result (`rules::state`). A refusal changes nothing.

use std::collections::HashSet;

use automerge::transaction::Transactable;
use automerge::{Automerge, Prop, ROOT};
use rusqlite::params;
use serde_json::Value;

use super::Cached;
use super::{doc, seal, Author, Loaded, Saved, Store};
use crate::error::{Error, Result};
use crate::model::{
    AfterSeal, AfterSealNote, CaseStatus, EmployerStatus, IncidentStatus, Kind, Record, Role, SignOff, WorkCalendar,
    DISTRICT,
};
use crate::rules::roles::{self, Action};
use crate::rules::{self, refused};
use crate::validate::Problems;

/// How a change came about, for the checks that differ.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Intent {
    Create,
    Edit,
    /// Settling a conflict: choosing a status decides it, as if the person set it now.
    Resolve {
        status: bool,
    },
}

/// Local changes by one author: the store's own user (`Store::writer`, and the store's own
/// `create_json`, `edit`, ... which use it), or at a hub an office clerk (`Store::as_clerk`),
/// whose changes carry the clerk's own actor so that every device's history names the clerk.
pub struct Writer<'s> {
    pub(crate) store: &'s Store,
    pub(crate) author: Author,
}

impl Store {
    /// Changes by this store's own user.
    pub fn writer(&self) -> Writer<'_> {
        Writer {
            store: self,
            author: self.me(),
        }
    }

    pub(crate) fn change(
        &self,
        id: &str,
        action: &str,
        intent: Intent,
        f: impl FnOnce(&Value, Kind) -> Result<Value>,
    ) -> Result<Saved> {
        self.writer().change(id, action, intent, f)
    }
}

impl Writer<'_> {
    /// Signs a record: checks it fully and freezes it, signed with this store's key (a clerk
    /// does not seal: the office's role may not).
    pub fn seal(&self, id: &str) -> Result<crate::store::SealStatus> {
        if self.author.device != self.store.identity.device {
            // A seal is signed with the device's own key, by its own user: a clerk asking is
            // refused as the office's role is.
            let kind = self.store.read(|c| Ok(self.store.load_existing(c, id)?.kind))?;
            roles::check(self.author.role, Action::Seal, kind)?;
        }
        self.store.seal(id)
    }

    /// Records what happened after a record was sealed (the arbitration review, performance
    /// of the agreement, a note naming a correction), beside the sealed content.
    pub fn record_after_seal(&self, id: &str, f: impl FnOnce(&mut AfterSeal) -> Result<()>) -> Result<Saved> {
        self.store.record_after_seal_by(&self.author, id, f)
    }

    /// Who these changes are by.
    pub fn author_name(&self) -> &str {
        &self.author.user
    }

    /// The checks every local change passes; returns the record to write (with its sign-off
    /// filled or cleared) and the warnings to report.
    fn check_local(&self, before: Option<&Record>, after: Record, intent: Intent) -> Result<(Record, Problems)> {
        let mut after = after.normalized();
        let me = &self.author;
        let kind = after.kind();
        let now = self.store.now();
        // Every record is kept by a township: without one there is nothing to check it against.
        if after.township().trim().is_empty() {
            return Err(Error::invalid(
                "township",
                "required",
                format!("a {kind} names the township that keeps it"),
            ));
        }
        roles::check(
            me.role,
            if intent == Intent::Create {
                Action::Create
            } else {
                Action::Edit
            },
            kind,
        )?;
        let township = after.township().to_string();
        if let Some(scope) = me.scope.as_deref() {
            if township != scope && !(kind == Kind::Calendar && township == DISTRICT) {
                return Err(refused(
                    "township",
                    "township_of_device",
                    format!("this device works for {scope}; a record of {township} is kept by that township"),
                ));
            }
        }
        let blank = Record::from_json(kind, Value::Null)?;
        let was = before.unwrap_or(&blank);
        let decides_status = matches!(intent, Intent::Resolve { status: true });
        match (was, &mut after) {
            (Record::Case(b), Record::Case(a)) => {
                if a.sign_off != b.sign_off {
                    return Err(refused(
                        "sign_off",
                        "sign_off_by_closing",
                        "the sign-off is written by the store when the responsible person closes the case; it is never typed",
                    ));
                }
                if before.is_some()
                    && (a.responsible_leader != b.responsible_leader || a.responsible_person != b.responsible_person)
                {
                    // Named at the field the edit changed, so a script sees which of its edits.
                    let field = if a.responsible_person != b.responsible_person {
                        "responsible_person"
                    } else {
                        "responsible_leader"
                    };
                    roles::check(me.role, Action::Assign, kind).map_err(|e| e.at_field(field))?;
                }
                let closing = a.status == CaseStatus::Closed && (b.status != CaseStatus::Closed || decides_status);
                let reopening = b.status == CaseStatus::Closed && a.status != CaseStatus::Closed;
                if closing || reopening {
                    roles::check(me.role, if closing { Action::Close } else { Action::Reopen }, kind)?;
                    let responsible = a.responsible_person.as_deref().map(str::trim);
                    if me.role != Role::Office && responsible != Some(me.user.as_str()) {
                        return Err(refused(
                            "status",
                            "close_by_responsible_person",
                            format!(
                                "only the responsible person ({}) or the office may {} this case",
                                responsible.unwrap_or("none named"),
                                if closing { "close" } else { "reopen" }
                            ),
                        ));
                    }
                }
                if closing {
                    a.sign_off = Some(SignOff {
                        by: me.user.clone(),
                        role: Some(me.role),
                        device: Some(me.device.clone()),
                        at: Some(now),
                    });
                    let mut p = Problems::as_of(now);
                    rules::state::closing(a, &mut p);
                    if p.has_errors() {
                        return Err(Error::Rule(p.errors()));
                    }
                } else if reopening {
                    a.sign_off = None;
                }
            }
            (Record::Incident(b), Record::Incident(a)) => {
                let closing =
                    a.status == IncidentStatus::Closed && (b.status != IncidentStatus::Closed || decides_status);
                if closing || (b.status == IncidentStatus::Closed && a.status != IncidentStatus::Closed) {
                    roles::check(me.role, if closing { Action::Close } else { Action::Reopen }, kind)?;
                }
            }
            (Record::Employer(b), Record::Employer(a)) => {
                let listed = |s: EmployerStatus| s == EmployerStatus::Blacklisted;
                if listed(a.status) != listed(b.status) || a.blacklist != b.blacklist {
                    roles::check(me.role, Action::Blacklist, kind)?;
                }
            }
            _ => {}
        }
        let problems = after.check(false, now);
        if problems.has_errors() {
            return Err(Error::Invalid(problems.errors()));
        }
        rules::check_transition(was, &after)?;
        // The result must not break a rule it did not break before.
        let cal = self.store.calendar();
        let known: HashSet<(String, String)> = before
            .map(|b| rules::state::problems(b, false, &cal))
            .unwrap_or_default()
            .into_iter()
            .map(|p| (p.field, p.rule))
            .collect();
        let new: Vec<_> = rules::state::problems(&after, false, &cal)
            .into_iter()
            .filter(|p| !known.contains(&(p.field.clone(), p.rule.clone())))
            .collect();
        if !new.is_empty() {
            return Err(Error::Rule(new));
        }
        if intent == Intent::Create {
            required_at_creation(&after)?;
        }
        Ok((after, problems))
    }

    /// Creates a record from its JSON form. A draft may be incomplete; values present must
    /// be valid.
    ///
    /// A case given without its risk level or source is kept with the defaults (medium risk,
    /// found in a sweep), and the answer warns of each, so nothing is decided silently.
    pub fn create_json(&self, kind: Kind, value: Value) -> Result<Saved> {
        let defaulted: Vec<(&str, &str)> = match kind {
            Kind::Case => [("risk_level", "medium"), ("source", "sweep")]
                .into_iter()
                .filter(|(field, _)| value.get(*field).is_none_or(Value::is_null))
                .collect(),
            _ => vec![],
        };
        let record = Record::from_json(kind, value)?;
        let mut saved = self.create_record(record)?;
        for (field, used) in defaulted {
            saved.warnings.push(crate::problem::Problem::new(
                field,
                "defaulted",
                format!("{field} was not given: {used} is kept; change it if you know better"),
                crate::problem::Severity::Warning,
            ));
        }
        Ok(saved)
    }

    pub fn create_record(&self, record: Record) -> Result<Saved> {
        self.create_with_id(&uuid::Uuid::now_v7().to_string(), record)
    }

    fn create_with_id(&self, id: &str, record: Record) -> Result<Saved> {
        let (new, problems) = self.prepare_create(record)?;
        self.store.write(|tx| self.write_new(tx, id, &new))?;
        Ok(Saved {
            id: id.to_string(),
            warnings: problems.warnings(),
        })
    }

    /// Checks a new record as `create_record` does and makes its document, writing nothing:
    /// what it answers is what a create would keep, and the warnings it would give.
    pub(crate) fn prepare_create(&self, record: Record) -> Result<(Loaded, Problems)> {
        let (record, problems) = self.check_local(None, record, Intent::Create)?;
        let kind = record.kind();
        let mut doc = Automerge::new();
        doc.set_actor(self.author.actor.clone());
        let mut tx = doc.transaction();
        tx.put(ROOT, doc::KIND_KEY, kind.as_str())?;
        doc::put_value(&mut tx, &ROOT, Prop::Map(doc::RECORD_KEY.into()), &record.to_json())?;
        tx.commit_with(self.store.commit_options(&self.author, "create", vec![]));
        Ok((Loaded { kind, doc, rows: 0 }, problems))
    }

    /// Writes a record made by `prepare_create` under `id`, inside the caller's transaction.
    pub(crate) fn write_new(&self, tx: &rusqlite::Transaction<'_>, id: &str, new: &Loaded) -> Result<()> {
        tx.exec(
            "INSERT INTO documents (id, kind) VALUES (?1, ?2)",
            params![id, new.kind.as_str()],
        )?;
        self.store.persist(tx, id, new, &[], doc::Origin::Local).map(|_| ())
    }

    /// Applies `PATH = VALUE` edits as one change. Refused on a sealed record; status changes
    /// follow the case rules; closing a case writes the sign-off of this store's user.
    pub fn edit(&self, id: &str, edits: &[(String, Value)]) -> Result<Saved> {
        self.change(id, "edit", Intent::Edit, |current, _| {
            let mut next = current.clone();
            for (path, value) in edits {
                doc::set_path(&mut next, path, value.clone())?;
            }
            Ok(next)
        })
    }

    /// Replaces a record's content with `record` (same kind), writing only what differs.
    pub fn update(&self, id: &str, record: Record) -> Result<Saved> {
        self.change(id, "edit", Intent::Edit, |_, kind| {
            if record.kind() != kind {
                return Err(Error::invalid(
                    "kind",
                    "same_kind",
                    format!("record {id} is a {kind}, not a {}", record.kind()),
                ));
            }
            Ok(record.to_json())
        })
    }

    /// Closes a case with its resolution; the sign-off is this store's user's.
    pub fn close(&self, id: &str, resolution: Value) -> Result<Saved> {
        self.change(id, "close", Intent::Edit, |current, kind| {
            if kind != Kind::Case {
                return Err(Error::invalid(
                    "kind",
                    "close_a_case",
                    format!("record {id} is a {kind}; only a case is closed this way"),
                ));
            }
            let mut next = current.clone();
            next["resolution"] = resolution.clone();
            next["status"] = "closed".into();
            Ok(next)
        })
    }

    /// Gives a record another status, as one of its `status_choices` offers: the kind's
    /// transitions and who may make them are checked as for any edit. Closing a case needs
    /// its resolution (`close`).
    pub fn set_status(&self, id: &str, to: crate::model::LedgerStatus) -> Result<Saved> {
        let code: &'static str = to.into();
        self.change(id, "edit", Intent::Edit, |current, kind| {
            if kind == Kind::Case && code == "closed" {
                return Err(Error::invalid(
                    "resolution",
                    "close_a_case",
                    format!("record {id} is closed with its resolution, not by its status alone"),
                ));
            }
            let known = crate::model::Record::transitions_of(kind)
                .iter()
                .any(|(_, t)| *t == code);
            if !known {
                return Err(Error::invalid(
                    "status",
                    "known_status",
                    format!("a {kind} has no status {code}"),
                ));
            }
            let mut next = current.clone();
            next["status"] = code.into();
            Ok(next)
        })
    }

    /// Loads a record, lets `f` compute its new content, checks it and writes the difference.
    pub(crate) fn change(
        &self,
        id: &str,
        action: &str,
        intent: Intent,
        f: impl FnOnce(&Value, Kind) -> Result<Value>,
    ) -> Result<Saved> {
        self.store.write(|tx| {
            let mut loaded = self.store.load_existing(tx, id)?;
            loaded.doc.set_actor(self.author.actor.clone());
            if seal::status(&loaded.doc).is_some() {
                return Err(Error::Sealed { id: id.into() });
            }
            let current = doc::read_record(&loaded.doc).ok_or_else(|| Error::NotFound {
                what: "record",
                id: id.into(),
            })?;
            let before = Record::from_json(loaded.kind, current.clone())?;
            let after = Record::from_json(loaded.kind, f(&current, loaded.kind)?)?;
            let (after, problems) = self.check_local(Some(&before), after, intent)?;
            let heads = loaded.doc.get_heads();
            let obj = doc::root_object(&loaded.doc, doc::RECORD_KEY)
                .ok_or_else(|| Error::Internal("record without content".into()))?;
            let mut changed = vec![];
            let mut dtx = loaded.doc.transaction();
            doc::reconcile(&mut dtx, &obj, &current, &after.to_json(), "", &mut changed)?;
            if changed.is_empty() {
                dtx.rollback();
            } else {
                dtx.commit_with(self.store.commit_options(&self.author, action, changed));
                self.store.persist(tx, id, &loaded, &heads, doc::Origin::Local)?;
            }
            Ok(Saved {
                id: id.to_string(),
                warnings: problems.warnings(),
            })
        })
    }

    /// Settles a conflict (two values of a field, or a broken rule): `value` supersedes every
    /// value at `path`. The result passes every check a local edit passes; choosing "closed"
    /// for a case is closing it.
    pub fn resolve(&self, id: &str, path: &str, value: Value) -> Result<()> {
        self.store.write(|tx| {
            let mut loaded = self.store.load_existing(tx, id)?;
            loaded.doc.set_actor(self.author.actor.clone());
            let after_seal_path = path.starts_with("after_seal.");
            if seal::status(&loaded.doc).is_some() && !after_seal_path {
                return Err(Error::Sealed { id: id.into() });
            }
            let listed = super::index::all_conflicts(tx)?;
            if !listed.iter().any(|c| c.id == id && c.path == path) {
                return Err(Error::invalid(
                    path,
                    "in_conflict",
                    format!("record {id} has no conflict at {path}"),
                ));
            }
            let heads = loaded.doc.get_heads();
            let mut fields = vec![path.to_string()];
            if after_seal_path {
                roles::check(self.author.role, Action::AfterSeal, loaded.kind)?;
                let mut next = serde_json::to_value(doc::read_after_seal(&loaded.doc))
                    .map_err(|e| Error::Internal(e.to_string()))?;
                doc::set_path(&mut next, &path["after_seal.".len()..], value.clone())?;
                let after: AfterSeal =
                    serde_json::from_value(next).map_err(|e| Error::invalid(path, "type", e.to_string()))?;
                self.store.check_after_seal(&loaded, &after)?;
                let mut dtx = loaded.doc.transaction();
                doc::force_path(&mut dtx, path, &value)?;
                dtx.commit_with(self.store.commit_options(&self.author, "resolve", fields));
            } else {
                let current = doc::read_record(&loaded.doc).unwrap_or(Value::Null);
                let before = Record::from_json(loaded.kind, current.clone())?;
                let mut next = current.clone();
                doc::set_path(&mut next, path, value.clone())?;
                let after = Record::from_json(loaded.kind, next)?;
                let (after, _) = self.check_local(
                    Some(&before),
                    after,
                    Intent::Resolve {
                        status: path == "status",
                    },
                )?;
                let after = after.to_json();
                let mut dtx = loaded.doc.transaction();
                doc::force_path(&mut dtx, path, &value)?;
                // What the checks added (a sign-off written on closing) goes in the same change.
                let obj = doc::root_object(&dtx, doc::RECORD_KEY)
                    .ok_or_else(|| Error::Internal("record without content".into()))?;
                let written = doc::read_record(&dtx).unwrap_or(Value::Null);
                doc::reconcile(&mut dtx, &obj, &written, &after, "", &mut fields)?;
                dtx.commit_with(self.store.commit_options(&self.author, "resolve", fields));
            }
            self.store
                .persist(tx, id, &loaded, &heads, doc::Origin::Local)
                .map(|_| ())
        })
    }
}

impl Store {
    fn check_after_seal(&self, loaded: &Loaded, after: &AfterSeal) -> Result<()> {
        let content = doc::read_record(&loaded.doc).unwrap_or(Value::Null);
        let record = Record::from_json(loaded.kind, content)?;
        let effective = record.as_mediation().and_then(|m| m.effective_on());
        let mut p = Problems::as_of(self.now());
        p.at("after_seal", |p| after.check(loaded.kind, effective, p));
        if p.has_errors() {
            return Err(Error::Invalid(p.errors()));
        }
        Ok(())
    }

    /// Records what happened after a record was sealed (the arbitration review, performance
    /// of the agreement, a note naming a correction), beside the sealed content, which stays
    /// as it was signed. `f` gets what was recorded so far and returns the new state.
    pub(crate) fn record_after_seal_by(
        &self,
        author: &Author,
        id: &str,
        f: impl FnOnce(&mut AfterSeal) -> Result<()>,
    ) -> Result<Saved> {
        self.write(|tx| {
            let mut loaded = self.load_existing(tx, id)?;
            loaded.doc.set_actor(author.actor.clone());
            roles::check(author.role, Action::AfterSeal, loaded.kind)?;
            if !seal::status(&loaded.doc).is_some_and(|s| s.intact) {
                return Err(refused(
                    "",
                    "after_sealing",
                    format!("record {id} is not signed: change the record itself while it is a draft"),
                ));
            }
            let before = doc::read_after_seal(&loaded.doc);
            let mut after = before.clone();
            f(&mut after)?;
            let known = before.notes.len();
            for note in after.notes.iter_mut().skip(known) {
                *note = AfterSealNote {
                    at: Some(self.now()),
                    by: author.user.clone(),
                    ..note.clone()
                };
            }
            self.check_after_seal(&loaded, &after)?;
            let old = serde_json::to_value(&before).map_err(|e| Error::Internal(e.to_string()))?;
            let new = serde_json::to_value(&after).map_err(|e| Error::Internal(e.to_string()))?;
            let heads = loaded.doc.get_heads();
            let mut changed = vec![];
            let mut dtx = loaded.doc.transaction();
            match doc::root_object(&dtx, doc::AFTER_SEAL_KEY) {
                Some(obj) => doc::reconcile(&mut dtx, &obj, &old, &new, "after_seal", &mut changed)?,
                None => {
                    doc::put_value(&mut dtx, &ROOT, Prop::Map(doc::AFTER_SEAL_KEY.into()), &new)?;
                    changed.push("after_seal".into());
                }
            }
            if changed.is_empty() {
                dtx.rollback();
            } else {
                dtx.commit_with(self.commit_options(author, "after_seal", changed));
                self.persist(tx, id, &loaded, &heads, doc::Origin::Local)?;
            }
            Ok(Saved {
                id: id.to_string(),
                warnings: vec![],
            })
        })
    }
}

impl Writer<'_> {
    /// The office keeps the working calendar of a year (holidays, adjusted working days,
    /// campaign periods) as a synced record, so that every device counts the same deadlines.
    pub fn set_work_calendar(&self, year: WorkCalendar) -> Result<Saved> {
        let id = WorkCalendar::record_id(year.year);
        let record = Record::Calendar(WorkCalendar {
            township: DISTRICT.into(),
            ..year
        });
        let mut p = Problems::as_of(self.store.now());
        if let Record::Calendar(y) = &record {
            y.check_dates(&mut p);
        }
        if p.has_errors() {
            return Err(Error::Invalid(p.errors()));
        }
        if self.store.read(|c| self.store.load(c, &id))?.is_some() {
            self.update(&id, record)
        } else {
            self.create_with_id(&id, record)
        }
    }
}

/// What a record needs when it is made, beyond its township (docs/domain.md, "At creation"): a
/// case is a ledger line about an employer, so it names the employer (by name or record); the
/// other kinds may start as drafts, filled in on site, and are checked in full when signed or
/// closed.
fn required_at_creation(record: &Record) -> Result<()> {
    if let Record::Case(c) = record {
        let named = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
        if !named(&c.employer_name) && !named(&c.employer_id) {
            return Err(Error::invalid(
                "employer_name",
                "required",
                "a case names the employer that owes the wages",
            ));
        }
    }
    Ok(())
}
