//! Prints `inspect --json` for each file given: `cargo run -p encours-readers --example inspect -- FILE...`.
fn main() {
    let out: Vec<serde_json::Value> = std::env::args()
        .skip(1)
        .map(|f| {
            encours_readers::einvoice::inspect_json(&f, &encours_readers::einvoice::read_path(std::path::Path::new(&f)))
        })
        .collect();
    println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
}
