//! The papers a case file is made of, as PDF: the interview transcript (询问笔录), the site
//! inspection record (现场检查笔录) and its correction order (责令改正指令书), the mediation
//! agreement (调解协议书), the fast report of an incident (快报), the case's closing report
//! (结案报告), and the whole case file (卷宗) with its cover and contents. A4, Chinese in an
//! embedded subset of a freely licensed font, 第 N 页 共 M 页 on each page, the parties'
//! signatures drawn where they sign (the interviewee's on every page of a transcript); a
//! sealed record carries on every page a QR code of its seal (`fieldcase verify-qr` checks a
//! printed page against the registry), a draft says 草稿 across each page.
//!
//! Made at the hub and by the command line, not on the phones: the phone library stays small,
//! and the phones show the same record on screen.

mod font;
mod kinds;
mod layout;

use fieldcase_core::model::{Kind, Record, Signature};
use fieldcase_core::store::seal_qr;
use fieldcase_core::{Error, LedgerQuery, Store, StoredRecord};

pub use font::PdfFont;
use layout::{OnEveryPage, Pages, Signed, Strokes};

/// Why a document could not be made.
#[derive(Debug)]
pub enum DocumentError {
    /// The record is not there, or is of a kind that has no paper.
    Record(Error),
    /// No font with Chinese is installed.
    Font(String),
    Pdf(String),
}

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocumentError::Record(e) => write!(f, "{e}"),
            DocumentError::Font(m) | DocumentError::Pdf(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DocumentError {}

impl From<Error> for DocumentError {
    fn from(e: Error) -> Self {
        DocumentError::Record(e)
    }
}

/// The kinds that print as a document, and the document's name.
pub fn document_name(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::Interview => "询问笔录",
        Kind::Inspection => "现场检查笔录",
        Kind::Mediation => "调解协议书",
        Kind::Incident => "欠薪突发事件快报",
        Kind::Case => "结案报告",
        _ => return None,
    })
}

/// The record `id` as its document.
pub fn document(store: &Store, id: &str) -> Result<Vec<u8>, DocumentError> {
    let font = PdfFont::find().map_err(DocumentError::Font)?;
    let r = store.records().get(id)?;
    let mut pages = Pages::new(&font);
    pages.begin(on_every_page(store, &r)?);
    kinds::lay_out(store, &r, &mut pages)?;
    pages.finish(false).map_err(DocumentError::Pdf)
}

/// The case file of case `id`: its cover and contents, then each linked record's document in
/// order of time, and the case with its follow-ups, hand-overs and closing report; each
/// document numbers its own pages, and the file numbers them all through. Only records of a
/// township `sees` accepts go in (an office's own, or all for the district).
pub fn casefile(store: &Store, id: &str, sees: &dyn Fn(&str) -> bool) -> Result<Vec<u8>, DocumentError> {
    let font = PdfFont::find().map_err(DocumentError::Font)?;
    let case = store.records().get(id)?;
    if case.kind != Kind::Case {
        return Err(DocumentError::Record(Error::invalid(
            "id",
            "casefile_of_case",
            format!(
                "record {id} is a {}, not a case: a case file is made for a case",
                case.kind
            ),
        )));
    }
    let mut pages = Pages::new(&font);
    let mut parts: Vec<(String, usize)> = vec![];
    for r in linked_records(store, &case)?
        .into_iter()
        .filter(|r| sees(r.record.township()))
    {
        pages.begin(on_every_page(store, &r)?);
        kinds::lay_out(store, &r, &mut pages)?;
        let title = format!(
            "{}{}",
            document_name(r.kind).unwrap_or("记录"),
            kinds::short_subject(&r).map(|s| format!("（{s}）")).unwrap_or_default()
        );
        parts.push((title, pages.count()));
    }
    // The cover is laid out once the documents are numbered; if it runs over a page, the
    // numbers move on by as many pages and it is laid out again.
    let mut cover_pages = 1;
    loop {
        pages.begin(OnEveryPage {
            running_head: format!("卷宗：{}", kinds::case_title(&case)),
            ..Default::default()
        });
        kinds::cover(&case, &mut pages);
        let mut first = cover_pages + 1;
        let rows: Vec<Vec<String>> = parts
            .iter()
            .enumerate()
            .map(|(i, (title, n))| {
                let row = vec![(i + 1).to_string(), title.clone(), format!("{first}—{}", first + n - 1)];
                first += n;
                row
            })
            .collect();
        pages.heading("卷内目录");
        pages.table(&["序号", "文书", "卷宗页码"], &[1.0, 6.0, 1.8], &rows);
        pages.para("页码为本卷宗的页码（每页右下角）；每份文书另有其自身的页码。已签署的文书每页印有签章二维码，可用 fieldcase verify-qr 或办公室的核验页面核验。");
        if pages.count() == cover_pages {
            break;
        }
        cover_pages = pages.count();
        pages.drop_last();
    }
    pages.move_last_to_front();
    pages.finish(true).map_err(DocumentError::Pdf)
}

