//! The township's devices: enrolling a phone (its one-time code and join link as a QR code) and
//! revoking one.

use super::*;

/// The devices of the clerk's township (all, for the district office).
fn devices_of(store: &Store, user: &OfficeUser) -> Result<Vec<fieldcase_core::sync::Device>, Error> {
    Ok(store
        .hub()
        .devices()?
        .into_iter()
        .filter(|d| user.sees(&d.township))
        .collect())
}

fn devices_view(
    clerk: &Clerk,
    list: &[fieldcase_core::sync::Device],
    enrolled: Option<pages::Enrolled>,
    problem: Option<&str>,
) -> Response {
    page(pages::Devices::new(&clerk.user, &clerk.csrf, list, enrolled, problem))
}

pub(super) async fn devices_page(State(office): State<Shared>, clerk: Clerk) -> Response {
    let store = office.store.clone();
    let who = clerk.user.clone();
    match blocking(move || devices_of(&store, &who)).await {
        Ok(list) => devices_view(&clerk, &list, None, None),
        Err(e) => clerk.refuse(StatusCode::INTERNAL_SERVER_ERROR, &e, "/office"),
    }
}

#[derive(Deserialize)]
pub(super) struct EnrollForm {
    #[serde(default)]
    user: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    township: String,
}

pub(super) async fn enroll_device(
    State(office): State<Shared>,
    headers: HeaderMap,
    posted: Posted<EnrollForm>,
) -> Response {
    let (clerk, f) = (posted.clerk, posted.form);
    let township = clerk
        .user
        .township
        .clone()
        .unwrap_or_else(|| f.township.trim().to_string());
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let scheme = if office.secure { "https" } else { "http" };
    let store = office.store.clone();
    let who = clerk.user.clone();
    let done = blocking(move || {
        let role: fieldcase_core::Role = f.role.parse()?;
        let e = store.hub().enroll(&township, role, f.user.trim())?;
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
            &format!(
                "{}（{}），{}",
                e.user,
                fieldcase_core::words::role_name(role),
                e.township
            ),
        )?;
        Ok((e, link))
    })
    .await;
    let store = office.store.clone();
    let who = clerk.user.clone();
    let list = blocking(move || devices_of(&store, &who)).await.unwrap_or_default();
    match done {
        Ok((e, link)) => {
            let shown = pages::Enrolled {
                user: e.user,
                code: e.code,
                qr: pages::qr_svg(&link),
                link,
                expires: fieldcase_core::calendar::show_local(e.expires_at),
            };
            devices_view(&clerk, &list, Some(shown), None)
        }
        Err(e) => with_status(
            devices_view(&clerk, &list, None, Some(&e)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    }
}

#[derive(Deserialize)]
pub(super) struct RevokeForm {
    #[serde(default)]
    device: String,
}

pub(super) async fn revoke_device(State(office): State<Shared>, posted: Posted<RevokeForm>) -> Response {
    let (clerk, f) = (posted.clerk, posted.form);
    let store = office.store.clone();
    let who = clerk.user.clone();
    let done = blocking(move || {
        let d = devices_of(&store, &who)?
            .into_iter()
            .find(|d| d.id == f.device)
            .ok_or_else(|| Error::NotFound {
                what: "device",
                id: f.device.clone(),
            })?;
        store.hub().revoke(&d.id)?;
        store.office().audit(
            &who.name,
            Some(d.township.as_str()),
            "revoke",
            &format!("{} 的设备（{}…）", d.user, d.id.chars().take(8).collect::<String>()),
        )?;
        Ok(())
    })
    .await;
    match done {
        Ok(()) => redirect("/office/devices"),
        Err(e) => clerk.refuse(StatusCode::UNPROCESSABLE_ENTITY, &e, "/office/devices"),
    }
}
