//! Files for spreadsheets: CSV exports that open correctly in Excel and LibreOffice.
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// Member-written text must not run as a formula when the file is opened in a spreadsheet.
pub fn spreadsheet_safe(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

/// A CSV download named `filename`. It starts with a UTF-8 byte-order mark: without one,
/// Excel on Windows reads the file in the local code page and garbles every accented name.
pub fn csv_download_of(filename: &str, body: impl AsRef<[u8]>) -> Response {
    let body = body.as_ref();
    let mut bytes = Vec::with_capacity(body.len() + 3);
    bytes.extend_from_slice("\u{FEFF}".as_bytes());
    bytes.extend_from_slice(body);
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&disposition)
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        bytes,
    )
        .into_response()
}
