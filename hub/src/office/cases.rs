//! The ledger page and a case page, and the office's changes to a case (the responsible leader
//! and person, the risk level, a follow-up, a conflict settled): each a change in the hub's store
//! that phones receive on their next sync, and an entry in the audit trail.

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
            how: how.clone(),
            kind: fieldcase_core::words::kind_name(l.kind).to_string(),
            images: l.record.attachments().to_vec(),
            seal: l.seal,
        });
    }
    Ok(pages::CaseShown { stored, linked })
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

pub(super) async fn ledger_page(
    State(office): State<Shared>,
    headers: HeaderMap,
    Query(p): Query<LedgerParams>,
) -> Response {
    let (user, csrf) = logged_in!(office, headers);
    let township = user
        .township
        .clone()
        .or_else(|| Some(p.township.trim().to_string()).filter(|t| !t.is_empty()));
    let filters = pages::Filters {
        risk: p.risk.clone(),
        status: p.status.clone(),
        overdue: p.overdue == "1",
        q: p.q.clone(),
        township: p.township.clone(),
    };
    let risk = match p.risk.as_str() {
        "high" => Some(RiskLevel::High),
        "medium" => Some(RiskLevel::Medium),
        "low" => Some(RiskLevel::Low),
        _ => None,
    };
    let query = LedgerQuery {
        kind: Some(Kind::Case),
        township: township.clone(),
        status: Some(p.status.clone()).filter(|s| !s.is_empty()),
        risk,
        overdue: filters.overdue,
        limit: Some(PAGE),
        after: Some(p.after.clone()).filter(|a| !a.is_empty()),
        ..Default::default()
    };
    let store = office.store.clone();
    let words = p.q.trim().to_string();
    let start = 0;
    let found = blocking(move || {
        if words.chars().count() >= 2 {
            ledger::search(&store, &words, township.as_deref(), 200)
        } else {
            ledger::page(&store, &query)
        }
    })
    .await;
    match found {
        Ok(lines) => {
            let next = (lines.len() == PAGE as usize && filters.q.trim().chars().count() < 2)
                .then(|| lines.last().map(|l| l.row.cursor.clone()))
                .flatten();
            html(pages::ledger(&user, &csrf, &filters, &lines, next.as_deref(), start))
        }
        Err(e) => refuse(StatusCode::BAD_REQUEST, &e),
    }
}

#[derive(Deserialize, Default)]
pub(super) struct CaseParams {
    #[serde(default)]
    done: String,
}

pub(super) async fn case_page(
    State(office): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<CaseParams>,
) -> Response {
    let (user, csrf) = logged_in!(office, headers);
    let store = office.store.clone();
    let who = user.clone();
    match blocking(move || shown(&store, &who, &id)).await {
        Ok(s) => {
            let done = (p.done == "assign").then_some("已保存：手机下次同步时收到");
            html(pages::case(&user, &csrf, &s, done, None))
        }
        Err(e) => refuse(StatusCode::NOT_FOUND, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    leader: String,
    #[serde(default)]
    person: String,
}

pub(super) async fn assign(
    State(office): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<AssignForm>,
) -> Response {
    let (user, csrf) = posted!(office, headers, f.csrf);
    let (leader, person) = (f.leader.trim().to_string(), f.person.trim().to_string());
    change_case(office, user, csrf, id, "assign", move |clerk, s| {
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
        Ok(format!("leader {leader}, person {person}"))
    })
    .await
}

/// A change to a case by the office, in the clerk's name, then back to its page (or the page
/// with the refusal). A case the clerk may not see is not found, before and after.
pub(super) async fn change_case(
    office: Shared,
    user: OfficeUser,
    csrf: String,
    id: String,
    action: &'static str,
    change: impl FnOnce(&fieldcase_core::store::Writer<'_>, &fieldcase_core::StoredRecord) -> Result<String, Error>
        + Send
        + 'static,
) -> Response {
    let store = office.store.clone();
    let who = user.clone();
    let key = id.clone();
    let done = blocking(move || {
        let s = in_scope(&store, &who, &key)?;
        let clerk = store.as_clerk(&who)?;
        let detail = change(&clerk, &s)?;
        store.office().audit(
            &who.name,
            Some(s.record.township()),
            action,
            &format!("case {key}: {detail}"),
        )?;
        Ok(())
    })
    .await;
    match done {
        Ok(()) => redirect(&format!("/office/case/{id}?done=assign")),
        Err(problem) => {
            let store = office.store.clone();
            let who = user.clone();
            match blocking(move || shown(&store, &who, &id)).await {
                Ok(s) => {
                    let mut r = html(pages::case(&user, &csrf, &s, None, Some(&problem)));
                    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
                    r
                }
                Err(e) => refuse(StatusCode::NOT_FOUND, &e),
            }
        }
    }
}

#[derive(Deserialize)]
pub(super) struct RiskForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    risk: String,
}

pub(super) async fn set_risk(
    State(office): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<RiskForm>,
) -> Response {
    let (user, csrf) = posted!(office, headers, f.csrf);
    let risk = f.risk.clone();
    change_case(office, user, csrf, id, "risk", move |clerk, s| {
        clerk.edit(&s.id, &[("risk_level".into(), json!(risk))])?;
        Ok(format!("risk level {risk}"))
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct FollowUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    outcome: String,
}

pub(super) async fn add_follow_up(
    State(office): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<FollowUpForm>,
) -> Response {
    let (user, csrf) = posted!(office, headers, f.csrf);
    let by = user.name.clone();
    change_case(office, user, csrf, id, "follow_up", move |clerk, s| {
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
        Ok(format!("{} follow-up: {outcome}", f.kind))
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct ResolveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    choice: usize,
}

pub(super) async fn resolve_conflict(
    State(office): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<ResolveForm>,
) -> Response {
    let (user, csrf) = posted!(office, headers, f.csrf);
    change_case(office, user, csrf, id, "resolve", move |clerk, s| {
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
        Ok(format!("conflict at {} resolved to {value}", f.path))
    })
    .await
}

/// A picture of a record of the office's township (a signature, a photo), checked against the
/// record's own list: nothing else of the store is reachable this way.
pub(super) async fn attachment(
    State(office): State<Shared>,
    headers: HeaderMap,
    Path((record, sha)): Path<(String, String)>,
) -> Response {
    let (user, _) = logged_in!(office, headers);
    let store = office.store.clone();
    let found = blocking(move || {
        let r = in_scope(&store, &user, &record)?.record;
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
        Err(e) => refuse(StatusCode::NOT_FOUND, &e),
    }
}
