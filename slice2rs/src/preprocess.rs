//! The preprocessing Slice files use: `#pragma once`, `#include` with `-I` paths,
//! `#ifdef` / `#ifndef` / `#if` / `#elif` (integer expressions, see [`crate::macros`]),
//! `#else`, `#endif`, `#define` / `#undef` (macros are expanded) and `-D`. Included files are not pasted in: each file is compiled to
//! its own Rust file, so an include is recorded and the included file parsed on its own.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::ast::Location;
use crate::macros::Macros;
use crate::Error;

/// A file after preprocessing: the lines of disabled branches and directives blanked (so that
/// positions stay those of the file), and the files it includes.
#[derive(Debug)]
pub(crate) struct Preprocessed {
    pub(crate) text: String,
    pub(crate) includes: Vec<PathBuf>,
}

fn loc(file: &str, line: usize) -> Location {
    Location { file: file.to_owned(), line, column: 1 }
}

/// Finds `name` (from `#include`) next to `from` (quoted form) or on `include_dirs`.
fn find_include(
    name: &str,
    quoted: bool,
    from: &Path,
    include_dirs: &[PathBuf],
) -> Option<PathBuf> {
    if quoted {
        if let Some(dir) = from.parent() {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    include_dirs.iter().map(|d| d.join(name)).find(|p| p.is_file())
}

/// Preprocesses `text`, the contents of `path`.
pub(crate) fn preprocess(
    path: &Path,
    text: &str,
    include_dirs: &[PathBuf],
    defines: &BTreeSet<String>,
) -> Result<Preprocessed, Error> {
    let file = path.display().to_string();
    let mut macros = Macros::new(defines);
    let mut in_comment = false;
    let mut out = String::with_capacity(text.len());
    let mut includes = Vec::new();
    // Per open conditional: (this branch active, some branch already taken, parent active).
    let mut stack: Vec<(bool, bool, bool)> = Vec::new();
    let active = |stack: &[(bool, bool, bool)]| stack.last().is_none_or(|s| s.0);
    for (n, line) in text.lines().enumerate() {
        let at = loc(&file, n + 1);
        let trimmed = line.trim_start();
        let Some(directive) = trimmed.strip_prefix('#') else {
            if active(&stack) {
                out.push_str(&macros.expand_line(line, &mut in_comment, &at)?);
            }
            out.push('\n');
            continue;
        };
        out.push('\n');
        let directive = directive.trim_start();
        let (word, rest) = directive
            .split_once(|c: char| c.is_whitespace())
            .map_or((directive, ""), |(w, r)| (w, r.trim()));
        let rest = rest.split("//").next().unwrap_or("").trim();
        let on = active(&stack);
        match word {
            "ifdef" | "ifndef" | "if" => {
                let v = match word {
                    "ifdef" => macros.is_defined(rest),
                    "ifndef" => !macros.is_defined(rest),
                    // A disabled branch's expression is never evaluated, as in C.
                    _ => on && macros.eval(rest, &at)?,
                };
                stack.push((on && v, v, on));
            }
            "elif" => {
                let Some(top) = stack.last_mut() else {
                    return Err(Error::syntax(at, "#elif without #if"));
                };
                let v = top.2 && !top.1 && macros.eval(rest, &at)?;
                top.0 = top.2 && v;
                top.1 |= v;
            }
            "else" => {
                let Some(top) = stack.last_mut() else {
                    return Err(Error::syntax(at, "#else without #if"));
                };
                top.0 = top.2 && !top.1;
                top.1 = true;
            }
            "endif" => {
                if stack.pop().is_none() {
                    return Err(Error::syntax(at, "#endif without #if"));
                }
            }
            _ if !on => {}
            "define" => macros.define(rest, &at)?,
            "undef" => macros.undefine(rest),
            "pragma" => {}
            "include" => {
                let (name, quoted) = if let Some(r) = rest.strip_prefix('<') {
                    (r.split('>').next().unwrap_or(""), false)
                } else if let Some(r) = rest.strip_prefix('"') {
                    (r.split('"').next().unwrap_or(""), true)
                } else {
                    return Err(Error::syntax(at, format!("bad #include {rest}")));
                };
                match find_include(name, quoted, path, include_dirs) {
                    Some(p) => includes.push(p),
                    None => {
                        return Err(Error::syntax(
                            at,
                            format!(
                                "cannot find included file `{name}' (add its directory with -I)"
                            ),
                        ))
                    }
                }
            }
            "error" => return Err(Error::syntax(at, format!("#error {rest}"))),
            other => return Err(Error::syntax(at, format!("unknown directive #{other}"))),
        }
    }
    if !stack.is_empty() {
        return Err(Error::syntax(loc(&file, text.lines().count()), "missing #endif"));
    }
    Ok(Preprocessed { text: out, includes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditionals_blank_disabled_lines_and_keep_positions() {
        let src = "#pragma once\n#ifndef G\n#define G\na\n#if !defined(X) && !defined(Y)\nb\n#else\nc\n#endif\n#endif\n";
        let defines: BTreeSet<String> = ["Y".to_owned()].into();
        let p = preprocess(Path::new("t.ice"), src, &[], &defines).unwrap();
        assert_eq!(p.text, "\n\n\na\n\n\n\nc\n\n\n");
        assert!(preprocess(Path::new("t.ice"), "#if\n", &[], &defines).is_err());
        let e =
            preprocess(Path::new("t.ice"), "\n#include <Nope.ice>\n", &[], &defines).unwrap_err();
        assert!(e.to_string().starts_with("t.ice:2:1: "), "{e}");
    }
}
