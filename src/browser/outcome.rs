//! One checkout session's outcome, as a state machine. Polls, return-page messages, a
//! closed window and a timeout can all arrive, in any order and more than once; the
//! machine turns them into events so that each is told at most once per session, a final
//! status never changes, and the caller's promise settles exactly once.

use crate::domain::PaymentStatus;

/// Something that happened to the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// The backend created the session and its checkout page is being shown.
    Created,
    /// The backend reported this status (`GET /sessions/:id`).
    Status(PaymentStatus),
    /// The shopper is back from the provider's page (return message, return page,
    /// resumed session): a pending status from now on is worth telling.
    Returned,
    /// The page left for the checkout (redirect): nothing more will be known here.
    Left,
    /// No final status before the caller's timeout.
    TimedOut,
    /// The overlay or popup was closed (by the shopper or the page).
    SurfaceClosed,
    /// Something went wrong; `fatal` ends the session (nothing more can be learnt).
    Error {
        /// True when polling cannot go on (no session, refused token, refused host...).
        fatal: bool,
    },
}

/// What the page is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The checkout page is showing.
    Ready,
    /// Still pending after the shopper came back, or at the timeout.
    Pending,
    /// Paid, verified by the backend.
    Success,
    /// Failed, cancelled or expired, verified by the backend.
    Failed,
    /// The overlay or popup closed, with the last known status.
    Close,
    /// A problem.
    Error,
}

impl Event {
    /// The event's name for `on(name, callback)`.
    pub fn name(self) -> &'static str {
        match self {
            Event::Ready => "ready",
            Event::Pending => "pending",
            Event::Success => "success",
            Event::Failed => "failed",
            Event::Close => "close",
            Event::Error => "error",
        }
    }
}

/// What the driver must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Call the listeners of this event.
    Emit(Event),
    /// Resolve the caller's promise with the last known outcome.
    Resolve,
    /// Reject the caller's promise with the error.
    Reject,
    /// Close the overlay or popup.
    CloseSurface,
}

/// The state of one session.
#[derive(Debug, Clone, Default)]
pub struct Machine {
    status: Option<PaymentStatus>,
    has_surface: bool,
    close_after_response: bool,
    ready: bool,
    returned: bool,
    pending_told: bool,
    outcome_told: bool,
    settled: bool,
    closed: bool,
}

impl Machine {
    /// A session shown in an overlay or popup (`has_surface`), or followed from a page.
    pub fn new(has_surface: bool, close_after_response: bool) -> Machine {
        Machine {
            has_surface,
            close_after_response,
            ..Machine::default()
        }
    }

    /// The last status the backend reported.
    pub fn status(&self) -> Option<PaymentStatus> {
        self.status
    }

    /// True when the session is shown in an overlay or popup the client opened.
    pub fn has_surface(&self) -> bool {
        self.has_surface
    }

    /// True once the shopper is back from the provider's page.
    pub fn returned(&self) -> bool {
        self.returned
    }

    /// True while the backend is worth asking: no outcome yet, nothing closed or settled.
    pub fn polling(&self) -> bool {
        !self.settled && !self.closed
    }

    /// True when nothing more can happen: the driver may stop.
    pub fn done(&self) -> bool {
        self.closed || (self.settled && !self.has_surface)
    }

    fn settle(&mut self, effect: Effect, out: &mut Vec<Effect>) {
        if !self.settled {
            self.settled = true;
            out.push(effect);
        }
    }

    /// Applies a signal and says what to do about it.
    pub fn handle(&mut self, signal: Signal) -> Vec<Effect> {
        let mut out = Vec::new();
        if self.closed {
            return out;
        }
        match signal {
            Signal::Created => {
                if !self.ready {
                    self.ready = true;
                    self.status.get_or_insert(PaymentStatus::Pending);
                    out.push(Effect::Emit(Event::Ready));
                }
            }
            Signal::Status(next) => {
                if self.status.is_some_and(PaymentStatus::is_final) {
                    return out;
                }
                self.status = Some(next);
                if next.is_final() {
                    self.outcome_told = true;
                    out.push(Effect::Emit(if next == PaymentStatus::Succeeded {
                        Event::Success
                    } else {
                        Event::Failed
                    }));
                    self.settle(Effect::Resolve, &mut out);
                    if self.has_surface && self.close_after_response {
                        out.push(Effect::CloseSurface);
                    }
                } else if self.returned {
                    self.tell_pending(&mut out);
                }
            }
            Signal::Returned => self.returned = true,
            Signal::Left => {
                self.closed = true;
                self.settle(Effect::Resolve, &mut out);
            }
            Signal::TimedOut => {
                if !self.settled {
                    self.tell_pending(&mut out);
                    self.settle(Effect::Resolve, &mut out);
                    if self.has_surface {
                        out.push(Effect::CloseSurface);
                    }
                }
            }
            Signal::SurfaceClosed => {
                self.closed = true;
                out.push(Effect::Emit(Event::Close));
                self.settle(Effect::Resolve, &mut out);
            }
            Signal::Error { fatal } => {
                out.push(Effect::Emit(Event::Error));
                if fatal {
                    self.settle(Effect::Reject, &mut out);
                    if self.has_surface {
                        out.push(Effect::CloseSurface);
                    } else {
                        self.closed = true;
                    }
                }
            }
        }
        out
    }

    fn tell_pending(&mut self, out: &mut Vec<Effect>) {
        if !self.pending_told && !self.outcome_told {
            self.pending_told = true;
            out.push(Effect::Emit(Event::Pending));
        }
    }
}
