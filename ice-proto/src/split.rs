//! Ice's quote-aware string splitting, shared by property lists and endpoint strings.

/// Splits `s` at delimiter characters the way Ice's `splitString` does: single or double
/// quotes group text (delimiters inside are kept, the quotes are dropped), a backslash escapes
/// a quote, and empty items are dropped. `Err` carries the items found when a quote is left
/// open.
pub(crate) fn split_quoted(
    s: &str,
    is_delimiter: impl Fn(char) -> bool,
) -> Result<Vec<String>, Vec<String>> {
    let mut items = Vec::new();
    let mut item = String::new();
    let mut quote: Option<char> = None;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '\\' && matches!(chars.peek(), Some('"' | '\'')) => {
                item.extend(chars.next());
            }
            None if is_delimiter(c) => {
                if !item.is_empty() {
                    items.push(std::mem::take(&mut item));
                }
            }
            Some(q) if c == '\\' && chars.peek() == Some(&q) => {
                item.extend(chars.next());
            }
            Some(q) if c == q => quote = None,
            _ => item.push(c),
        }
    }
    if !item.is_empty() {
        items.push(item);
    }
    match quote {
        None => Ok(items),
        Some(_) => Err(items),
    }
}
