//! Bringing a township's existing Excel or WPS ledger in from the ledger page: 检查 reads the
//! file and lists every row's problems without writing anything; 导入 writes every row's
//! employer and case, or, while any row has a problem that stops it, nothing. The reading and
//! the rules are the core's (`fieldcase_core::ledger_import`).

use super::*;

pub(super) async fn import_ledger(State(office): State<Shared>, upload: Upload) -> Response {
    let Upload {
        clerk,
        name,
        bytes,
        fields,
    } = upload;
    let dry_run = fields.get("mode").map(String::as_str) != Some("import");
    let rows = match crate::sheets::cells(&name, &bytes) {
        Ok(r) => r,
        Err(e) => return clerk.refuse(StatusCode::BAD_REQUEST, &e, "/office"),
    };
    let store = office.store.clone();
    let who = clerk.user.clone();
    let file = name.clone();
    let done = blocking(move || {
        let reading = fieldcase_core::ledger_import::read_ledger(&rows);
        let report = store.as_clerk(&who)?.import_ledger(&reading, dry_run)?;
        if report.written {
            store.office().audit(
                &who.name,
                who.township.as_deref(),
                "import_ledger",
                &format!(
                    "{file}：{} 行，新建案件 {} 件、用人单位 {} 家，已有 {} 行未重复导入",
                    report.rows, report.cases, report.new_employers, report.already_there
                ),
            )?;
        }
        Ok(report)
    })
    .await;
    match done {
        Ok(report) => page(pages::LedgerImportPage {
            nav: Some(clerk.nav()),
            file: &name,
            report: &report,
        }),
        Err(e) => clerk.refuse(StatusCode::BAD_REQUEST, &e, "/office"),
    }
}
