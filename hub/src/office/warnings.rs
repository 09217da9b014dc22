//! Early warning: importing a month of enterprise indicators (CSV or XLSX), the employers the
//! rules flag with their reasons, and a case opened from a warning. The rules are the core's.

use super::*;

#[derive(Deserialize)]
pub(super) struct RuleParams {
    headcount: Option<u32>,
    electricity: Option<u32>,
    arrears: Option<u32>,
}

impl RuleParams {
    fn rules(&self) -> fieldcase_core::warning::Rules {
        let d = fieldcase_core::warning::Rules::default();
        fieldcase_core::warning::Rules {
            headcount_drop_pct: self.headcount.unwrap_or(d.headcount_drop_pct).min(100),
            electricity_drop_pct: self.electricity.unwrap_or(d.electricity_drop_pct).min(100),
            arrears_months: self.arrears.unwrap_or(d.arrears_months).min(24),
        }
    }
}

pub(super) async fn warnings_page(State(office): State<Shared>, clerk: Clerk, Query(p): Query<RuleParams>) -> Response {
    let rules = p.rules();
    let store = office.store.clone();
    let township = clerk.user.township.clone();
    match blocking(move || store.ledger().warnings(township.as_deref(), &rules)).await {
        Ok(w) => page(pages::WarningsPage {
            nav: Some(clerk.nav()),
            csrf: &clerk.csrf,
            rules: &rules,
            list: &w,
            report: None,
        }),
        Err(e) => clerk.refuse(StatusCode::INTERNAL_SERVER_ERROR, &e, "/office"),
    }
}

pub(super) async fn import_indicators(State(office): State<Shared>, upload: Upload) -> Response {
    let Upload { clerk, name, bytes, .. } = upload;
    let rows = match crate::sheets::cells(&name, &bytes) {
        Ok(r) => r,
        Err(e) => return clerk.refuse(StatusCode::BAD_REQUEST, &e, "/office/warnings"),
    };
    let store = office.store.clone();
    let who = clerk.user.clone();
    let rules = fieldcase_core::warning::Rules::default();
    let done = blocking(move || {
        let (read, problems) = fieldcase_core::warning::read_rows(&rows);
        let report = store.as_clerk(&who)?.import_indicators(&read, problems)?;
        store.office().audit(
            &who.name,
            who.township.as_deref(),
            "import",
            &format!(
                "{name}：{} 行，{} 家单位，{} 行未导入",
                report.rows,
                report.employers,
                report.problems.len()
            ),
        )?;
        let warnings = store.ledger().warnings(who.township.as_deref(), &rules)?;
        Ok((report, warnings))
    })
    .await;
    match done {
        Ok((report, warnings)) => page(pages::WarningsPage {
            nav: Some(clerk.nav()),
            csrf: &clerk.csrf,
            rules: &rules,
            list: &warnings,
            report: Some(&report),
        }),
        Err(e) => clerk.refuse(StatusCode::BAD_REQUEST, &e, "/office/warnings"),
    }
}

#[derive(Deserialize)]
pub(super) struct WarningCaseForm {
    #[serde(default)]
    employer: String,
}

pub(super) async fn case_from_warning(State(office): State<Shared>, posted: Posted<WarningCaseForm>) -> Response {
    let (clerk, f) = (posted.clerk, posted.form);
    let store = office.store.clone();
    let who = clerk.user.clone();
    let opened = blocking(move || {
        let w = store
            .ledger()
            .warnings(who.township.as_deref(), &fieldcase_core::warning::Rules::default())?
            .into_iter()
            .find(|w| w.employer_id == f.employer)
            .ok_or_else(|| Error::NotFound {
                what: "warning for employer",
                id: f.employer.clone(),
            })?;
        let id = store.as_clerk(&who)?.open_case_from_warning(&w)?;
        store.office().audit(
            &who.name,
            Some(w.township.as_str()),
            "open_case",
            &format!("为「{}」立案（预警）", w.name),
        )?;
        Ok(id)
    })
    .await;
    match opened {
        Ok(id) => redirect(&format!("/office/case/{}", cases::url_segment(&id))),
        Err(e) => clerk.refuse(StatusCode::UNPROCESSABLE_ENTITY, &e, "/office/warnings"),
    }
}
