//! `slice2rs [-I DIR]... [-D NAME[=DEF]]... [--output-dir DIR] FILE...`: compiles each Slice
//! file to `<DIR>/<stem>.rs`, with the command line of ZeroC's Slice compilers.

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!(
        "usage: slice2rs [-I DIR]... [-D NAME[=DEF]]... [-U NAME]... [--output-dir DIR] FILE..."
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut config = slice2rs::Config::new();
    let mut files = Vec::new();
    let mut out_dir = std::path::PathBuf::from(".");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |flag: &str, a: &str| -> Option<String> {
            if a == flag {
                args.next()
            } else {
                a.strip_prefix(flag).map(|v| v.trim_start_matches('=').to_owned())
            }
        };
        if a == "-h" || a == "--help" {
            return usage();
        } else if a.starts_with("--output-dir") {
            match value("--output-dir", &a) {
                Some(v) => out_dir = v.into(),
                None => return usage(),
            }
        } else if a.starts_with("-I") {
            match value("-I", &a) {
                Some(v) => {
                    config.include(v);
                }
                None => return usage(),
            }
        } else if a.starts_with("-D") {
            match value("-D", &a) {
                Some(v) => {
                    config.define(v);
                }
                None => return usage(),
            }
        } else if a.starts_with("-U") {
            // Undefining a symbol never defined here changes nothing.
            if value("-U", &a).is_none() {
                return usage();
            }
        } else if a.starts_with('-') {
            eprintln!("slice2rs: unknown option {a}");
            return usage();
        } else {
            files.push(a);
        }
    }
    if files.is_empty() {
        return usage();
    }
    config.out_dir(&out_dir);
    match config.compile(&files) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
