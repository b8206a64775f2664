//! The one form decoder of the server-rendered pages (the console and the link pages).

use axum::{
    body::Bytes,
    http::{header, HeaderMap},
};

/// The fields of a urlencoded form body, in order (checkboxes repeat a name).
pub struct FormFields(Vec<(String, String)>);

impl FormFields {
    /// A urlencoded body (the console's forms).
    pub fn parse(body: &Bytes) -> Self {
        FormFields(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// A POST body as mail providers and browsers send it: urlencoded, multipart, or empty (an
    /// RFC 8058 one-click POST may be any of the three).
    pub async fn read(headers: &HeaderMap, body: Bytes) -> Result<Self, String> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !content_type.starts_with("multipart/form-data") {
            return Ok(Self::parse(&body));
        }
        let boundary = multer::parse_boundary(content_type).map_err(|e| e.to_string())?;
        let stream =
            futures_util::stream::once(async move { Ok::<_, std::convert::Infallible>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut fields = Vec::new();
        while let Some(field) = multipart.next_field().await.map_err(|e| e.to_string())? {
            let name = field.name().unwrap_or("").to_owned();
            let value = field.text().await.map_err(|e| e.to_string())?;
            fields.push((name, value));
        }
        Ok(FormFields(fields))
    }

    /// The first value of `name`, trimmed.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
    }

    /// The first value of `name` exactly as sent (passwords keep their spaces).
    pub fn raw(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// The value of `name`, or empty.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default()
    }

    /// Whether a checkbox named `name` was ticked.
    pub fn checked(&self, name: &str) -> bool {
        self.get(name).is_some_and(|v| v == "on" || v == "true")
    }

    /// Replaces (or adds) the value of `name`.
    pub fn set(&mut self, name: &str, value: &str) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_owned(), value.to_owned()));
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}
