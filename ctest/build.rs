//! Emits one `#[test]` per C program in `tests/c/` (cbindgen's own pattern), so each program is
//! a named test: `cargo test -p ptrace-compat-ctest c_peek_poke`.

use std::{env, fs, path::Path};

fn main() {
    let c_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/c");
    println!("cargo:rerun-if-changed={}", c_dir.display());
    let mut stems: Vec<String> = fs::read_dir(&c_dir)
        .map(|dir| {
            dir.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "c"))
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    stems.sort();
    let mut out = String::new();
    for stem in &stems {
        let name = stem.replace('-', "_");
        out.push_str(&format!(
            "#[test]\nfn c_{name}() {{\n    ptrace_compat_ctest::run_c_program(\"{stem}\");\n}}\n\n"
        ));
    }
    let out_dir = env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let _ = fs::write(Path::new(&out_dir).join("c_tests.rs"), out);
    for var in ["TARGET", "HOST"] {
        if let Ok(v) = env::var(var) {
            println!("cargo:rustc-env=CTEST_{var}={v}");
        }
    }
}
