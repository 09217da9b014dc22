//! The office prints: a record's paper document (打印 on the case page and beside each linked
//! record), a case's whole file (打印卷宗), and checks a printed page's seal code (核验). What
//! the papers say is `crate::documents`; here are the township wall and the audit trail.

use super::*;

fn pdf(bytes: Vec<u8>, name: &str) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    secure_headers(&mut r, "application/pdf");
    // The name in UTF-8 for the browser's save dialog; an ASCII one for older ones.
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "inline; filename=\"document.pdf\"; filename*=UTF-8''{encoded}"
    )) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// What went wrong making a paper, in Chinese.
fn said(e: &crate::documents::DocumentError) -> String {
    match e {
        crate::documents::DocumentError::Record(e) => say(e),
        other => format!("文书生成失败：{other}"),
    }
}

async fn print(office: Shared, clerk: Clerk, id: String, whole_file: bool) -> Response {
    let store = office.store.clone();
    let who = clerk.user.clone();
    let made = tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, String), String> {
        let r = in_scope(&store, &who, &id).map_err(|e| say(&e))?;
        let bytes = if whole_file {
            crate::documents::casefile(&store, &id, &|t| who.sees(t))
        } else {
            crate::documents::document(&store, &id)
        }
        .map_err(|e| said(&e))?;
        let name = if whole_file {
            "卷宗"
        } else {
            crate::documents::document_name(r.kind).unwrap_or("文书")
        };
        store
            .office()
            .audit(
                &who.name,
                Some(r.record.township()),
                "print",
                &format!("打印{name}：{id}"),
            )
            .map_err(|e| say(&e))?;
        Ok((bytes, format!("{name}-{id}.pdf")))
    })
    .await
    .unwrap_or_else(|_| Err("服务器内部错误，未做任何修改".into()));
    match made {
        Ok((bytes, name)) => pdf(bytes, &name),
        Err(e) => clerk.refuse(StatusCode::NOT_FOUND, &e, "/office"),
    }
}

pub(super) async fn document_pdf(State(office): State<Shared>, clerk: Clerk, Path(id): Path<String>) -> Response {
    print(office, clerk, id, false).await
}

pub(super) async fn casefile_pdf(State(office): State<Shared>, clerk: Clerk, Path(id): Path<String>) -> Response {
    print(office, clerk, id, true).await
}

pub(super) async fn verify_page(clerk: Clerk) -> Response {
    page(pages::VerifyPage {
        nav: Some(clerk.nav()),
        csrf: &clerk.csrf,
        code: "",
        check: None,
    })
}

#[derive(Deserialize)]
pub(super) struct VerifyForm {
    #[serde(default)]
    code: String,
}

pub(super) async fn verify(State(office): State<Shared>, posted: Posted<VerifyForm>) -> Response {
    let (clerk, f) = (posted.clerk, posted.form);
    let store = office.store.clone();
    let code = f.code.trim().to_string();
    let asked = code.clone();
    let who = clerk.user.clone();
    let check = tokio::task::spawn_blocking(move || {
        let mut check = store.verify_printed(&asked).map_err(|e| say(&e))?;
        // Whether the hub holds the record is said of the office's own records only.
        if in_scope(&store, &who, &check.record).is_err() {
            check.matches_stored_record = None;
        }
        Ok(check)
    })
    .await
    .unwrap_or_else(|_| Err("服务器内部错误".into()));
    page(pages::VerifyPage {
        nav: Some(clerk.nav()),
        csrf: &clerk.csrf,
        code: &code,
        check: Some(check),
    })
}
