//! The ledger page and a case page, and the office's changes to a case (the responsible leader
//! and person, the risk level, a follow-up, a conflict settled): each a change in the hub's store
//! in the clerk's name that phones receive on their next sync, and an entry in the audit trail.

use fieldcase_core::model::{LedgerStatus, RiskLevel};
use fieldcase_core::store::Writer;
use fieldcase_core::StoredRecord;

use super::*;

/// The case and what refers to it, for its page: what `user` may see of it (a record of
/// another township that refers to it is not shown).
pub(super) fn shown(store: &Store, user: &OfficeUser, id: &str) -> Result<pages::CaseShown, Error> {
    let stored = in_scope(store, user, id)?;
    let mut linked = vec![];
    for (other, how) in &stored.linked_from {
        let Ok(l) = in_scope(store, user, other) else {
            continue;
        };
        linked.push(pages::Linked {
            id: other.clone(),
            how: serde_json::from_value(json!(how)).unwrap_or_default(),
            kind: l.kind,
            images: l.record.attachments().to_vec(),
            seal: l.seal,
        });
    }
    let employer = match &stored.record {
        fieldcase_core::Record::Case(c) => c.employer_id.as_deref().and_then(|e| match in_scope(store, user, e) {
            Ok(StoredRecord {
                record: fieldcase_core::Record::Employer(e),
                ..
            }) => Some(e),
            _ => None,
        }),
        _ => None,
    };
    Ok(pages::CaseShown {
        stored,
        linked,
        employer,
    })
}

#[derive(Deserialize, Default)]
pub(super) struct LedgerParams {
    #[serde(default)]
    risk: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    township: String,
    #[serde(default)]
    after: String,
}

/// An empty value is "any"; another one must be known.
fn chosen<T: std::str::FromStr<Err = Error>>(value: &str) -> Result<Option<T>, Error> {
    match value.trim() {
        "" => Ok(None),
        v => v.parse().map(Some),
    }
}

