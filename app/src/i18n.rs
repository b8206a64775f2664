//! (ssr only) The customer's language. Every word a customer reads — the pages, the link pages,
//! the mail and the text replies — lives in Fluent files, one folder per language under
//! `app/locales/` (`en/pages.ftl`, `es/pages.ftl`, …), compiled into the binary. Adding a language
//! is adding a folder: the languages Attune offers are the folders there.
//!
//! The browser gets no translation files: an island is given the words it shows as props.

use std::{borrow::Cow, collections::HashMap, sync::OnceLock};

pub use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        // The words go into HTML and mail as plain text: no Unicode isolation marks around
        // the values put into them.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A language Attune speaks: one of the folders under `app/locales/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lang(&'static LanguageIdentifier);

/// Words in `lang`: `tr!(lang, "key")`, or with values, `tr!(lang, "key", topic = name)`. The
/// key is a literal, so the test that every key is used can find it.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $key:literal) => {
        $lang.t($key)
    };
    ($lang:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $lang.t_with($key, [$((stringify!($name), $crate::i18n::FluentValue::from($value))),+])
    };
}

impl Lang {
    /// English: the fallback for a word missing in another language, and the staff's language.
    pub fn english() -> Lang {
        Lang::from_code("en").expect("app/locales/en is compiled in")
    }

    /// Every language there is a folder for, English first, then by code.
    pub fn all() -> &'static [Lang] {
        static ALL: OnceLock<Vec<Lang>> = OnceLock::new();
        ALL.get_or_init(|| {
            let loader: &'static fluent_templates::StaticLoader = &LOCALES;
            let mut all: Vec<Lang> = loader.locales().map(Lang).collect();
            all.sort_by_key(|l| (l.code() != "en", l.code()));
            all
        })
    }

    /// The language of a code such as `fr` or `fr-CA` (the region is ignored), if Attune speaks
    /// it.
    pub fn from_code(code: &str) -> Option<Lang> {
        let language = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::all().iter().find(|l| l.code() == language).copied()
    }

    /// The first language in an `Accept-Language` header, by its weights, that Attune speaks.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut wanted: Vec<(f32, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let q = pieces
                    .filter_map(|p| p.trim().strip_prefix("q="))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0 && !tag.is_empty()).then_some((q, i, tag))
            })
            .collect();
        wanted.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        wanted
            .into_iter()
            .find_map(|(_, _, tag)| Lang::from_code(tag))
    }

    /// The language's code, e.g. `es`: what `<html lang>` and the contact's `locale` say.
    pub fn code(&self) -> String {
        self.0.language.as_str().to_owned()
    }

    /// The language's name in itself, e.g. "Español".
    pub fn name(&self) -> String {
        self.t("language-name")
    }

    /// The words for `key`. Use [`tr!`], which keeps keys findable.
    pub fn t(&self, key: &str) -> String {
        LOCALES.lookup(self.0, key)
    }

    /// The words for `key` with values put in. Use [`tr!`].
    pub fn t_with<'a>(
        &self,
        key: &str,
        args: impl IntoIterator<Item = (&'static str, FluentValue<'a>)>,
    ) -> String {
        let args: HashMap<Cow<'static, str>, FluentValue<'a>> = args
            .into_iter()
            .map(|(name, value)| (Cow::Borrowed(name), value))
            .collect();
        LOCALES.lookup_with_args(self.0, key, &args)
    }

    /// A time in `tz` as this language writes it, e.g. "3 May 2026 14:02".
    pub fn date_time(&self, ms: i64, tz: &str) -> String {
        match zoned(ms, tz) {
            Some(z) => tr!(
                self,
                "date-time",
                day = z.day().to_string(),
                month = z.month(),
                year = z.year().to_string(),
                time = z.strftime("%H:%M").to_string(),
            ),
            None => String::new(),
        }
    }

    /// A day in `tz` as this language writes it, e.g. "3 May 2026".
    pub fn date(&self, ms: i64, tz: &str) -> String {
        match zoned(ms, tz) {
            Some(z) => tr!(
                self,
                "date",
                day = z.day().to_string(),
                month = z.month(),
                year = z.year().to_string(),
            ),
            None => String::new(),
        }
    }

    /// A channel's name on its own, e.g. "Text message (SMS)".
    pub fn channel_label(&self, channel: crate::domain::Channel) -> String {
        tr!(self, "channel-label", channel = channel.as_str())
    }

    /// A channel inside a sentence, e.g. "text messages".
    pub fn channel_word(&self, channel: crate::domain::Channel) -> String {
        tr!(self, "channel-word", channel = channel.as_str())
    }

    /// Channels inside a sentence, e.g. "email and text messages".
    pub fn channel_words(&self, channels: &[crate::domain::Channel]) -> String {
        let words: Vec<String> = channels.iter().map(|c| self.channel_word(*c)).collect();
        self.list(&words)
    }

    /// Items in a sentence: "email, text messages and phone calls".
    pub fn list(&self, items: &[String]) -> String {
        match items.split_last() {
            None => String::new(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => tr!(
                self,
                "list-and",
                rest = rest.join(", "),
                last = last.as_str()
            ),
        }
    }
}

