//! A4 pages laid out from the top down: titles, paragraphs and labelled fields wrapped at the
//! width the font's own advances give, tables whose rows move whole to the next page, and
//! signature boxes with the strokes the parties drew. Pages are laid out first and drawn after,
//! so each knows the page count (第 N 页 共 M 页), and every page can carry the same footer
//! (the interviewee's signature on a transcript), the seal's QR code and, on a draft, 草稿.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, LineCap, LineJoin, Stroke};
use krilla::text::TextDirection;
use krilla::Document;

use super::font::PdfFont;

pub const A4: (f32, f32) = (595.28, 841.89);
const MARGIN: f32 = 56.0;
/// Room kept at the foot of each page for the page number.
const FOOT: f32 = 40.0;
pub const BODY: f32 = 11.0;
const LEADING: f32 = 1.55;

/// Strokes of a drawn signature in the pad's coordinates, with the pad's size.
#[derive(Debug, Clone, Default)]
pub struct Strokes {
    pub width: f32,
    pub height: f32,
    pub lines: Vec<Vec<(f32, f32)>>,
}

/// A signature as a page shows it: who, when, and what they drew (if the image is kept).
#[derive(Debug, Clone, Default)]
pub struct Signed {
    pub label: String,
    pub name: String,
    pub when: String,
    pub strokes: Option<Strokes>,
}

enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        text: String,
        grey: bool,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    Box {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    Signature {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        strokes: Strokes,
    },
}

/// What every page carries besides its own content.
#[derive(Default)]
pub struct OnEveryPage {
    /// The seal's QR code text, drawn in the page's top right corner.
    pub qr: Option<String>,
    /// A line under the QR code saying what it is.
    pub qr_caption: String,
    /// 草稿 across the page: the record is not sealed.
    pub draft: bool,
    /// A signature the party gives on every page (the interviewee's on a transcript).
    pub signature: Option<Signed>,
    /// The document's name, in the page's head from the second page on.
    pub running_head: String,
}

/// Pages in sections, one a document: each section has what its pages carry and numbers its
/// pages itself; a case file numbers them through as well.
pub struct Pages<'f> {
    font: &'f PdfFont,
    sections: Vec<(OnEveryPage, Vec<Vec<Op>>)>,
    y: f32,
    bottom: f32,
    top: f32,
}

/// The seal's QR code: at 150 dpi each of its modules is three pixels or more.
const QR_SIZE: f32 = 96.0;

