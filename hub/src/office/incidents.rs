//! Incidents for the office: the township's gatherings of unpaid workers, newest first, and a
//! fast report (快报) of one that prints: what happened, who is owed how much, the risk signs,
//! and each step of the response with the minutes it took.

use super::*;

pub(super) async fn incidents_page(State(office): State<Shared>, clerk: Clerk) -> Response {
    let store = office.store.clone();
    let township = clerk.user.township.clone();
    let rows = blocking(move || {
        let mut rows = store.ledger().list(&LedgerQuery {
            kind: Some(Kind::Incident),
            township,
            limit: Some(500),
            ..Default::default()
        })?;
        rows.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
        Ok(rows)
    })
    .await;
    match rows {
        Ok(rows) => page(pages::Incidents::new(&clerk.user, &clerk.csrf, &rows)),
        Err(e) => clerk.refuse(StatusCode::INTERNAL_SERVER_ERROR, &e, "/office"),
    }
}

pub(super) async fn fast_report(State(office): State<Shared>, clerk: Clerk, Path(id): Path<String>) -> Response {
    let store = office.store.clone();
    let who = clerk.user.clone();
    let found = blocking(move || in_scope(&store, &who, &id)).await;
    match found {
        Ok(s) => match &s.record {
            fieldcase_core::Record::Incident(i) => page(pages::FastReport::new(&clerk.user, &clerk.csrf, &s.id, i)),
            _ => clerk.refuse(StatusCode::NOT_FOUND, "这不是突发事件", "/office/incidents"),
        },
        Err(e) => clerk.refuse(StatusCode::NOT_FOUND, &e, "/office/incidents"),
    }
}
