use leptos::prelude::*;

use super::AppError;

/// Asks for a sign-in link (DESIGN §4). The email flow itself is not built yet: this checks the
/// address and answers the same way for every valid address, known or not.
#[server(prefix = "/sf", endpoint = "request_sign_in")]
pub async fn request_sign_in(email: String) -> Result<(), AppError> {
    crate::domain::Email::parse(&email)?;
    leptos_axum::redirect("/?sign_in=requested");
    Ok(())
}