/// The records a case file holds: those that name the case (its interviews, inspections,
/// mediations, incidents), oldest first, then the case itself (its follow-ups, hand-overs and
/// the closing report).
fn linked_records(store: &Store, case: &StoredRecord) -> Result<Vec<StoredRecord>, DocumentError> {
    let mut ids: Vec<String> = case.linked_from.iter().map(|(id, _)| id.clone()).collect();
    for kind in [Kind::Inspection, Kind::Interview, Kind::Mediation] {
        // Every record of the kind in the case's township, page by page.
        let mut rows = vec![];
        let mut after = None;
        loop {
            let q = LedgerQuery {
                kind: Some(kind),
                township: Some(case.record.township().to_string()),
                limit: Some(fieldcase_core::store::MAX_PAGE),
                after: after.take(),
                ..Default::default()
            };
            let page = store.ledger().list(&q)?;
            after = page.last().map(|r| r.cursor.clone());
            let full = page.len() == fieldcase_core::store::MAX_PAGE as usize;
            rows.extend(page);
            if !full {
                break;
            }
        }
        for row in rows {
            let r = store.records().record(&row.id)?;
            let names_case = match &r {
                Record::Interview(x) => x.case_id.as_deref() == Some(&case.id),
                Record::Inspection(x) => x.case_id.as_deref() == Some(&case.id),
                Record::Mediation(x) => x.case_id.as_deref() == Some(&case.id),
                _ => false,
            };
            if names_case && !ids.contains(&row.id) {
                ids.push(row.id);
            }
        }
    }
    let mut out = vec![];
    for id in ids {
        let r = store.records().get(&id)?;
        if document_name(r.kind).is_some() && r.kind != Kind::Case {
            out.push(r);
        }
    }
    out.sort_by_key(|r| r.created.as_ref().map(|s| s.at));
    out.push(case.clone());
    Ok(out)
}

fn running_head(r: &StoredRecord) -> String {
    format!("{}　{}", document_name(r.kind).unwrap_or("记录"), r.id)
}

/// What each page of `r`'s document carries: the seal's QR code, or 草稿; the interviewee's
/// signature on every page of a transcript.
fn on_every_page(store: &Store, r: &StoredRecord) -> Result<OnEveryPage, DocumentError> {
    if document_name(r.kind).is_none() {
        return Err(DocumentError::Record(Error::invalid(
            "id",
            "printable_kind",
            format!(
                "a {} has no paper document; print its case, inspection, interview, mediation or incident",
                r.kind
            ),
        )));
    }
    let mut every = OnEveryPage::default();
    match &r.seal {
        Some(s) if s.signed => {
            every.qr = Some(seal_qr(&r.id, r.kind, &s.seal));
            every.qr_caption = format!(
                "签章：{} {}",
                s.seal.user,
                fieldcase_core::time::show_local(s.seal.sealed_at)
            );
        }
        // A case is closed with its sign-off, not sealed: its report is final once closed.
        _ if r.kind == Kind::Case => {
            every.draft =
                !matches!(&r.record, Record::Case(c) if c.status == fieldcase_core::model::CaseStatus::Closed);
        }
        // A fast report is sent as it stands: nobody signs it.
        _ if r.kind == Kind::Incident => {}
        _ => every.draft = true,
    }
    if let Record::Interview(i) = &r.record {
        every.signature = Some(signed(store, "被询问人（每页签名）", i.signatures.interviewee.as_ref()));
    }
    every.running_head = running_head(r);
    Ok(every)
}

/// A signature as printed: the strokes of the image the phone attached, if the hub holds it.
fn signed(store: &Store, label: &str, s: Option<&Signature>) -> Signed {
    let Some(s) = s else {
        return Signed {
            label: label.into(),
            ..Default::default()
        };
    };
    let strokes = s
        .image_sha256
        .as_deref()
        .and_then(|sha| store.attachments().read(sha).ok())
        .and_then(|bytes| strokes_of_svg(&String::from_utf8_lossy(&bytes)));
    Signed {
        label: label.into(),
        name: s.name.clone(),
        when: s.signed_at.map(fieldcase_core::time::show_local).unwrap_or_default(),
        strokes,
    }
}

/// The strokes of a signature SVG as the phones write it (`fieldcase_core::signature::svg`):
/// its view box and one path of `M x y L x y ...` a stroke. Anything else is not drawn.
fn strokes_of_svg(svg: &str) -> Option<Strokes> {
    let vb = svg.split("viewBox=\"").nth(1)?.split('"').next()?;
    let nums: Vec<f32> = vb.split_whitespace().filter_map(|n| n.parse().ok()).collect();
    let [_, _, width, height] = nums[..] else { return None };
    let mut lines = vec![];
    for d in svg.split("<path d=\"").skip(1) {
        let d = d.split('"').next()?;
        let mut line = vec![];
        for part in d.split(['M', 'L']).map(str::trim).filter(|p| !p.is_empty()) {
            let xy: Vec<f32> = part.split_whitespace().filter_map(|n| n.parse().ok()).collect();
            if let [x, y] = xy[..] {
                if x.is_finite() && y.is_finite() {
                    line.push((x.clamp(0.0, width), y.clamp(0.0, height)));
                }
            }
        }
        if line.len() > 1 {
            lines.push(line);
        }
    }
    (width > 0.0 && height > 0.0).then_some(Strokes { width, height, lines })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_svg_of_the_phones_gives_its_strokes() {
        let svg = fieldcase_core::signature::svg(
            &[vec![
                fieldcase_core::signature::PadPoint { x: 1.0, y: 2.0 },
                fieldcase_core::signature::PadPoint { x: 30.0, y: 40.0 },
            ]],
            600,
            200,
        );
        let s = strokes_of_svg(&svg).unwrap();
        assert_eq!((s.width, s.height), (600.0, 200.0));
        assert_eq!(s.lines, vec![vec![(1.0, 2.0), (30.0, 40.0)]]);
        assert!(strokes_of_svg("<svg>not ours</svg>").is_none());
    }
}
