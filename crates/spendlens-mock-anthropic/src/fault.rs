//! Injected faults: what can go wrong, on which endpoint, and on which request.
//!
//! [`FaultBoard`] holds the faults in force with a count of the requests each has matched since it
//! was set. Every authenticated request to a matching endpoint advances every matching fault's
//! count; the first fault in list order whose trigger fires decides the answer.

use crate::server::Endpoint;

/// What goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 `rate_limit_error` with a `Retry-After` header.
    RateLimited { retry_after_seconds: u64 },
    /// `status` with an `api_error` body (`overloaded_error` for 529).
    ServerError { status: u16 },
    /// Waits, then answers normally.
    Slow { delay_ms: u64 },
    /// The normal answer with its JSON body cut roughly in half (status unchanged, 200 for a page).
    Truncated,
    /// A normal page whose cursor leads back to itself: `has_more: true` and, for the reports,
    /// `next_page` set to the token that produced it (for a first page, a token for the first page
    /// again). Listings have no token: they answer the first page with `has_more: true`, whatever
    /// `after_id` says, so a client following `last_id` sees the same items again.
    LoopingPageToken,
    /// A normal page that says more pages follow but gives no way to ask for them: `has_more: true`
    /// with `next_page: null` (listings: `last_id: null`).
    MoreWithoutToken,
    /// A whole, well-formed JSON body that is not a page: `{"data": "not a list", "has_more": false}`.
    NotAPage,
    /// 307 to the same path and query on `127.0.0.1:port` (another server).
    Redirect { port: u16 },
}

/// Which matching requests a fault applies to, counting from when it was set, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Only the Nth matching request.
    Nth(u64),
    /// The Nth matching request and every one after it.
    From(u64),
    /// Every matching request.
    Always,
}

impl Trigger {
    fn fires(self, count: u64) -> bool {
        match self {
            Trigger::Nth(nth) => count == nth,
            Trigger::From(first) => count >= first,
            Trigger::Always => true,
        }
    }
}

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The endpoint it applies to; `None` for every endpoint.
    pub endpoint: Option<Endpoint>,
    pub trigger: Trigger,
    pub kind: FaultKind,
}

impl Fault {
    /// A fault on one endpoint.
    pub fn on(endpoint: Endpoint, trigger: Trigger, kind: FaultKind) -> Fault {
        Fault { endpoint: Some(endpoint), trigger, kind }
    }

    /// A fault on every endpoint.
    pub fn anywhere(trigger: Trigger, kind: FaultKind) -> Fault {
        Fault { endpoint: None, trigger, kind }
    }
}

/// The faults in force, each with the number of requests it has matched.
#[derive(Debug, Clone, Default)]
pub(crate) struct FaultBoard {
    armed: Vec<(Fault, u64)>,
}

impl FaultBoard {
    pub(crate) fn set(&mut self, faults: Vec<Fault>) {
        self.armed = faults.into_iter().map(|fault| (fault, 0)).collect();
    }

    /// Counts a request to `endpoint` and returns the fault that fires on it, if any.
    pub(crate) fn next(&mut self, endpoint: Endpoint) -> Option<FaultKind> {
        let mut fired = None;
        for (fault, count) in &mut self.armed {
            if fault.endpoint.is_some_and(|only| only != endpoint) {
                continue;
            }
            *count += 1;
            if fired.is_none() && fault.trigger.fires(*count) {
                fired = Some(fault.kind);
            }
        }
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITED: FaultKind = FaultKind::RateLimited { retry_after_seconds: 1 };
    const BROKEN: FaultKind = FaultKind::ServerError { status: 500 };

    fn run(faults: Vec<Fault>, requests: &[Endpoint]) -> Vec<Option<FaultKind>> {
        let mut board = FaultBoard::default();
        board.set(faults);
        requests.iter().map(|endpoint| board.next(*endpoint)).collect()
    }

    #[test]
    fn triggers_count_matching_requests_only() {
        use Endpoint::{Cost, Usage};
        // Faults set, requests made, what fired on each.
        type Row = (Vec<Fault>, Vec<Endpoint>, Vec<Option<FaultKind>>);
        let rows: Vec<Row> = vec![
            (vec![Fault::on(Usage, Trigger::Nth(2), LIMITED)], vec![Usage, Cost, Usage, Usage], vec![None, None, Some(LIMITED), None]),
            (vec![Fault::anywhere(Trigger::Nth(2), LIMITED)], vec![Usage, Cost, Usage], vec![None, Some(LIMITED), None]),
            (vec![Fault::on(Cost, Trigger::From(2), BROKEN)], vec![Cost, Cost, Usage, Cost], vec![None, Some(BROKEN), None, Some(BROKEN)]),
            (vec![Fault::anywhere(Trigger::Always, BROKEN)], vec![Usage, Cost], vec![Some(BROKEN), Some(BROKEN)]),
            (
                vec![Fault::anywhere(Trigger::Nth(1), LIMITED), Fault::anywhere(Trigger::Always, BROKEN)],
                vec![Usage, Usage],
                vec![Some(LIMITED), Some(BROKEN)],
            ),
        ];
        for (faults, requests, expected) in rows {
            assert_eq!(run(faults.clone(), &requests), expected, "{faults:?}");
        }
    }

    #[test]
    fn setting_faults_restarts_the_count() {
        let mut board = FaultBoard::default();
        board.set(vec![Fault::anywhere(Trigger::Nth(1), LIMITED)]);
        assert_eq!(board.next(Endpoint::Users), Some(LIMITED));
        board.set(vec![Fault::anywhere(Trigger::Nth(1), LIMITED)]);
        assert_eq!(board.next(Endpoint::Users), Some(LIMITED));
        board.set(Vec::new());
        assert_eq!(board.next(Endpoint::Users), None);
    }
}
