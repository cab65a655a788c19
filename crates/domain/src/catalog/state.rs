//! The listing review state machine (CAT-3).
//!
//! ```text
//! draft ──submit──▶ in_review(1) ──approve──▶ in_review(2) … in_review(N) ──approve──▶ approved
//!   ▲                  │ reject (any level, with a reason)                              │ list
//!   │                  ▼                                                                 ▼
//!   └──(edit)──── rejected ──submit──▶ in_review(1)              delisted ◀──delist── listed
//!                                                                   └────────list──────▶┘
//! ```
//! N (1 to 3) is the merchant's setting when the product is submitted, fixed for that round.
//! A sale-relevant edit of an approved, listed or delisted product (or one under review)
//! starts a new round at level 1: only reviewed content is ever sold. Only `listed`
//! products are sellable. Every illegal move is a typed [`TransitionError`].

use serde::Serialize;

/// How many review levels a merchant requires: 1, 2 or 3.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ReviewLevels(u8);

impl ReviewLevels {
    /// The fewest levels.
    pub const MIN: u8 = 1;
    /// The most levels.
    pub const MAX: u8 = 3;
    /// One level, the default.
    pub const DEFAULT: Self = Self(1);

    /// Parses a level count.
    pub fn new(levels: i64) -> Result<Self, TransitionError> {
        u8::try_from(levels)
            .ok()
            .filter(|l| (Self::MIN..=Self::MAX).contains(l))
            .map(Self)
            .ok_or(TransitionError::LevelsOutOfRange)
    }

    /// The count.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// Where a product stands in the listing review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ProductStatus {
    /// Being prepared; not sellable.
    Draft,
    /// Submitted and waiting for the decision at `level` of `of`.
    InReview {
        /// The level awaiting a decision, from 1.
        level: u8,
        /// How many levels this round needs.
        of: u8,
    },
    /// Every level approved; may be listed.
    Approved,
    /// Refused at some level (the reason is in the review log).
    Rejected,
    /// On sale.
    Listed,
    /// Taken off sale; may be listed again unchanged.
    Delisted,
}

/// A review decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Pass this level.
    Approve,
    /// Refuse; the product goes back to its owner with the reason.
    Reject,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The move is not allowed from the current status.
    #[error("a {from} product cannot be {action}")]
    Illegal {
        /// Current status code.
        from: &'static str,
        /// What was attempted (`submitted`, `listed`...).
        action: &'static str,
    },
    /// A decision was made for a level other than the one awaiting it.
    #[error("the product awaits a decision at level {awaiting}, not {given}")]
    WrongLevel {
        /// The level awaiting a decision.
        awaiting: u8,
        /// The level given.
        given: u8,
    },
    /// A rejection without a reason.
    #[error("a rejection needs a reason")]
    ReasonRequired,
    /// Review levels outside 1..=3.
    #[error("review levels must be 1 to 3")]
    LevelsOutOfRange,
    /// The reviewer submitted this round.
    #[error("you cannot review your own submission")]
    OwnSubmission,
    /// The reviewer already decided an earlier level of this round.
    #[error(
        "you already reviewed this product at an earlier level; another reviewer must decide this one"
    )]
    AlreadyReviewed,
}

impl TransitionError {
    /// A stable kebab-case code for problem responses.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Illegal { .. } => "illegal-transition",
            Self::WrongLevel { .. } => "wrong-review-level",
            Self::ReasonRequired => "reason-required",
            Self::LevelsOutOfRange => "invalid-review-levels",
            Self::OwnSubmission => "own-submission",
            Self::AlreadyReviewed => "already-reviewed",
        }
    }
}