pub(super) async fn ledger_page(State(office): State<Shared>, clerk: Clerk, Query(p): Query<LedgerParams>) -> Response {
    let (risk, status) = match (chosen::<RiskLevel>(&p.risk), chosen::<LedgerStatus>(&p.status)) {
        (Ok(r), Ok(s)) => (r, s),
        (Err(e), _) | (_, Err(e)) => return clerk.refuse(StatusCode::BAD_REQUEST, &say(&e), "/office"),
    };
    let township = clerk
        .user
        .township
        .clone()
        .or_else(|| Some(p.township.trim().to_string()).filter(|t| !t.is_empty()));
    let filters = pages::Filters {
        risk,
        status,
        overdue: p.overdue == "1",
        q: p.q.clone(),
        township: p.township.clone(),
    };
    let query = LedgerQuery {
        kind: Some(Kind::Case),
        township: township.clone(),
        status,
        risk,
        overdue: filters.overdue,
        limit: Some(PAGE),
        after: Some(p.after.clone()).filter(|a| !a.is_empty()),
        ..Default::default()
    };
    let store = office.store.clone();
    let words = p.q.trim().to_string();
    let searching = words.chars().count() >= 2;
    let found = blocking(move || {
        if searching {
            ledger::search(&store, &words, township.as_deref(), 200)
        } else {
            ledger::page(&store, &query)
        }
    })
    .await;
    match found {
        Ok(lines) => {
            let next = (lines.len() == PAGE as usize && !searching)
                .then(|| lines.last().map(|l| l.row.cursor.clone()))
                .flatten();
            page(pages::Ledger::new(
                &clerk.user,
                &clerk.csrf,
                &filters,
                &lines,
                next.as_deref(),
            ))
        }
        Err(e) => clerk.refuse(StatusCode::BAD_REQUEST, &e, "/office"),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct CaseParams {
    #[serde(default)]
    done: String,
}

/// The case page, or the refusal that a record is not found (the same for another township's).
fn case_view(clerk: &Clerk, s: &pages::CaseShown, done: Option<&'static str>, problem: Option<&str>) -> Response {
    match pages::CasePage::new(&clerk.user, &clerk.csrf, s, done, problem) {
        Some(p) => page(p),
        None => clerk.refuse(StatusCode::NOT_FOUND, "这条记录不是案件", "/office"),
    }
}

pub(super) async fn case_page(
    State(office): State<Shared>,
    clerk: Clerk,
    Path(id): Path<String>,
    Query(p): Query<CaseParams>,
) -> Response {
    let store = office.store.clone();
    let who = clerk.user.clone();
    match blocking(move || shown(&store, &who, &id)).await {
        Ok(s) => case_view(
            &clerk,
            &s,
            (p.done == "assign").then_some("已保存：手机下次同步时收到"),
            None,
        ),
        Err(e) => clerk.refuse(StatusCode::NOT_FOUND, &e, "/office"),
    }
}

#[derive(Deserialize)]
pub(super) struct AssignForm {
    #[serde(default)]
    leader: String,
    #[serde(default)]
    person: String,
}

pub(super) async fn assign(
    State(office): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<AssignForm>,
) -> Response {
    let f = posted.form;
    let (leader, person) = (f.leader.trim().to_string(), f.person.trim().to_string());
    change_case(office, posted.clerk, id, "assign", move |clerk, s| {
        let value = |v: &str| {
            if v.is_empty() {
                serde_json::Value::Null
            } else {
                json!(v)
            }
        };
        clerk.edit(
            &s.id,
            &[
                ("responsible_leader".into(), value(&leader)),
                ("responsible_person".into(), value(&person)),
            ],
        )?;
        let or_none = |v: &str| {
            if v.is_empty() {
                "（未定）".to_string()
            } else {
                v.to_string()
            }
        };
        Ok(format!("包案领导 {}，责任人 {}", or_none(&leader), or_none(&person)))
    })
    .await
}

/// A change to a case by the office, in the clerk's name, then back to its page (or the page
/// with the refusal). A case the clerk may not see is not found, before and after.
pub(super) async fn change_case(
    office: Shared,
    clerk: Clerk,
    id: String,
    action: &'static str,
    change: impl FnOnce(&Writer<'_>, &StoredRecord) -> Result<String, Error> + Send + 'static,
) -> Response {
    let store = office.store.clone();
    let who = clerk.user.clone();
    let key = id.clone();
    let done = blocking(move || {
        let s = in_scope(&store, &who, &key)?;
        let writer = store.as_clerk(&who)?;
        let detail = change(&writer, &s)?;
        store.office().audit(
            &who.name,
            Some(s.record.township()),
            action,
            &format!("「{}」：{detail}", s.record.summary().title),
        )?;
        Ok(())
    })
    .await;
    match done {
        Ok(()) => redirect(&format!("/office/case/{}?done=assign", url_segment(&id))),
        Err(problem) => {
            let store = office.store.clone();
            let who = clerk.user.clone();
            match blocking(move || shown(&store, &who, &id)).await {
                Ok(s) => with_status(
                    case_view(&clerk, &s, None, Some(&problem)),
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                Err(e) => clerk.refuse(StatusCode::NOT_FOUND, &e, "/office"),
            }
        }
    }
}

/// A record id as one segment of a path, percent-encoded.
pub(super) fn url_segment(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

#[derive(Deserialize)]
pub(super) struct RiskForm {
    #[serde(default)]
    risk: String,
}

pub(super) async fn set_risk(
    State(office): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<RiskForm>,
) -> Response {
    let risk = posted.form.risk;
    change_case(office, posted.clerk, id, "risk", move |clerk, s| {
        clerk.edit(&s.id, &[("risk_level".into(), json!(risk))])?;
        let name = risk
            .parse::<fieldcase_core::model::RiskLevel>()
            .map(fieldcase_core::words::risk_name)
            .unwrap_or(risk.as_str());
        Ok(format!("风险等级改为{name}"))
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct FollowUpForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    outcome: String,
}

pub(super) async fn add_follow_up(
    State(office): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<FollowUpForm>,
) -> Response {
    let f = posted.form;
    let by = posted.clerk.user.name.clone();
    change_case(office, posted.clerk, id, "follow_up", move |clerk, s| {
        let outcome = f.outcome.trim().to_string();
        if outcome.is_empty() {
            return Err(Error::invalid("outcome", "required", "say what came of it"));
        }
        let fieldcase_core::Record::Case(c) = &s.record else {
            return Err(Error::NotFound {
                what: "case",
                id: s.id.clone(),
            });
        };
        let mut list = serde_json::to_value(&c.follow_ups).map_err(|e| Error::Internal(e.to_string()))?;
        if let Some(a) = list.as_array_mut() {
            a.push(json!({"at": chrono::Utc::now(), "kind": f.kind, "by": by, "outcome": outcome}));
        }
        clerk.edit(&s.id, &[("follow_ups".into(), list)])?;
        let how = f
            .kind
            .parse::<fieldcase_core::model::FollowUpKind>()
            .map(fieldcase_core::words::follow_up_name)
            .unwrap_or(f.kind.as_str());
        Ok(format!("{how}：{outcome}"))
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct ResolveForm {
    #[serde(default)]
    path: String,
    #[serde(default)]
    choice: usize,
}

pub(super) async fn resolve_conflict(
    State(office): State<Shared>,
    Path(id): Path<String>,
    posted: Posted<ResolveForm>,
) -> Response {
    let f = posted.form;
    change_case(office, posted.clerk, id, "resolve", move |clerk, s| {
        let key = &s.id;
        let c = s
            .conflicts
            .iter()
            .find(|c| c.path == f.path && c.rule.is_none())
            .ok_or_else(|| {
                Error::invalid(
                    "path",
                    "in_conflict",
                    format!("record {key} has no conflict at {}", f.path),
                )
            })?;
        let value = c
            .values
            .get(f.choice)
            .cloned()
            .ok_or_else(|| Error::invalid("choice", "conflict_choice", "no such value"))?;
        clerk.resolve(key, &f.path, value.clone())?;
        let field = fieldcase_core::words::field_name(&f.path).unwrap_or(f.path.as_str());
        Ok(format!(
            "冲突「{field}」定为 {}",
            fieldcase_core::words::value_text(&f.path, &value)
        ))
    })
    .await
}

/// A picture of a record of the office's township (a signature, a photo), checked against the
/// record's own list: nothing else of the store is reachable this way.
pub(super) async fn attachment(
    State(office): State<Shared>,
    clerk: Clerk,
    Path((record, sha)): Path<(String, String)>,
) -> Response {
    let store = office.store.clone();
    let who = clerk.user.clone();
    let found = blocking(move || {
        let r = in_scope(&store, &who, &record)?.record;
        let a = r
            .attachments()
            .iter()
            .find(|a| a.sha256 == sha)
            .cloned()
            .ok_or_else(|| Error::NotFound {
                what: "attachment",
                id: sha.clone(),
            })?;
        Ok((a.mime.clone(), store.attachments().read(&a.sha256)?))
    })
    .await;
    match found {
        Ok((mime, bytes)) => {
            let kind = match mime.as_str() {
                "image/jpeg" => "image/jpeg",
                "image/png" => "image/png",
                "image/svg+xml" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            let mut r = (StatusCode::OK, bytes).into_response();
            secure_headers(&mut r, kind);
            r
        }
        Err(e) => clerk.refuse(StatusCode::NOT_FOUND, &e, "/office"),
    }
}
