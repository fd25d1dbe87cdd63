// The desktop package's manifest is the root Cargo.toml, so capabilities are looked up relative
// to the root (stack-recipe §11).
fn main() {
    tauri_build::try_build(tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*"))
        .expect("failed to run the Tauri build script");
}