impl ProductStatus {
    /// The stored code: `draft`, `in_review`, `approved`, `rejected`, `listed`, `delisted`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::InReview { .. } => "in_review",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Listed => "listed",
            Self::Delisted => "delisted",
        }
    }

    /// Rebuilds a status from its stored code and review level columns.
    pub fn from_parts(code: &str, level: i64, of: i64) -> Option<Self> {
        let small = |v: i64| u8::try_from(v).ok();
        Some(match code {
            "draft" => Self::Draft,
            "in_review" => Self::InReview {
                level: small(level)?,
                of: small(of)?,
            },
            "approved" => Self::Approved,
            "rejected" => Self::Rejected,
            "listed" => Self::Listed,
            "delisted" => Self::Delisted,
            _ => return None,
        })
    }

    /// Every status code, for filters.
    pub const CODES: [&'static str; 6] = [
        "draft",
        "in_review",
        "approved",
        "rejected",
        "listed",
        "delisted",
    ];

    /// `(level, of)` while in review; `(0, 0)` otherwise (the stored columns).
    pub fn review_parts(self) -> (u8, u8) {
        match self {
            Self::InReview { level, of } => (level, of),
            _ => (0, 0),
        }
    }

    /// Whether the product may be sold.
    pub fn is_sellable(self) -> bool {
        self == Self::Listed
    }

    fn illegal(self, action: &'static str) -> TransitionError {
        TransitionError::Illegal {
            from: self.code(),
            action,
        }
    }

    /// Submits a draft or rejected product for a review of `levels` levels.
    pub fn submit(self, levels: ReviewLevels) -> Result<Self, TransitionError> {
        match self {
            Self::Draft | Self::Rejected => Ok(Self::InReview {
                level: 1,
                of: levels.get(),
            }),
            other => Err(other.illegal("submitted")),
        }
    }

    /// Applies a decision at `level`: approve advances to the next level or to
    /// `approved`; reject (with a non-blank reason) ends the round.
    pub fn decide(
        self,
        level: u8,
        decision: Decision,
        reason: Option<&str>,
    ) -> Result<Self, TransitionError> {
        let Self::InReview {
            level: awaiting,
            of,
        } = self
        else {
            return Err(self.illegal("reviewed"));
        };
        if level != awaiting {
            return Err(TransitionError::WrongLevel {
                awaiting,
                given: level,
            });
        }
        match decision {
            Decision::Reject if reason.is_none_or(|r| r.trim().is_empty()) => {
                Err(TransitionError::ReasonRequired)
            }
            Decision::Reject => Ok(Self::Rejected),
            Decision::Approve if awaiting >= of => Ok(Self::Approved),
            Decision::Approve => Ok(Self::InReview {
                level: awaiting + 1,
                of,
            }),
        }
    }

    /// Puts an approved (or delisted, unchanged) product on sale.
    pub fn list(self) -> Result<Self, TransitionError> {
        match self {
            Self::Approved | Self::Delisted => Ok(Self::Listed),
            other => Err(other.illegal("listed")),
        }
    }

    /// Takes a listed product off sale.
    pub fn delist(self) -> Result<Self, TransitionError> {
        match self {
            Self::Listed => Ok(Self::Delisted),
            other => Err(other.illegal("delisted")),
        }
    }

    /// The status after an edit. Drafts and rejected products stay as they are; any other
    /// product whose sale-relevant fields changed starts a new review round, so what is
    /// sold is always what was reviewed.
    pub fn after_edit(self, sale_relevant: bool, levels: ReviewLevels) -> Self {
        match self {
            Self::Draft | Self::Rejected => self,
            _ if !sale_relevant => self,
            _ => Self::InReview {
                level: 1,
                of: levels.get(),
            },
        }
    }
}

