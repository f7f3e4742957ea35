// Stand-in for the project's source.
fn main() {}