impl Default for Lang {
    fn default() -> Self {
        Lang::english()
    }
}

fn zoned(ms: i64, tz: &str) -> Option<jiff::Zoned> {
    let tz = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_millisecond(ms)
        .ok()
        .map(|t| t.to_zoned(tz))
}

/// The language the request being answered is in: the server's middleware decides it (the
/// language switch's choice, else the contact's language, else the browser's) and puts it on
/// the request. English outside a request.
pub fn lang() -> Lang {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| p.extensions.get::<Lang>().copied())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Each language's message ids (not its terms, which start with `-`), file by file.
    fn keys(lang: &str) -> BTreeSet<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("locales")
            .join(lang);
        let mut keys = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "ftl") {
                let text = std::fs::read_to_string(&path).unwrap();
                for line in text.lines() {
                    if let Some((id, _)) = line.split_once(" =") {
                        if id.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                            && id
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                        {
                            assert!(keys.insert(id.to_owned()), "{lang}: {id} twice");
                        }
                    }
                }
            }
        }
        keys
    }

    /// Every Rust source file of the app and the server, as one text.
    fn sources() -> String {
        fn walk(dir: &std::path::Path, out: &mut String) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push_str(&std::fs::read_to_string(&path).unwrap());
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out = String::new();
        walk(&root.join("src"), &mut out);
        walk(&root.join("../server/src"), &mut out);
        out
    }

    #[test]
    fn every_language_has_every_key_and_no_key_is_unused() {
        let english = keys("en");
        assert!(english.len() > 100, "{} keys", english.len());
        let languages: Vec<String> = Lang::all().iter().map(Lang::code).collect();
        assert!(languages.len() >= 4, "{languages:?}");
        for code in &languages {
            let theirs = keys(code);
            let missing: Vec<_> = english.difference(&theirs).collect();
            let extra: Vec<_> = theirs.difference(&english).collect();
            assert!(missing.is_empty(), "{code} lacks {missing:?}");
            assert!(extra.is_empty(), "{code} has keys English lacks: {extra:?}");
        }
        let sources = sources();
        let unused: Vec<_> = english
            .iter()
            .filter(|k| !sources.contains(&format!("\"{k}\"")))
            .collect();
        assert!(unused.is_empty(), "keys no code uses: {unused:?}");
    }

    #[test]
    fn every_message_is_in_each_languages_own_bundle() {
        // Not found in its own language's bundle, a message would silently fall back to
        // English (a file that fails to parse loses its messages this way). Every variable any
        // message uses is given, as a number, which every selector in the files accepts.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/en");
        let mut names = BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for piece in text.split('$').skip(1) {
                let name: String = piece
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                names.insert(name);
            }
        }
        let args: HashMap<Cow<'static, str>, FluentValue> = names
            .into_iter()
            .map(|n| (Cow::Owned(n), FluentValue::from(1)))
            .collect();
        for lang in Lang::all() {
            for key in keys("en") {
                let own = LOCALES.lookup_single_language(lang.0, &key, Some(&args));
                assert!(
                    own.is_ok(),
                    "{}: {key} does not resolve: {own:?}",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn the_language_follows_accept_language_weights_and_ignores_regions() {
        let code = |h: &str| Lang::from_accept_language(h).map(|l| l.code());
        assert_eq!(code("es-MX,es;q=0.9,en;q=0.8").as_deref(), Some("es"));
        assert_eq!(code("ja, de;q=0.5, fr;q=0.7").as_deref(), Some("fr"));
        assert_eq!(code("ja, zh").as_deref(), None);
        assert_eq!(code("de;q=0, en").as_deref(), Some("en"));
        assert_eq!(
            Lang::from_code("fr-CA").map(|l| l.code()).as_deref(),
            Some("fr")
        );
    }

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        // 2026-05-03T19:02:00Z is 14:02 in Chicago (daylight time).
        let ms = 1_777_834_920_000;
        let at = |code: &str| {
            Lang::from_code(code)
                .unwrap()
                .date_time(ms, "America/Chicago")
        };
        assert_eq!(at("en"), "3 May 2026 14:02");
        assert!(at("de").starts_with("3. Mai 2026"), "{}", at("de"));
        assert!(at("es").contains("may") && at("fr").contains("mai"));
    }
}
