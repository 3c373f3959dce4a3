//! The merchant's backend: a WinterCG `fetch` handler for workerd, Deno and Node.
