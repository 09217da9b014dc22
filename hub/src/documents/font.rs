//! The one font the documents use, with Chinese: a font Debian ships whose licence allows
//! embedding (Noto Sans CJK, SIL Open Font License; WenQuanYi Zen Hei, GPL with the font
//! embedding exception), or the one named by `FIELDCASE_PDF_FONT` (`PATH` or `PATH#INDEX` of a
//! collection). The PDF embeds only the glyphs used (krilla subsets it). Widths come from the
//! font's own advances, so wrapped lines never run past the margin.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use rustybuzz::ttf_parser;

/// Fonts tried in order, with the face of a collection that holds Simplified Chinese.
const CANDIDATES: &[(&str, u32)] = &[
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
];

pub struct PdfFont {
    pub krilla: krilla::text::Font,
    data: Arc<Vec<u8>>,
    index: u32,
    units_per_em: f32,
    advances: RefCell<HashMap<char, f32>>,
}

impl PdfFont {
    /// The font for documents, or why there is none (in Chinese: which package to install).
    pub fn find() -> Result<PdfFont, String> {
        let named = std::env::var("FIELDCASE_PDF_FONT").ok().filter(|s| !s.is_empty());
        let tries: Vec<(String, u32)> = match &named {
            Some(s) => {
                let (path, index) = s.rsplit_once('#').unwrap_or((s, "0"));
                vec![(path.to_string(), index.parse().unwrap_or(0))]
            }
            None => CANDIDATES.iter().map(|(p, i)| (p.to_string(), *i)).collect(),
        };
        for (path, index) in &tries {
            if let Ok(bytes) = std::fs::read(path) {
                if let Some(f) = PdfFont::from_bytes(bytes, *index) {
                    return Ok(f);
                }
            }
        }
        Err(match named {
            Some(s) => format!("FIELDCASE_PDF_FONT（{s}）不是可用的中文字体"),
            None => "没有可用的中文字体：请安装 fonts-noto-cjk 或 fonts-wqy-zenhei（apt-get install fonts-wqy-zenhei）"
                .into(),
        })
    }

    fn from_bytes(bytes: Vec<u8>, index: u32) -> Option<PdfFont> {
        let data = Arc::new(bytes);
        let face = ttf_parser::Face::parse(&data, index).ok()?;
        // A font for Chinese documents must hold Chinese.
        face.glyph_index('笔')?;
        let units_per_em = f32::from(face.units_per_em());
        let krilla = krilla::text::Font::new(data.clone().into(), index)?;
        Some(PdfFont {
            krilla,
            data,
            index,
            units_per_em,
            advances: RefCell::new(HashMap::new()),
        })
    }

    fn advance(&self, c: char) -> f32 {
        if let Some(a) = self.advances.borrow().get(&c) {
            return *a;
        }
        let a = ttf_parser::Face::parse(&self.data, self.index)
            .ok()
            .and_then(|f| f.glyph_hor_advance(f.glyph_index(c)?))
            .map(|a| f32::from(a) / self.units_per_em)
            .unwrap_or(1.0);
        self.advances.borrow_mut().insert(c, a);
        a
    }

    /// How wide `text` is at `size`.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }

    /// `text` in lines no wider than `width`: breaks at line ends given, between Chinese
    /// characters, and at spaces in other scripts (a word longer than the line is cut).
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut out = vec![];
        for para in text.split('\n') {
            let mut line = String::new();
            let mut w = 0.0;
            // Words: a run of Latin letters or digits stays together; anything else alone.
            let mut words: Vec<String> = vec![];
            for c in para.chars() {
                let joins = c.is_ascii_alphanumeric() || matches!(c, '.' | ',' | '-' | '/' | ':' | '%');
                match words.last_mut() {
                    Some(last)
                        if joins
                            && last.chars().last().is_some_and(|p| {
                                p.is_ascii_alphanumeric() || matches!(p, '.' | ',' | '-' | '/' | ':' | '%')
                            }) =>
                    {
                        last.push(c)
                    }
                    _ => words.push(c.to_string()),
                }
            }
            for word in words {
                let ww = self.width(&word, size);
                // Closing punctuation hangs past the line rather than opening the next (避头):
                // its box by half an em at most, its ink (the left of the box) inside the line.
                let closing = word.chars().all(|c| "，。、；：？！）」』”’》".contains(c));
                let hangs = closing && w + ww <= width + size * 0.5;
                if w + ww > width && !line.is_empty() && !hangs {
                    // Nor does it open a line when it cannot hang: the character before it
                    // goes down with it.
                    let carried = if closing && line.chars().count() > 1 {
                        line.pop()
                    } else {
                        None
                    };
                    out.push(std::mem::take(&mut line).trim_end().to_string());
                    w = 0.0;
                    if let Some(c) = carried {
                        line.push(c);
                        w = self.advance(c) * size;
                    }
                    if word == " " {
                        continue;
                    }
                }
                if ww > width {
                    // A word wider than the line: cut it where it fills the line.
                    for c in word.chars() {
                        let cw = self.advance(c) * size;
                        if w + cw > width && !line.is_empty() {
                            out.push(std::mem::take(&mut line));
                            w = 0.0;
                        }
                        line.push(c);
                        w += cw;
                    }
                    continue;
                }
                line.push_str(&word);
                w += ww;
            }
            out.push(line.trim_end().to_string());
        }
        out
    }

    /// `text` shortened with … to fit `width` on one line.
    pub fn fit(&self, text: &str, size: f32, width: f32) -> String {
        if self.width(text, size) <= width {
            return text.to_string();
        }
        let mut out = String::new();
        let mut w = self.width("…", size);
        for c in text.chars() {
            w += self.advance(c) * size;
            if w > width {
                break;
            }
            out.push(c);
        }
        out.push('…');
        out
    }
}
