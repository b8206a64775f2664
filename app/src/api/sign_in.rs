use leptos::prelude::*;

use super::{types::LinkStatus, AppError};

/// Asks for a sign-in link (DESIGN §4). The answer is the same whether or not the address is
/// known; the browser is sent back to `/?sign_in=requested`, so it shows with and without
/// JavaScript.
#[server(prefix = "/sf", endpoint = "request_sign_in")]
pub async fn request_sign_in(email: String) -> Result<(), AppError> {
    use crate::backend::{backend, client_ip};
    let email = crate::domain::Email::parse(&email)?;
    backend()?.request_sign_in(email, client_ip()).await?;
    leptos_axum::redirect("/?sign_in=requested");
    Ok(())
}

/// Whether a sign-in link can still be used. Reads only: `GET /auth/{token}` must not use up the
/// link, since mail scanners fetch every link they see.
#[server(prefix = "/sf", endpoint = "sign_in_link_status")]
pub async fn sign_in_link_status(token: String) -> Result<LinkStatus, AppError> {
    crate::backend::backend()?.sign_in_link_status(&token).await
}

/// Uses the link once and starts a session; the browser lands on `/preferences`.
#[server(prefix = "/sf", endpoint = "redeem_sign_in")]
pub async fn redeem_sign_in(token: String) -> Result<(), AppError> {
    let session = crate::backend::backend()?.redeem_sign_in(&token).await?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&session.set_cookie).map_err(|_| AppError::Internal)?,
    );
    leptos_axum::redirect("/preferences");
    Ok(())
}

/// Ends the session and returns to the start page.
#[server(prefix = "/sf", endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::backend::{backend, request_parts};
    let parts = request_parts()?;
    let cookie = parts
        .headers
        .get(http::header::COOKIE)
        .and_then(|v| v.to_str().ok());
    let clear = backend()?.sign_out(cookie).await?;
    let response = expect_context::<leptos_axum::ResponseOptions>();
    response.append_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&clear).map_err(|_| AppError::Internal)?,
    );
    leptos_axum::redirect("/?signed_out=1");
    Ok(())
}
