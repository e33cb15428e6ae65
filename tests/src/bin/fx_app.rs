//! The example application of examples/blog (a connection pool, its own tracing subscriber,
//! `migrate_core::up`, the report and the status printed as JSON), run by the tests.

#[path = "../../../examples/blog/examples/startup.rs"]
mod startup;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    startup::main()
}
