//! `multipart/form-data` (RFC 7578) for `POST /v1/flows`: written by the client, read by the local
//! platform. Small on purpose: two parts, bodies kept as bytes; the reader never panics.

/// A part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The `name` of its Content-Disposition.
    pub name: String,
    /// The `filename`, when given.
    pub filename: Option<String>,
    /// Its Content-Type, when given.
    pub content_type: Option<String>,
    /// Its bytes.
    pub body: Vec<u8>,
}

/// Writes `parts` with `boundary`; returns the body. The boundary must not occur in any part.
pub fn write(boundary: &str, parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        let mut disposition = format!("Content-Disposition: form-data; name=\"{}\"", part.name);
        if let Some(f) = &part.filename {
            disposition.push_str(&format!("; filename=\"{}\"", f.replace('"', "_")));
        }
        out.extend_from_slice(disposition.as_bytes());
        out.extend_from_slice(b"\r\n");
        if let Some(ct) = &part.content_type {
            out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&part.body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    out
}

/// The boundary of a `multipart/form-data` Content-Type header value.
pub fn boundary_of(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string())
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// Reads the parts of `body`; `None` when it is not a well-formed form with that boundary.
pub fn read(boundary: &str, body: &[u8]) -> Option<Vec<Part>> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut pos = find(body, delimiter, 0)? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        let rest = body.get(pos..)?;
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        // Skip the line break after the delimiter.
        pos += if rest.starts_with(b"\r\n") { 2 } else { return None };
        let headers_end = find(body, b"\r\n\r\n", pos)?;
        let headers = std::str::from_utf8(body.get(pos..headers_end)?).ok()?;
        let content_start = headers_end + 4;
        let mut close = b"\r\n".to_vec();
        close.extend_from_slice(delimiter);
        let content_end = find(body, &close, content_start)?;
        let mut part = Part {
            name: String::new(),
            filename: None,
            content_type: None,
            body: body.get(content_start..content_end)?.to_vec(),
        };
        for line in headers.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else { continue };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                for param in value.split(';').skip(1) {
                    if let Some((k, v)) = param.split_once('=') {
                        let v = v.trim().trim_matches('"').to_string();
                        match k.trim() {
                            "name" => part.name = v,
                            "filename" => part.filename = Some(v),
                            _ => {}
                        }
                    }
                }
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.trim().to_string());
            }
        }
        parts.push(part);
        pos = content_end + close.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_reads_back_and_garbage_is_refused_without_panic() {
        let parts = vec![
            Part {
                name: "flowInfo".into(),
                filename: None,
                content_type: Some("application/json".into()),
                body: b"{}".to_vec(),
            },
            Part {
                name: "file".into(),
                filename: Some("a.xml".into()),
                content_type: None,
                body: b"<a>\r\n</a>".to_vec(),
            },
        ];
        let body = write("XyZ", &parts);
        assert_eq!(read("XyZ", &body), Some(parts));
        assert_eq!(boundary_of("multipart/form-data; boundary=\"XyZ\""), Some("XyZ".into()));
        assert_eq!(boundary_of("application/json"), None);
        for cut in 0..body.len() {
            let _ = read("XyZ", body.get(..cut).unwrap_or_default());
        }
        assert_eq!(read("XyZ", b"--XyZ\r\nno headers end"), None);
        assert_eq!(read("", b"anything"), None);
    }
}