impl<'f> Pages<'f> {
    pub fn new(font: &'f PdfFont) -> Pages<'f> {
        Pages {
            font,
            sections: vec![],
            y: 0.0,
            bottom: 0.0,
            top: 0.0,
        }
    }

    /// Starts a document on a new page, with what each of its pages carries.
    pub fn begin(&mut self, every: OnEveryPage) {
        self.bottom = A4.1 - MARGIN - FOOT - if every.signature.is_some() { 62.0 } else { 0.0 };
        self.top = MARGIN + if every.qr.is_some() { QR_SIZE + 14.0 } else { 0.0 };
        self.y = self.top;
        self.sections.push((every, vec![vec![]]));
    }

    /// Pages of the last document begun.
    pub fn count(&self) -> usize {
        self.sections.last().map(|(_, p)| p.len()).unwrap_or(0)
    }

    /// Puts the last document begun first (a case file's cover, laid out once the documents
    /// after it are numbered).
    pub fn move_last_to_front(&mut self) {
        if let Some(last) = self.sections.pop() {
            self.sections.insert(0, last);
        }
    }

    /// Forgets the last document begun (to lay it out again).
    pub fn drop_last(&mut self) {
        self.sections.pop();
    }

    fn width(&self) -> f32 {
        A4.0 - 2.0 * MARGIN
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.sections.is_empty() {
            self.begin(OnEveryPage::default());
        }
        let (_, pages) = self.sections.last_mut().expect("a document is begun");
        pages.last_mut().expect("a document has a page")
    }

    pub fn new_page(&mut self) {
        if let Some((_, pages)) = self.sections.last_mut() {
            pages.push(vec![]);
        }
        self.y = self.top;
    }

    /// Starts a new page unless `h` more fits on this one.
    fn need(&mut self, h: f32) {
        if self.y + h > self.bottom && self.y > self.top {
            self.new_page();
        }
    }

    pub fn space(&mut self, h: f32) {
        self.y += h;
    }

    /// The document's title, centred.
    pub fn title(&mut self, text: &str) {
        let size = 20.0;
        self.need(size * 2.5);
        let w = self.font.width(text, size);
        let x = (A4.0 - w) / 2.0;
        self.y += size;
        let y = self.y;
        self.ops().push(Op::Text {
            x,
            y,
            size,
            text: text.into(),
            grey: false,
        });
        self.y += size * 0.9;
    }

    /// A line under the title (a number, the place and time), centred, smaller.
    pub fn subtitle(&mut self, text: &str) {
        let size = 10.0;
        let w = self.font.width(text, size);
        self.y += size * 1.2;
        let y = self.y;
        self.ops().push(Op::Text {
            x: (A4.0 - w) / 2.0,
            y,
            size,
            text: text.into(),
            grey: true,
        });
        self.y += size;
    }

    pub fn heading(&mut self, text: &str) {
        let size = 13.0;
        self.need(size * LEADING * 3.0);
        self.y += size * 1.2 + 6.0;
        let y = self.y;
        self.ops().push(Op::Text {
            x: MARGIN,
            y,
            size,
            text: text.into(),
            grey: false,
        });
        self.y += size * 0.6;
    }

    /// Text wrapped at the page's width, at `x` from the margin.
    pub fn para(&mut self, text: &str) {
        self.wrapped(MARGIN, self.width(), text, BODY, false);
    }

    /// `label：value`, the value wrapped under itself.
    pub fn field(&mut self, label: &str, value: &str) {
        let value = if value.trim().is_empty() { "—" } else { value };
        let label = format!("{label}：");
        // One column of labels; a label longer than it pushes its value on.
        let lw = (self.font.width(&label, BODY) + 4.0).max(100.0);
        let lines = self.font.wrap(value, BODY, self.width() - lw);
        let h = BODY * LEADING;
        self.need(h * lines.len().min(3) as f32);
        let mut first = true;
        for l in lines {
            self.need(h);
            self.y += h;
            if first {
                let y = self.y;
                self.ops().push(Op::Text {
                    x: MARGIN,
                    y,
                    size: BODY,
                    text: label.clone(),
                    grey: true,
                });
                first = false;
            }
            let y = self.y;
            self.ops().push(Op::Text {
                x: MARGIN + lw,
                y,
                size: BODY,
                text: l,
                grey: false,
            });
        }
        self.y += h * 0.2;
    }

    fn wrapped(&mut self, x: f32, w: f32, text: &str, size: f32, grey: bool) {
        let h = size * LEADING;
        for l in self.font.wrap(text, size, w) {
            self.need(h);
            self.y += h;
            let y = self.y;
            self.ops().push(Op::Text {
                x,
                y,
                size,
                text: l,
                grey,
            });
        }
    }

    /// A table: `widths` are shares of the page's width; a row moves whole to the next page,
    /// where the head row is drawn again.
    pub fn table(&mut self, head: &[&str], widths: &[f32], rows: &[Vec<String>]) {
        let total: f32 = widths.iter().sum();
        let cols: Vec<f32> = widths.iter().map(|w| w / total * self.width()).collect();
        let size = BODY - 1.0;
        let pad = 4.0;
        let line_h = size * 1.45;
        let layout = |font: &PdfFont, cells: &[String]| -> (Vec<Vec<String>>, f32) {
            let wrapped: Vec<Vec<String>> = cells
                .iter()
                .zip(&cols)
                .map(|(c, w)| font.wrap(c, size, w - 2.0 * pad))
                .collect();
            let n = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            (wrapped, n as f32 * line_h + 2.0 * pad)
        };
        let head_cells: Vec<String> = head.iter().map(|s| s.to_string()).collect();
        let (head_wrapped, head_h) = layout(self.font, &head_cells);
        let draw_row = |p: &mut Self, wrapped: &[Vec<String>], h: f32, grey: bool| {
            let mut x = MARGIN;
            let y0 = p.y;
            for (lines, w) in wrapped.iter().zip(&cols) {
                p.ops().push(Op::Box { x, y: y0, w: *w, h });
                for (i, l) in lines.iter().enumerate() {
                    p.ops().push(Op::Text {
                        x: x + pad,
                        y: y0 + pad + size + i as f32 * line_h,
                        size,
                        text: l.clone(),
                        grey,
                    });
                }
                x += w;
            }
            p.y += h;
        };
        self.need(head_h + line_h * 2.0 + 8.0);
        self.y += 6.0;
        draw_row(self, &head_wrapped, head_h, true);
        for r in rows {
            let (mut wrapped, mut h) = layout(self.font, r);
            // A row that fits a page moves whole to the next; a taller one starts here if a
            // few of its lines fit.
            let fits_a_page = h <= self.bottom - self.top - head_h;
            let few_fit = self.y + 2.0 * pad + 3.0 * line_h <= self.bottom;
            if self.y + h > self.bottom && (fits_a_page || !few_fit) {
                self.new_page();
                draw_row(self, &head_wrapped, head_h, true);
            }
            // A row taller than a page goes on over the next pages, its cells' lines cut where
            // the page ends, the head row drawn again over the rest.
            while self.y + h > self.bottom {
                let fit = (((self.bottom - self.y - 2.0 * pad) / line_h).floor() as usize).max(1);
                let (now, rest): (Vec<Vec<String>>, Vec<Vec<String>>) = wrapped
                    .iter()
                    .map(|lines| {
                        let cut = fit.min(lines.len());
                        (lines[..cut].to_vec(), lines[cut..].to_vec())
                    })
                    .unzip();
                draw_row(self, &now, fit as f32 * line_h + 2.0 * pad, false);
                self.new_page();
                draw_row(self, &head_wrapped, head_h, true);
                let n = rest.iter().map(Vec::len).max().unwrap_or(1).max(1);
                wrapped = rest;
                h = n as f32 * line_h + 2.0 * pad;
            }
            draw_row(self, &wrapped, h, false);
        }
        self.y += 4.0;
    }

    /// Signature boxes side by side, each with its label, what was drawn (or the name) and
    /// the time signed.
    pub fn signatures(&mut self, signed: &[Signed]) {
        if signed.is_empty() {
            return;
        }
        let per_row = 3usize;
        let w = (self.width() - 16.0 * (per_row as f32 - 1.0)) / per_row as f32;
        for row in signed.chunks(per_row) {
            let h = 102.0;
            self.need(h + 10.0);
            self.y += 10.0;
            let y0 = self.y;
            for (i, s) in row.iter().enumerate() {
                let x = MARGIN + i as f32 * (w + 16.0);
                signature_ops(self.font, self.ops(), x, y0, w, s);
            }
            self.y += h;
        }
    }

    /// Draws every page with what its document's pages carry; `through` numbers the pages of
    /// all documents in one sequence as well (卷宗第 K 页).
    pub fn finish(self, through: bool) -> Result<Vec<u8>, String> {
        let all: usize = self.sections.iter().map(|(_, p)| p.len()).sum();
        let mut doc = Document::new();
        let mut k = 0;
        for (every, pages) in self.sections {
            let total = pages.len();
            for (n, mut ops) in pages.into_iter().enumerate() {
                let n = n + 1;
                k += 1;
                self_foot(self.font, &mut ops, &every, n, total, through.then_some((k, all)));
                let mut page = doc.start_page_with(PageSettings::new(A4.0, A4.1));
                let mut surface = page.surface();
                for op in &ops {
                    draw(&mut surface, self.font, op);
                }
                if let Some(text) = &every.qr {
                    draw_qr(&mut surface, text, A4.0 - MARGIN - QR_SIZE, MARGIN - 16.0, QR_SIZE)?;
                    let caption = self.font.fit(&every.qr_caption, 7.0, 200.0);
                    let cw = self.font.width(&caption, 7.0);
                    draw(
                        &mut surface,
                        self.font,
                        &Op::Text {
                            x: A4.0 - MARGIN - cw,
                            y: MARGIN - 16.0 + QR_SIZE + 9.0,
                            size: 7.0,
                            text: caption,
                            grey: true,
                        },
                    );
                }
                if every.draft {
                    draw_draft(&mut surface, self.font);
                }
                surface.finish();
                page.finish();
            }
        }
        doc.finish().map_err(|e| format!("the PDF could not be written: {e:?}"))
    }
}

/// The foot of a page: its number in its document (and in the file), the running head, and
/// the signature given on every page.
fn self_foot(
    font: &PdfFont,
    ops: &mut Vec<Op>,
    every: &OnEveryPage,
    n: usize,
    total: usize,
    file: Option<(usize, usize)>,
) {
    let foot = format!("第 {n} 页 共 {total} 页");
    let fw = font.width(&foot, 9.0);
    ops.push(Op::Text {
        x: (A4.0 - fw) / 2.0,
        y: A4.1 - MARGIN + 4.0,
        size: 9.0,
        text: foot,
        grey: true,
    });
    if let Some((k, all)) = file {
        let t = format!("卷宗第 {k} 页 共 {all} 页");
        let w = font.width(&t, 8.0);
        ops.push(Op::Text {
            x: A4.0 - MARGIN - w,
            y: A4.1 - MARGIN + 4.0,
            size: 8.0,
            text: t,
            grey: true,
        });
    }
    if every.draft {
        let t = "草稿：未签署，不作为正式文书";
        let w = font.width(t, 9.0);
        ops.push(Op::Text {
            x: A4.0 - MARGIN - w,
            y: MARGIN - 20.0,
            size: 9.0,
            text: t.into(),
            grey: false,
        });
    }
    if n > 1 && !every.running_head.is_empty() {
        ops.push(Op::Text {
            x: MARGIN,
            y: MARGIN - 20.0,
            size: 9.0,
            text: font.fit(&every.running_head, 9.0, A4.0 - 2.0 * MARGIN - 160.0),
            grey: true,
        });
    }
    if let Some(s) = &every.signature {
        let y = A4.1 - MARGIN - FOOT - 56.0;
        ops.push(Op::Line {
            x1: MARGIN,
            y1: y - 6.0,
            x2: A4.0 - MARGIN,
            y2: y - 6.0,
            width: 0.5,
        });
        signature_ops(font, ops, A4.0 - MARGIN - 220.0, y, 220.0, s);
        ops.push(Op::Text {
            x: MARGIN,
            y: y + 20.0,
            size: 9.0,
            text: "以上笔录经本人核对无误。".into(),
            grey: true,
        });
    }
}

fn signature_ops(font: &PdfFont, ops: &mut Vec<Op>, x: f32, y: f32, w: f32, s: &Signed) {
    let size = 9.0;
    ops.push(Op::Text {
        x,
        y: y + size,
        size,
        text: format!("{}：", s.label),
        grey: true,
    });
    let (bx, by, bw, bh) = (x, y + 14.0, w, 46.0);
    match &s.strokes {
        Some(st) if !st.lines.is_empty() => ops.push(Op::Signature {
            x: bx,
            y: by,
            w: bw,
            h: bh,
            strokes: st.clone(),
        }),
        _ if !s.name.is_empty() => {
            // The name as written, made smaller to fit the box rather than cut.
            let size = (bw - 12.0) / font.width(&s.name, 1.0).max(0.01);
            let size = size.min(15.0);
            ops.push(Op::Text {
                x: bx + 6.0,
                y: by + bh / 2.0 + size / 2.0,
                size,
                text: s.name.clone(),
                grey: false,
            })
        }
        _ => {}
    }
    ops.push(Op::Line {
        x1: bx,
        y1: by + bh,
        x2: bx + bw,
        y2: by + bh,
        width: 0.7,
    });
    // Under the line: who and when, on two lines if one does not hold both.
    let under: Vec<String> = if s.name.is_empty() {
        vec!["（未签名）".into()]
    } else if s.when.is_empty() {
        font.wrap(&s.name, 8.5, bw)
    } else {
        let one = format!("{}　{}", s.name, s.when);
        if font.width(&one, 8.5) <= bw {
            vec![one]
        } else {
            let mut lines = font.wrap(&s.name, 8.5, bw);
            lines.push(s.when.clone());
            lines
        }
    };
    for (i, line) in under.into_iter().take(3).enumerate() {
        ops.push(Op::Text {
            x: bx,
            y: by + bh + 12.0 + i as f32 * 10.5,
            size: 8.5,
            text: line,
            grey: true,
        });
    }
}

fn black() -> rgb::Color {
    rgb::Color::new(0, 0, 0)
}

fn fill(color: rgb::Color, opacity: f32) -> Fill {
    Fill {
        paint: color.into(),
        opacity: NormalizedF32::new(opacity).unwrap_or(NormalizedF32::ONE),
        rule: FillRule::NonZero,
    }
}

fn draw(surface: &mut krilla::surface::Surface<'_>, font: &PdfFont, op: &Op) {
    match op {
        Op::Text { x, y, size, text, grey } => {
            surface.set_stroke(None);
            let color = if *grey { rgb::Color::new(80, 80, 80) } else { black() };
            surface.set_fill(Some(fill(color, 1.0)));
            surface.draw_text(
                Point::from_xy(*x, *y),
                font.krilla.clone(),
                *size,
                text,
                false,
                TextDirection::Auto,
            );
        }
        Op::Line { x1, y1, x2, y2, width } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    width: *width,
                    ..Default::default()
                }));
                surface.draw_path(&path);
            }
        }
        Op::Box { x, y, w, h } => {
            let mut pb = PathBuilder::new();
            if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                pb.push_rect(r);
            }
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    width: 0.5,
                    ..Default::default()
                }));
                surface.draw_path(&path);
            }
        }
        Op::Signature { x, y, w, h, strokes } => {
            // The pad's drawing scaled into the box, its proportions kept.
            let s = (w / strokes.width.max(1.0)).min(h / strokes.height.max(1.0));
            let mut pb = PathBuilder::new();
            for line in &strokes.lines {
                for (i, (px, py)) in line.iter().enumerate() {
                    let (px, py) = (x + px * s, y + py * s);
                    if i == 0 {
                        pb.move_to(px, py);
                    } else {
                        pb.line_to(px, py);
                    }
                }
            }
            if let Some(path) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(Stroke {
                    width: 1.2,
                    line_cap: LineCap::Round,
                    line_join: LineJoin::Round,
                    paint: rgb::Color::new(20, 20, 120).into(),
                    ..Default::default()
                }));
                surface.draw_path(&path);
            }
        }
    }
}

