//! The message the return page posts to the window that opened the checkout. It is only a
//! nudge to ask the backend now: it carries no outcome, and is taken only from the
//! expected origin and from the very frame or popup Guichet opened.

/// What the return page posts: `{source: "guichet", type: "return", session: <id>}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nudge<'a> {
    /// `event.origin`.
    pub origin: &'a str,
    /// True when `event.source` is the checkout frame's or popup's window.
    pub from_surface: bool,
    /// `data.source`.
    pub source: Option<&'a str>,
    /// `data.type`.
    pub kind: Option<&'a str>,
    /// `data.session`.
    pub session: Option<&'a str>,
}

impl Nudge<'_> {
    /// True when the message comes from `expected_origin`, from the checkout's own window,
    /// and is about `session`.
    pub fn accepted(&self, expected_origin: &str, session: &str) -> bool {
        self.from_surface
            && self.origin == expected_origin
            && self.origin != "null"
            && self.source == Some("guichet")
            && self.kind == Some("return")
            && self.session == Some(session)
    }
}
