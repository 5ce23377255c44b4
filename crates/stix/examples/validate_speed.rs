//! Rough throughput of `validate_object` over the ATT&CK for ICS bundle:
//! `cargo run --release -p tanseeq-stix --example validate_speed [path]`.

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/ics-attack-18.1.json"
        )
        .into()
    });
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("cannot read {path}");
        return;
    };
    let Ok(objects) = tanseeq_stix::bundle::envelope_objects(&text) else {
        eprintln!("{path} is not a bundle");
        return;
    };
    let rounds = 20;
    let start = std::time::Instant::now();
    let mut ok = 0usize;
    for _ in 0..rounds {
        ok += objects
            .iter()
            .filter(|o| tanseeq_stix::validate_object(o.get()).is_ok())
            .count();
    }
    let secs = start.elapsed().as_secs_f64();
    let n = objects.len() * rounds;
    println!("{ok}/{n} valid, {:.0} objects/s", n as f64 / secs);
}
