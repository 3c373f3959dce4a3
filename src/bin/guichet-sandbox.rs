//! The sandbox providers' command line.

fn main() {}