/// Checks that `reviewer` may decide the current level: not the submitter, and not
/// someone who already approved an earlier level of this round (each level is a separate
/// pair of eyes).
pub fn check_reviewer<T: PartialEq>(
    reviewer: &T,
    submitter: Option<&T>,
    earlier_reviewers: &[T],
) -> Result<(), TransitionError> {
    if submitter == Some(reviewer) {
        return Err(TransitionError::OwnSubmission);
    }
    if earlier_reviewers.contains(reviewer) {
        return Err(TransitionError::AlreadyReviewed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels(n: i64) -> ReviewLevels {
        ReviewLevels::new(n).unwrap()
    }

    #[test]
    fn a_product_goes_through_every_level_to_listed_and_back() {
        let s = ProductStatus::Draft.submit(levels(2)).unwrap();
        assert_eq!(s, ProductStatus::InReview { level: 1, of: 2 });
        let s = s.decide(1, Decision::Approve, None).unwrap();
        assert_eq!(s, ProductStatus::InReview { level: 2, of: 2 });
        let s = s.decide(2, Decision::Approve, None).unwrap();
        assert_eq!(s, ProductStatus::Approved);
        let s = s.list().unwrap();
        assert!(s.is_sellable());
        let s = s.delist().unwrap();
        assert!(!s.is_sellable());
        assert_eq!(s.list().unwrap(), ProductStatus::Listed);
    }

    #[test]
    fn rejection_needs_a_reason_and_can_happen_at_any_level() {
        let s = ProductStatus::Draft.submit(levels(3)).unwrap();
        let s = s.decide(1, Decision::Approve, None).unwrap();
        assert_eq!(
            s.decide(2, Decision::Reject, Some("  ")),
            Err(TransitionError::ReasonRequired)
        );
        let s = s
            .decide(2, Decision::Reject, Some("blurry photos"))
            .unwrap();
        assert_eq!(s, ProductStatus::Rejected);
        assert!(s.submit(levels(1)).is_ok());
    }

    #[test]
    fn illegal_moves_are_refused_with_typed_errors() {
        assert!(matches!(
            ProductStatus::Draft.list(),
            Err(TransitionError::Illegal { from: "draft", .. })
        ));
        assert!(ProductStatus::Listed.submit(levels(1)).is_err());
        assert!(ProductStatus::Approved.delist().is_err());
        assert!(
            ProductStatus::Draft
                .decide(1, Decision::Approve, None)
                .is_err()
        );
        let s = ProductStatus::Draft.submit(levels(2)).unwrap();
        assert_eq!(
            s.decide(2, Decision::Approve, None),
            Err(TransitionError::WrongLevel {
                awaiting: 1,
                given: 2
            })
        );
        assert!(ReviewLevels::new(0).is_err());
        assert!(ReviewLevels::new(4).is_err());
    }

    #[test]
    fn editing_sale_relevant_fields_of_a_listed_product_sends_it_back_to_review() {
        let l = levels(2);
        assert_eq!(
            ProductStatus::Listed.after_edit(true, l),
            ProductStatus::InReview { level: 1, of: 2 }
        );
        assert_eq!(
            ProductStatus::Listed.after_edit(false, l),
            ProductStatus::Listed
        );
        assert_eq!(
            ProductStatus::Draft.after_edit(true, l),
            ProductStatus::Draft
        );
        assert_eq!(
            ProductStatus::InReview { level: 2, of: 2 }.after_edit(true, l),
            ProductStatus::InReview { level: 1, of: 2 }
        );
    }

    #[test]
    fn statuses_round_trip_through_their_stored_parts() {
        for s in [
            ProductStatus::Draft,
            ProductStatus::InReview { level: 2, of: 3 },
            ProductStatus::Listed,
        ] {
            let (level, of) = s.review_parts();
            assert_eq!(
                ProductStatus::from_parts(s.code(), level.into(), of.into()),
                Some(s)
            );
        }
        assert_eq!(ProductStatus::from_parts("bogus", 0, 0), None);
    }

    #[test]
    fn reviewers_cannot_review_their_own_submission_or_two_levels() {
        assert_eq!(
            check_reviewer(&1, Some(&1), &[]),
            Err(TransitionError::OwnSubmission)
        );
        assert_eq!(
            check_reviewer(&2, Some(&1), &[2]),
            Err(TransitionError::AlreadyReviewed)
        );
        assert!(check_reviewer(&3, Some(&1), &[2]).is_ok());
    }
}
