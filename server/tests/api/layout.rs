//! The layout is a rule too: only `server/src/store/` speaks SQL.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Whether the source names the sqlx crate outside comments (a log filter like `sqlx=warn`
/// counts: the store owns its driver's settings too).
fn names_sqlx(source: &str) -> bool {
    source.lines().any(|line| {
        let code = line.split("//").next().unwrap_or("");
        code.contains("sqlx")
    })
}

#[test]
fn only_the_store_names_sqlx() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 30, "the walk found the sources: {files:?}");
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(src.join("store")))
        .filter(|f| names_sqlx(&std::fs::read_to_string(f).unwrap()))
        .map(|f| f.strip_prefix(&src).unwrap().display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "SQL belongs in server/src/store/, but these name sqlx: {offenders:?}"
    );
}

#[test]
fn the_sqlx_check_sees_code_and_strings_but_not_comments() {
    assert!(names_sqlx("use sqlx::Row;"));
    assert!(names_sqlx(
        "    let n: i64 = sqlx::query_scalar(\"SELECT 1\")"
    ));
    assert!(names_sqlx("let filter = \"info,sqlx=warn\";"));
    assert!(!names_sqlx("// sqlx::query is the store's"));
}
