//! Rust names for Slice names: `snake_case` modules, members, operations and parameters,
//! `UpperCamelCase` types and enumerators, `SCREAMING_SNAKE_CASE` constants; Rust keywords
//! are written as raw identifiers.

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
    "abstract", "become", "box", "do", "final", "gen", "macro", "override", "priv", "try",
    "typeof", "unsized", "virtual", "yield",
];

/// `name` usable as an identifier.
fn escape(name: String) -> String {
    if matches!(name.as_str(), "self" | "Self" | "super" | "crate" | "_") {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    }
}

fn words(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let boundary = c.is_uppercase()
            && !cur.is_empty()
            && (chars[i - 1].is_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(|n| n.is_lowercase()));
        if boundary {
            words.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

/// `snake_case`.
pub(crate) fn snake(name: &str) -> String {
    let w: Vec<String> = words(name).iter().map(|w| w.to_lowercase()).collect();
    escape(w.join("_"))
}

/// `UpperCamelCase`.
pub(crate) fn camel(name: &str) -> String {
    let w: Vec<String> = words(name)
        .iter()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect(),
                None => String::new(),
            }
        })
        .collect();
    escape(w.concat())
}

/// `SCREAMING_SNAKE_CASE`.
pub(crate) fn screaming(name: &str) -> String {
    let w: Vec<String> = words(name).iter().map(|w| w.to_uppercase()).collect();
    escape(w.join("_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("sayHello"), "say_hello");
        assert_eq!(snake("getURLFor"), "get_url_for");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(camel("red"), "Red");
        assert_eq!(camel("IPv4"), "IPv4");
        assert_eq!(screaming("maxSize"), "MAX_SIZE");
        assert_eq!(snake("Demo"), "demo");
    }
}
