//! Reader for the captured wire vectors in `vectors/*.hex` (format in `vectors/README.md`).

use std::fs;
use std::path::{Path, PathBuf};

/// Which peer of the TCP connection sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `>`: the peer that opened the connection.
    FromConnector,
    /// `<`: the peer that accepted it.
    FromAcceptor,
}

/// One captured message.
#[derive(Debug, Clone)]
pub struct VectorMessage {
    /// The file it comes from (file name only).
    pub file: String,
    /// Its line number (1-based).
    pub line: usize,
    /// Who sent it.
    pub direction: Direction,
    /// The complete message, header included.
    pub bytes: Vec<u8>,
    /// The comment line just above it (the decoded summary), without `# `.
    pub comment: String,
    /// For a compressed message, the `# decompressed body` line: the bytes after the header
    /// once decompressed.
    pub decompressed_body: Option<Vec<u8>>,
}

impl VectorMessage {
    /// `file:line`, for assertion messages.
    pub fn at(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }

    /// The value of `key=` in the summary comment, up to the next space, comma or colon.
    pub fn comment_field(&self, key: &str) -> Option<&str> {
        let pat = format!("{key}=");
        let start = self.comment.find(&pat)? + pat.len();
        let rest = &self.comment[start..];
        let end = rest.find([' ', ',', ':', ';']).unwrap_or(rest.len());
        Some(&rest[..end])
    }

    /// The value of `key='...'` in the summary comment, with the capture tool's (Python's)
    /// doubled backslashes undone.
    pub fn comment_quoted(&self, key: &str) -> Option<String> {
        let pat = format!("{key}='");
        let start = self.comment.find(&pat)? + pat.len();
        let rest = &self.comment[start..];
        let end = rest.find("' ")?;
        Some(rest[..end].replace("\\\\", "\\"))
    }

    /// The message type name in the summary comment (`Request`, `Reply`, ...).
    pub fn comment_type(&self) -> &str {
        let after = self.comment.split_once("] ").map_or(self.comment.as_str(), |(_, r)| r);
        after.split(' ').next().unwrap_or("")
    }
}

/// The folder holding the vector files.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

/// Every `*.hex` file, sorted by name.
pub fn vector_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(vectors_dir())
        .expect("vectors folder")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "hex"))
        .collect();
    files.sort();
    files
}

/// Parses one vector file.
pub fn parse_file(path: &Path) -> Vec<VectorMessage> {
    let text = fs::read_to_string(path).expect("vector file");
    let file = path.file_name().expect("file name").to_string_lossy().into_owned();
    parse(&file, &text)
}

/// Parses the text of a vector file.
pub fn parse(file: &str, text: &str) -> Vec<VectorMessage> {
    let mut out = Vec::new();
    let mut last_comment = String::new();
    let mut decompressed = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if let Some(c) = line.strip_prefix('#') {
            let c = c.trim_start();
            if let Some(body) = c.strip_prefix("decompressed body") {
                let hex = body.rsplit(' ').next().expect("hex after the label");
                decompressed = Some(from_hex(hex));
            } else {
                last_comment = c.to_owned();
            }
            continue;
        }
        let (direction, hex) = match line.split_at_checked(2) {
            Some(("> ", hex)) => (Direction::FromConnector, hex),
            Some(("< ", hex)) => (Direction::FromAcceptor, hex),
            _ if line.is_empty() => continue,
            _ => panic!("{file}:{}: unexpected line {line:?}", i + 1),
        };
        out.push(VectorMessage {
            file: file.to_owned(),
            line: i + 1,
            direction,
            bytes: from_hex(hex),
            comment: std::mem::take(&mut last_comment),
            decompressed_body: decompressed.take(),
        });
    }
    out
}

/// Every message of every file.
pub fn all_messages() -> Vec<VectorMessage> {
    vector_files().iter().flat_map(|p| parse_file(p)).collect()
}

/// Decodes lowercase or uppercase hex without separators.
pub fn from_hex(hex: &str) -> Vec<u8> {
    assert!(hex.len() % 2 == 0, "odd hex length");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn parser_reads_messages_comments_and_decompressed_bodies() {
    let text = "# header\n# [#2 t=+0.0s] ValidateConnection proto=1.0 enc=1.0 compress=0 size=14\n\
                < 496365500100010003000e000000\n# [#3] Request compress=2 size=20\n\
                # decompressed body (after the 14-byte header): 0a0B\n> 00ff\n";
    let m = parse("x.hex", text);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].direction, Direction::FromAcceptor);
    assert_eq!(m[0].bytes.len(), 14);
    assert_eq!(m[0].comment_type(), "ValidateConnection");
    assert_eq!(m[0].comment_field("size"), Some("14"));
    assert_eq!(m[0].decompressed_body, None);
    assert_eq!(m[1].direction, Direction::FromConnector);
    assert_eq!(m[1].bytes, vec![0, 255]);
    assert_eq!(m[1].decompressed_body, Some(vec![10, 11]));
    assert_eq!(m[1].comment_field("compress"), Some("2"));
    assert_eq!(m[1].line, 6);
}
