//! The one HTML shell of every page the server renders without hydration: the link pages, the
//! staff console and the API docs. (The hydrated customer pages use `app.rs`'s `shell`.)

use leptos::prelude::*;

use crate::{i18n::Lang, tr};

/// Escapes text for HTML content and attribute values.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Who a page is for: the public (customers and senders, in their language) or the
/// organisation's staff (in English).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public(Lang),
    Staff,
}

/// A whole page of the organisation `org`: `title` (both escaped here), then the already
/// rendered `header` and `main`.
pub fn document(audience: Audience, org: &str, title: &str, header: &str, main: &str) -> String {
    let title = escape_html(title);
    let (lang, suffix, robots, body_class, footer) = match audience {
        Audience::Public(lang) => (
            lang.code(),
            escape_html(org),
            "",
            "",
            format!(
                "<footer class=\"site-footer\"><p>{}</p></footer>",
                escape_html(&tr!(lang, "site-footer", org = org))
            ),
        ),
        Audience::Staff => (
            "en".to_owned(),
            escape_html(&staff_brand(org)),
            "<meta name=\"robots\" content=\"noindex\">",
            " class=\"staff\"",
            String::new(),
        ),
    };
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{robots}\
         <title>{title} — {suffix}</title><link rel=\"stylesheet\" href=\"/pkg/attune.css\">\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"></head><body{body_class}>\
         {header}<main id=\"main\">{main}</main>{footer}</body></html>"
    )
}

/// What the staff console is called: the organisation's console, in English.
pub fn staff_brand(org: &str) -> String {
    format!("{org} staff")
}

/// The public site's header: the organisation's name, linking home.
pub fn public_header(org: &str) -> String {
    format!(
        "<header class=\"site-header\"><a href=\"/\" class=\"brand\">{}</a></header>",
        escape_html(org)
    )
}

/// The customer's header: the organisation's name, and the language switch, which comes `back`
/// to this page.
pub fn customer_header(org: &str, lang: &Lang, back: &str) -> String {
    let (org, lang, back) = (org.to_owned(), *lang, back.to_owned());
    render(move || {
        view! {
            <header class="site-header">
                <a class="brand" href="/">{org}</a>
                <LanguageSwitch lang back/>
            </header>
        }
        .into_any()
    })
}

/// Renders a view to HTML outside a request's reactive owner.
pub fn render(view: impl FnOnce() -> AnyView) -> String {
    use leptos::tachys::view::RenderHtml;
    Owner::new().with(|| view().to_html())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_is_escaped_and_staff_pages_are_kept_out_of_search_engines() {
        let staff = document(Audience::Staff, "Shop", "<b>Ann & co</b>", "", "<p>x</p>");
        assert!(staff.contains("<title>&lt;b&gt;Ann &amp; co&lt;/b&gt; — Shop staff</title>"));
        assert!(staff.contains("noindex") && staff.contains("<body class=\"staff\">"));
        let es = Lang::from_code("es").unwrap();
        let public = document(
            Audience::Public(es),
            "Shop",
            "Unsubscribe",
            &public_header("Shop"),
            "<p>x</p>",
        );
        assert!(!public.contains("noindex") && public.contains("site-footer"));
        assert!(public.contains("<html lang=\"es\">"));
        assert!(public.contains(&escape_html(&tr!(es, "site-footer", org = "Shop"))));
        assert!(public.contains("<main id=\"main\"><p>x</p></main>"));
    }

    #[test]
    fn every_page_is_branded_with_the_organisations_name_escaped_not_with_attune() {
        let org = "<Example> Shop & Co";
        let escaped = "&lt;Example&gt; Shop &amp; Co";
        let en = Lang::english();
        let public = document(
            Audience::Public(en),
            org,
            "Unsubscribe",
            &public_header(org),
            "",
        );
        let customer = customer_header(org, &en, "/u/x");
        let staff = document(Audience::Staff, org, "Topics", "", "");

        assert!(
            public.contains(&format!("<title>Unsubscribe — {escaped}</title>")),
            "{public}"
        );
        assert!(
            public.contains(&format!("class=\"brand\">{escaped}</a>")),
            "{public}"
        );
        assert!(
            public.contains(&format!("<p>{escaped} keeps track")),
            "{public}"
        );
        assert!(customer.contains(&format!(">{escaped}</a>")), "{customer}");
        assert!(
            staff.contains(&format!("<title>Topics — {escaped} staff</title>")),
            "{staff}"
        );
        for page in [&public, &customer, &staff] {
            assert!(
                !page.contains("Attune") && !page.contains("<Example>"),
                "{page}"
            );
        }
    }
}

/// The language switch on every customer page: one button per other language, each named in
/// its own language, posting to `/language`, which remembers the choice and comes `back`.
#[component]
pub fn LanguageSwitch(lang: Lang, back: String) -> impl IntoView {
    let others: Vec<Lang> = Lang::all()
        .iter()
        .filter(|l| **l != lang)
        .copied()
        .collect();
    view! {
        <form method="post" action="/language" class="language-switch">
            <input type="hidden" name="back" value=back/>
            <span class="visually-hidden">{tr!(lang, "language-switch-label")}": "</span>
            {others.into_iter().map(|l| {
                let code = l.code();
                view! { <button type="submit" name="lang" value=code.clone() lang=code class="link-button">{l.name()}</button> }
            }).collect_view()}
        </form>
    }
}
