//! Log lines for the merchant's operator: `console.error` in a runtime (Workers logs,
//! the Node or Deno process's stderr), stderr natively. A line never holds a secret or a
//! shopper's details; what an answer must not show (SQL, table names) goes here instead.

/// Writes one line to the runtime's error log.
pub fn error(line: &str) {
    #[cfg(target_arch = "wasm32")]
    web_sys::console::error_1(&wasm_bindgen::JsValue::from_str(line));
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("{line}");
}