fn draw_qr(surface: &mut krilla::surface::Surface<'_>, text: &str, x: f32, y: f32, size: f32) -> Result<(), String> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::L)
        .map_err(|e| format!("the seal does not fit a QR code: {e}"))?;
    let n = code.width();
    // Four modules of quiet zone on each side, as scanners need.
    let module = size / (n as f32 + 8.0);
    let mut pb = PathBuilder::new();
    for (i, dark) in code.to_colors().iter().enumerate() {
        if *dark == qrcode::Color::Dark {
            let (cx, cy) = ((i % n) as f32, (i / n) as f32);
            if let Some(r) = Rect::from_xywh(x + (cx + 4.0) * module, y + (cy + 4.0) * module, module, module) {
                pb.push_rect(r);
            }
        }
    }
    if let Some(path) = pb.finish() {
        surface.set_stroke(None);
        surface.set_fill(Some(fill(black(), 1.0)));
        surface.draw_path(&path);
    }
    Ok(())
}

fn draw_draft(surface: &mut krilla::surface::Surface<'_>, font: &PdfFont) {
    let size = 140.0;
    let text = "草稿";
    let w = font.width(text, size);
    // Across the page from top left to bottom right.
    surface.push_transform(&Transform::from_rotate_at(35.0, A4.0 / 2.0, A4.1 / 2.0));
    surface.set_stroke(None);
    surface.set_fill(Some(fill(rgb::Color::new(200, 40, 40), 0.18)));
    surface.draw_text(
        Point::from_xy(A4.0 / 2.0 - w / 2.0, A4.1 / 2.0 + size / 3.0),
        font.krilla.clone(),
        size,
        text,
        false,
        TextDirection::Auto,
    );
    surface.pop();
}
