//! Compiles Slice with slice2rs for the tests: our DriverTest.ice and DriverTypes.ice (the
//! generated proxies and servants are tested against ZeroC's peers), and every Slice file of Debian's
//! zeroc-ice-slice (`/usr/share/ice/slice`, installed by scripts/install-peers), merged, to
//! prove the generated code builds (cfg `ice_slice`; a test fails when it is missing in CI).

use std::path::{Path, PathBuf};

fn ice_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            ice_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "ice") {
            out.push(p);
        }
    }
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(ice_slice)");
    slice2rs::Config::new()
        .compile(&["interop/driver/DriverTest.ice", "interop/driver/DriverTypes.ice"])
        .expect("slice2rs DriverTest.ice");
    let dir = Path::new("/usr/share/ice/slice");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    ice_files(dir, &mut files);
    if !files.is_empty() {
        slice2rs::Config::new()
            .include(dir)
            .compile_merged(&files, "ice_slice.rs")
            .expect("slice2rs on ZeroC's Slice files");
        println!("cargo:rustc-cfg=ice_slice");
    }
}
