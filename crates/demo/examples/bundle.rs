//! Prints the demo data as one STIX 2.1 bundle (for checking with external validators):
//! `cargo run -p tanseeq-demo --example bundle > /tmp/demo-bundle.json`.

use tanseeq_demo::{DemoOrg, demo_objects};

fn main() {
    let orgs = [
        DemoOrg {
            name: "National CERT".into(),
            identity_id: "identity--8f2f4b1e-6a0c-4d0e-9b55-2c1f3a7d9e01".into(),
        },
        DemoOrg {
            name: "وحدة مكافحة الجرائم الإلكترونية".into(),
            identity_id: "identity--3c9e7a52-1d4b-4f6a-8e2d-7b0c5f9a1e02".into(),
        },
    ];
    let objects: Vec<String> = demo_objects(&orgs).into_iter().map(|o| o.json).collect();
    println!(
        "{{\"type\":\"bundle\",\"id\":\"bundle--5d0a3f3e-2b7c-4e1a-9f6d-0c8b2a4e6f10\",\"objects\":[{}]}}",
        objects.join(",")
    );
}
