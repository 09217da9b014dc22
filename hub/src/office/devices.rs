//! The township's devices: enrolling a phone (its one-time code and join link as a QR code) and
//! revoking one.

use super::*;

pub(super) async fn devices_page(State(office): State<Shared>, headers: HeaderMap) -> Response {
    let (user, csrf) = logged_in!(office, headers);
    let store = office.store.clone();
    let township = user.township.clone();
    match blocking(move || {
        Ok(store
            .devices()?
            .into_iter()
            .filter(|d| township.as_ref().is_none_or(|t| *t == d.township))
            .collect::<Vec<_>>())
    })
    .await
    {
        Ok(list) => html(pages::devices(&user, &csrf, &list, None)),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct EnrollForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    township: String,
}

/// The QR code of a join link, as SVG squares (no script, no image file).
pub(super) fn qr_svg(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return String::new();
    };
    let w = code.width();
    let colors = code.to_colors();
    let cell = 4;
    let size = (w + 8) * cell;
    let mut svg = format!(
        "<svg id=\"qr\" width=\"{size}\" height=\"{size}\" viewBox=\"0 0 {size} {size}\"><rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/>"
    );
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            svg.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{cell}\" height=\"{cell}\"/>",
                (i % w + 4) * cell,
                (i / w + 4) * cell
            ));
        }
    }
    svg + "</svg>"
}

pub(super) async fn enroll_device(
    State(office): State<Shared>,
    headers: HeaderMap,
    Form(f): Form<EnrollForm>,
) -> Response {
    let (user, csrf) = posted!(office, headers, f.csrf);
    let township = user.township.clone().unwrap_or_else(|| f.township.trim().to_string());
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let scheme = if office.secure { "https" } else { "http" };
    let store = office.store.clone();
    let who = user.clone();
    let done = blocking(move || {
        let role: fieldcase_core::Role = f.role.parse()?;
        let e = store.enroll(&township, role, f.user.trim())?;
        let pin = crate::TlsIdentity::kept(&store)?
            .map(|t| t.fingerprint())
            .filter(|_| scheme == "https");
        let link = fieldcase_core::sync::JoinLink {
            hub: format!("{scheme}://{host}/"),
            code: e.code.clone(),
            pin,
        }
        .to_uri();
        store.office().audit(
            &who.name,
            Some(e.township.as_str()),
            "enroll",
            &format!("{} ({}) in {}", e.user, role.as_str(), e.township),
        )?;
        Ok((e, link, store.devices()?))
    })
    .await;
    match done {
        Ok((e, link, list)) => {
            let list: Vec<_> = list
                .into_iter()
                .filter(|d| user.township.as_ref().is_none_or(|t| *t == d.township))
                .collect();
            let shown = pages::Enrolled {
                user: e.user,
                code: e.code,
                qr: qr_svg(&link),
                link,
                expires: fieldcase_core::calendar::show_local(e.expires_at),
            };
            html(pages::devices(&user, &csrf, &list, Some(&shown)))
        }
        Err(e) => refuse(StatusCode::UNPROCESSABLE_ENTITY, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    device: String,
}

pub(super) async fn revoke_device(
    State(office): State<Shared>,
    headers: HeaderMap,
    Form(f): Form<RevokeForm>,
) -> Response {
    let (user, _) = posted!(office, headers, f.csrf);
    let store = office.store.clone();
    let who = user.clone();
    let done = blocking(move || {
        let d = store
            .devices()?
            .into_iter()
            .find(|d| d.id == f.device && who.township.as_ref().is_none_or(|t| *t == d.township))
            .ok_or_else(|| Error::NotFound {
                what: "device",
                id: f.device.clone(),
            })?;
        store.revoke(&d.id)?;
        store.office().audit(
            &who.name,
            Some(d.township.as_str()),
            "revoke",
            &format!("device {} of {}", d.id, d.user),
        )?;
        Ok(())
    })
    .await;
    match done {
        Ok(()) => redirect("/office/devices"),
        Err(e) => refuse(StatusCode::UNPROCESSABLE_ENTITY, &e),
    }
}
