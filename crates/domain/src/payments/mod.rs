//! Payments per order (issue 7, PAY-1 and PAY-2): how a customer paid, where each payment
//! is, and the order's payment status derived from all of them (docs/adr/0019).
//!
//! - [`state`]: the payment's state machine, with a function per move refusing illegal ones.
//! - [`derive`]: the order's [`crate::orders::PaymentStatus`] from its payments.
//! - [`card`]: the card-number detector every free-text field is checked with.
//! - [`provider`]: signed provider notifications and the built-in `test` provider.
//!
//! Nothing here does I/O.

pub mod card;
pub mod derive;
pub mod provider;
pub mod state;

pub use card::contains_card_number;
pub use derive::{PaymentFigures, derive_order_payment};
pub use provider::{
    Notification, NotificationError, NotificationEvent, PaymentProvider, TestProvider,
};
pub use state::{PaymentMethod, PaymentMoveError, PaymentState};

crate::typed_id!(
    /// One payment of an order.
    PaymentId
);
