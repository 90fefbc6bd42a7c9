fn main() {
    // The config lives at the repository root (next to the workspace Cargo.toml), not in src-tauri/.
    if let Err(error) =
        tauri_build::try_build(tauri_build::Attributes::new().config_path("../tauri.conf.json"))
    {
        panic!("tauri build step failed: {error:#}");
    }
}
