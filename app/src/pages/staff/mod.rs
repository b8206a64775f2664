//! The staff console (DESIGN §5): plain server-rendered pages under `/staff`, without hydration.
//! Every form posts back to the server, which answers with a redirect (POST-redirect-GET) or
//! the page again with the error and the input kept. Only the server renders these pages, so
//! they are left out of the WebAssembly bundle.

pub mod admin;
pub mod contacts;

use leptos::prelude::*;

/// Who is signed in, and which part of the console is open: drives the navigation.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffNav {
    pub email: String,
    pub admin: bool,
    /// The path of the section open now, e.g. `/staff/admin/topics`.
    pub current: &'static str,
}

/// A short message after a form was saved, or an error, shown at the top of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Flash {
    Notice(String),
    Error(String),
}

/// The flash message, as a status (notice) or alert (error) region.
#[component]
pub fn FlashMessage(flash: Option<Flash>) -> impl IntoView {
    flash.map(|f| match f {
        Flash::Notice(m) => {
            view! { <p class="card notice staff-flash" role="status">{m}</p> }.into_any()
        }
        Flash::Error(m) => {
            view! { <p class="card error staff-flash" role="alert">{m}</p> }.into_any()
        }
    })
}

fn nav_link(nav: &StaffNav, href: &'static str, label: &'static str) -> impl IntoView {
    let current = (nav.current == href).then_some("page");
    view! { <li><a href=href aria-current=current>{label}</a></li> }
}

/// The console's header: the organisation's console, navigation (admin sections only for
/// admins) and sign-out.
#[component]
fn StaffHeader(org: String, nav: Option<StaffNav>) -> impl IntoView {
    view! {
        <header class="site-header staff-header">
            <a class="brand" href="/staff">{crate::pages::shell::staff_brand(&org)}</a>
            {nav.map(|nav| {
                let admin = nav.admin.then(|| view! {
                    {nav_link(&nav, "/staff/admin/topics", "Topics")}
                    {nav_link(&nav, "/staff/admin/senders", "Senders")}
                    {nav_link(&nav, "/staff/admin/endpoints", "Webhook endpoints")}
                    {nav_link(&nav, "/staff/admin/users", "Staff users")}
                });
                view! {
                    <nav aria-label="Staff console">
                        <ul class="staff-nav">
                            {nav_link(&nav, "/staff", "Contacts")}
                            {admin}
                        </ul>
                    </nav>
                    <form method="post" action="/staff/logout" class="staff-signout">
                        <span class="hint">{format!("Signed in as {}", nav.email)}</span>
                        " "
                        <button type="submit" class="link-button">"Sign out"</button>
                    </form>
                }
            })}
        </header>
    }
}

/// A whole console page of the organisation `org` around `body`, rendered on the server,
/// styled, with no scripts.
pub fn render_staff_document(
    org: &str,
    title: &str,
    nav: Option<StaffNav>,
    body: impl FnOnce() -> AnyView,
) -> String {
    use crate::pages::shell::{document, render, Audience};
    let brand = org.to_owned();
    let header = render(|| view! { <StaffHeader org=brand nav/> }.into_any());
    document(Audience::Staff, org, title, &header, &render(body))
}

/// `/staff/login`: email and password.
#[component]
pub fn StaffLogin(email: String, flash: Option<Flash>) -> impl IntoView {
    view! {
        <section class="card">
            <h1>"Staff sign-in"</h1>
            <FlashMessage flash/>
            <form method="post" action="/staff/login" class="stack">
                <label for="staff-email">"Email address"</label>
                <input id="staff-email" type="email" name="email" value=email required autocomplete="username"/>
                <label for="staff-password">"Password"</label>
                <input id="staff-password" type="password" name="password" required autocomplete="current-password"/>
                <button type="submit">"Sign in"</button>
            </form>
        </section>
    }
}

/// A page the signed-in staff user may not open (403).
#[component]
pub fn StaffForbidden() -> impl IntoView {
    view! {
        <section class="card">
            <h1>"You don’t have access to this page"</h1>
            <p>"This part of the console is for administrators. Ask an administrator if you need something changed here."</p>
            <p><a href="/staff">"Back to contacts"</a></p>
        </section>
    }
}

/// A page for a problem (unknown contact, bad request…).
#[component]
pub fn StaffProblem(title: String, message: String) -> impl IntoView {
    view! {
        <section class="card">
            <h1>{title}</h1>
            <p>{message}</p>
            <p><a href="/staff">"Back to contacts"</a></p>
        </section>
    }
}
