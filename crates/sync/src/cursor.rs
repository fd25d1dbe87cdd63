//! The cursor rules of an incremental sync, pure (legal-rules B.4 §5.3).
//!
//! The platform sorts by `updatedAt`, strictly ascending; the client asks `updatedAfter` = the last
//! `updatedAt` it received. The standard warns that a platform may hold back its newest items (for
//! example the last 15 minutes), so a flow can become visible with an `updatedAt` older than one
//! already received. Each run therefore starts from the cursor minus a *late-arrival window*, and the
//! flows seen again are recognised by `flowId`. Within a run, pages follow each other from the last
//! `updatedAt` of the previous page (no `offset` on search, B.4).

use chrono::{DateTime, Duration, Utc};

use crate::model::Flow;

/// Default late-arrival window: the 15 minutes the standard gives as an example of held-back items.
pub const DEFAULT_LATE_WINDOW_SECONDS: i64 = 15 * 60;

/// Where the first search of a run starts: the stored cursor minus the window, or from the start
/// when nothing was ever received.
pub fn run_start(cursor: Option<DateTime<Utc>>, late_window: Duration) -> Option<DateTime<Utc>> {
    cursor.map(|c| c.checked_sub_signed(late_window).unwrap_or(DateTime::<Utc>::MIN_UTC))
}

/// The cursor once a flow updated at `updated_at` is committed (or known already): never backwards,
/// so a late flow inside the window does not rewind it.
pub fn advance(cursor: Option<DateTime<Utc>>, updated_at: DateTime<Utc>) -> DateTime<Utc> {
    match cursor {
        Some(c) if c >= updated_at => c,
        _ => updated_at,
    }
}

/// What comes after a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextPage {
    /// Ask again after this `updatedAt`.
    After(DateTime<Utc>),
    /// The run has caught up.
    Done,
    /// The platform returned a full page that does not move forward (an `updatedAt` not strictly
    /// increasing across the page): asking again would loop; the run stops and says so.
    Stuck,
}

/// Decides the next search from a page, the limit asked and the `updatedAfter` the page was asked with.
pub fn next_page(page: &[Flow], limit: u32, asked_after: Option<DateTime<Utc>>) -> NextPage {
    let Some(last) = page.iter().map(|f| f.updated_at).max() else { return NextPage::Done };
    if page.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
        return NextPage::Done;
    }
    match asked_after {
        Some(after) if last <= after => NextPage::Stuck,
        _ => NextPage::After(last),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FlowDirection, FlowSyntax, FlowType};
    use chrono::TimeZone;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_780_000_000 + s, 0).single().unwrap_or_default()
    }

    fn flow(s: i64) -> Flow {
        Flow {
            flow_id: format!("f{s}"),
            submitted_at: at(s),
            updated_at: at(s),
            tracking_id: None,
            flow_type: FlowType::CustomerInvoice,
            processing_rule: None,
            processing_rule_source: None,
            flow_direction: FlowDirection::In,
            flow_syntax: FlowSyntax::Cii,
            flow_profile: None,
            acknowledgement: None,
        }
    }

    #[test]
    fn a_run_restarts_inside_the_window_and_the_cursor_never_goes_back() {
        assert_eq!(run_start(None, Duration::minutes(15)), None);
        assert_eq!(run_start(Some(at(1000)), Duration::seconds(900)), Some(at(100)));
        assert_eq!(advance(None, at(5)), at(5));
        assert_eq!(advance(Some(at(9)), at(5)), at(9), "a late flow does not rewind the cursor");
        assert_eq!(advance(Some(at(9)), at(12)), at(12));
    }

    #[test]
    fn pages_follow_the_last_updated_at_and_stop_when_short_or_stuck() {
        let page: Vec<Flow> = (1..=3).map(flow).collect();
        assert_eq!(next_page(&page, 3, None), NextPage::After(at(3)));
        assert_eq!(next_page(&page, 4, None), NextPage::Done);
        assert_eq!(next_page(&[], 3, Some(at(3))), NextPage::Done);
        assert_eq!(next_page(&page, 3, Some(at(3))), NextPage::Stuck);
    }
}
