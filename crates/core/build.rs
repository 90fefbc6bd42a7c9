//! Rebuild when a migration file changes or is added: they are embedded with `include_str!`, and a
//! new file must never ship missing from the binary.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
