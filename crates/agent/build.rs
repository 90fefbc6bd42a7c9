// Migrations are embedded with include_str!; a new file in the folder must trigger a rebuild so it cannot ship
// missing.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
