//! The site's own files — the islands' WebAssembly and script, the styles, the images — from
//! inside the binary, or from a directory when `ATTUNE_SITE_ROOT` names one (DESIGN §8, one
//! artifact).
//!
//! `make build` builds the front end (and its brotli and gzip copies) into `target/site` first and
//! the release binary second, which takes the whole folder in: copied anywhere alone, it serves
//! pages that load their `/pkg/` files and hydrate. A debug build reads the same folder from disk
//! at run time, so `cargo test` needs no front end built.

use std::{borrow::Cow, path::PathBuf};

use axum::{
    body::Body,
    http::{header, HeaderMap, HeaderValue, Request, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// `target/site` as the build left it. Missing when the server was built before the front end:
/// the binary then serves pages without styles or islands, and says so at start.
#[derive(rust_embed::Embed)]
#[folder = "../target/site"]
#[allow_missing = true]
struct Built;

/// Where the site's files come from.
#[derive(Clone, Debug)]
pub enum Site {
    /// The copy inside the binary.
    Embedded,
    /// A directory on disk (`ATTUNE_SITE_ROOT`), read per request: a front end rebuilt while the
    /// server runs is served at once.
    Dir(PathBuf),
}

/// A file's compressed copies, best first, with the `Content-Encoding` each is sent with.
const COPIES: [(&str, &str); 2] = [("br", ".br"), ("gzip", ".gz")];

impl Site {
    /// The directory when one is given, else the copy inside the binary.
    pub fn new(root: Option<PathBuf>) -> Self {
        match root {
            Some(dir) => Site::Dir(dir),
            None => Site::Embedded,
        }
    }

    /// Where the files come from, for the start-up log.
    pub fn describe(&self) -> String {
        match self {
            Site::Embedded => "inside the binary".into(),
            Site::Dir(dir) => dir.display().to_string(),
        }
    }

    /// One file's bytes, by its path under the site root (`pkg/attune.css`).
    pub fn read(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        let path = safe(path)?;
        match self {
            Site::Embedded => Built::get(path).map(|file| file.data),
            Site::Dir(dir) => std::fs::read(dir.join(path)).ok().map(Cow::Owned),
        }
    }

    /// Whether the built front end is there: without its script the islands never hydrate.
    pub fn has_front_end(&self, output_name: &str) -> bool {
        self.read(&format!("pkg/{output_name}.js")).is_some()
    }

    /// The file at the request's path, compressed at build time when the browser takes it;
    /// the request back when the site has no such file.
    pub async fn serve(&self, req: Request<Body>) -> Result<Response, Request<Body>> {
        match self {
            Site::Embedded => serve_embedded(req.uri(), req.headers()).ok_or(req),
            Site::Dir(dir) => serve_dir(dir, req).await,
        }
    }

    /// The file at the request's path, or 404.
    pub async fn serve_or_404(self, req: Request<Body>) -> Response {
        self.serve(req)
            .await
            .unwrap_or_else(|_| StatusCode::NOT_FOUND.into_response())
    }
}

/// A path under the site root with no way out of it.
fn safe(path: &str) -> Option<&str> {
    let path = path.trim_start_matches('/');
    let escapes = path
        .split(['/', '\\'])
        .any(|part| part == ".." || part == "." || part.is_empty());
    (!path.is_empty() && !escapes).then_some(path)
}

fn serve_embedded(uri: &Uri, headers: &HeaderMap) -> Option<Response> {
    let path = safe(uri.path())?;
    let file = Built::get(path)?;
    let content_type = file.metadata.mimetype().to_owned();
    let accepted = accepted_encodings(headers);
    let (encoding, body) = COPIES
        .iter()
        .filter(|(encoding, _)| accepted.contains(encoding))
        .find_map(|(encoding, suffix)| {
            Built::get(&format!("{path}{suffix}")).map(|copy| (Some(*encoding), copy.data))
        })
        .unwrap_or((None, file.data));
    let etag = etag(&file.metadata.sha256_hash(), encoding);
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tags| tags.to_str().is_ok_and(|t| t.contains(&etag)));
    let mut res = if unchanged {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        Body::from(body).into_response()
    };
    let h = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type) {
        h.insert(header::CONTENT_TYPE, value);
    }
    if let Some(encoding) = encoding {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, value);
    }
    Some(res)
}

/// A strong validator: the file's content, and which copy of it was sent.
fn etag(hash: &[u8; 32], encoding: Option<&str>) -> String {
    format!(
        "\"{}{}\"",
        hex::encode(&hash[..12]),
        encoding.map(|e| format!("-{e}")).unwrap_or_default()
    )
}

/// The content codings the request accepts (those not refused with `q=0`).
fn accepted_encodings(headers: &HeaderMap) -> Vec<&'static str> {
    let Some(value) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Vec::new();
    };
    let takes = |name: &str| {
        value.split(',').any(|item| {
            let mut parts = item.split(';').map(str::trim);
            parts
                .next()
                .is_some_and(|coding| coding.eq_ignore_ascii_case(name))
                && !parts.any(|p| {
                    p.replace(' ', "")
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q == 0.0)
                })
        })
    };
    COPIES
        .iter()
        .map(|(encoding, _)| *encoding)
        .filter(|e| takes(e))
        .collect()
}

/// A directory's file through `ServeDir`, with its compressed copies.
async fn serve_dir(dir: &std::path::Path, req: Request<Body>) -> Result<Response, Request<Body>> {
    if !safe(req.uri().path()).is_some_and(|path| dir.join(path).is_file()) {
        return Err(req);
    }
    let served = ServeDir::new(dir)
        .precompressed_br()
        .precompressed_gzip()
        .oneshot(req)
        .await;
    Ok(match served {
        Ok(res) => res.into_response(),
        Err(e) => match e {},
    })
}

/// Removes compressed copies older than the file they were made from (a front end rebuilt
/// without `make build`): served, they would pair an old `attune.wasm` with a new `attune.js`.
pub fn drop_stale_compressed(pkg: &std::path::Path) {
    let Ok(files) = std::fs::read_dir(pkg) else {
        return;
    };
    let modified = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    for copy in files.flatten().map(|f| f.path()) {
        if !copy.extension().is_some_and(|e| e == "br" || e == "gz") {
            continue;
        }
        let source = copy.with_extension("");
        if modified(&copy) < modified(&source) {
            if let Err(e) = std::fs::remove_file(&copy) {
                tracing::warn!(file = %copy.display(), error = %e, "a stale compressed copy of a front-end file could not be removed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_that_climbs_out_of_the_site_is_no_file_of_it() {
        assert_eq!(safe("/pkg/attune.js"), Some("pkg/attune.js"));
        assert_eq!(safe("/favicon.svg"), Some("favicon.svg"));
        for bad in [
            "/",
            "",
            "/../Cargo.toml",
            "/pkg/../../x",
            "/pkg//x",
            "/./x",
            "/pkg\\..\\x",
        ] {
            assert_eq!(safe(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_coding_refused_with_q_zero_is_not_taken() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            accepted_encodings(&h)
        };
        assert_eq!(with("gzip, deflate, br"), ["br", "gzip"]);
        assert_eq!(with("br;q=0, gzip;q=0.5"), ["gzip"]);
        assert_eq!(with("br; q=0.0"), Vec::<&str>::new());
        assert_eq!(with("identity"), Vec::<&str>::new());
        assert!(accepted_encodings(&HeaderMap::new()).is_empty());
    }
}
