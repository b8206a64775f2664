//! What a text reply says (DESIGN §3.1, the CTIA keywords): the whole body, case and
//! punctuation ignored. Anything else is not a keyword and changes nothing.

/// A keyword class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT.
    Stop,
    /// START, UNSTOP, YES.
    Start,
    /// HELP, INFO.
    Help,
}

/// The keyword a text body is, if it is one: "Stop.", " stop!! ", "STOP" are all STOP;
/// "please stop texting me" is not a keyword.
pub fn keyword(body: &str) -> Option<(Keyword, String)> {
    let word: String = body
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect::<String>()
        .trim()
        .to_uppercase();
    let class = match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => Keyword::Stop,
        "START" | "UNSTOP" | "YES" => Keyword::Start,
        "HELP" | "INFO" => Keyword::Help,
        _ => return None,
    };
    Some((class, word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_the_whole_body_in_any_case_with_any_punctuation() {
        for (body, class) in [
            ("STOP", Keyword::Stop),
            (" stop. ", Keyword::Stop),
            ("Unsubscribe!", Keyword::Stop),
            ("quit", Keyword::Stop),
            ("StopAll", Keyword::Stop),
            ("start", Keyword::Start),
            ("Yes!", Keyword::Start),
            ("unstop", Keyword::Start),
            ("help?", Keyword::Help),
            ("INFO", Keyword::Help),
        ] {
            assert_eq!(keyword(body).map(|(k, _)| k), Some(class), "{body:?}");
        }
        for body in ["please stop texting me", "", "stopp", "yes please", "🛑"] {
            assert_eq!(keyword(body), None, "{body:?}");
        }
    }
}
