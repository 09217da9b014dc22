//! A browser as the office's tests need one: cookies kept between requests, redirects not
//! followed, the CSRF token read off a page's form.

use std::collections::HashMap;

pub struct Browser {
    base: String,
    http: reqwest::blocking::Client,
    cookies: HashMap<String, String>,
}

pub struct Page {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub set_cookies: Vec<String>,
    pub bytes: Vec<u8>,
}

impl Page {
    /// The text the page shows, a PDF's text (pdftotext), or a workbook's cells
    /// (tab-separated) when it is one.
    pub fn shown(&self) -> String {
        use calamine::{Reader, Xlsx};
        if self.bytes.starts_with(b"%PDF-") {
            let dir = tempfile::tempdir().unwrap();
            let pdf = dir.path().join("page.pdf");
            std::fs::write(&pdf, &self.bytes).unwrap();
            let out = std::process::Command::new("pdftotext")
                .arg(&pdf)
                .arg("-")
                .output()
                .expect("pdftotext (poppler-utils) reads the printed documents");
            assert!(out.status.success(), "a PDF pdftotext can read");
            return String::from_utf8_lossy(&out.stdout).into_owned();
        }
        if !self.bytes.starts_with(b"PK") {
            return self.body.clone();
        }
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(self.bytes.clone())).unwrap();
        let mut text = String::new();
        for name in book.sheet_names() {
            for row in book.worksheet_range(&name).unwrap().rows() {
                for cell in row {
                    text.push_str(&cell.to_string());
                    text.push('\t');
                }
            }
        }
        text
    }
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser {
            base: base.trim_end_matches('/').to_string(),
            http: reqwest::blocking::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn take(&mut self, r: reqwest::blocking::Response) -> Page {
        let status = r.status().as_u16();
        let location = r.headers().get("location").map(|v| v.to_str().unwrap().to_string());
        let set_cookies: Vec<String> = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for c in &set_cookies {
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        let bytes = r.bytes().unwrap().to_vec();
        Page {
            status,
            body: String::from_utf8_lossy(&bytes).to_string(),
            location,
            set_cookies,
            bytes,
        }
    }

    pub fn get(&mut self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .unwrap();
        self.take(r)
    }

    pub fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .form(form)
            .send()
            .unwrap();
        self.take(r)
    }

    /// A body of its own type (a multipart form with a file).
    pub fn post_raw(&mut self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .header("content-type", content_type)
            .body(body)
            .send()
            .unwrap();
        self.take(r)
    }

    /// The CSRF token a page's forms carry.
    pub fn csrf(page: &Page) -> String {
        let at = page.body.find("name=\"csrf\" value=\"").expect("a form with its token") + 19;
        page.body[at..at + 64].to_string()
    }

    pub fn login(&mut self, user: &str, password: &str) -> Page {
        let form = self.get("/office/login");
        let csrf = Browser::csrf(&form);
        self.post(
            "/office/login",
            &[("user", user), ("password", password), ("csrf", &csrf)],
        )
    }
}
