//! Sales channels (issue 6): what a channel is (kind, platform, status, ship-by promise,
//! linked locations, listings), the webhook signature schemes of the channels we receive
//! from, and the pure mappings of their order payloads into one [`crate::orders::IncomingOrder`].
//!
//! - [`types`]: parsed values (codes, names, external ids, listings, priorities).
//! - [`state`]: the channel life cycle (active, paused, archived).
//! - [`rules`]: linked-location lists and listing resolution for incoming lines.
//! - [`webhooks`]: Shopify and WooCommerce signatures, topics, the WooCommerce ping.
//! - [`shopify`], [`woocommerce`]: order payload mappings.
//! - [`demo`]: the mock channel's generated, signed deliveries in both formats.
//! - [`push`]: push-back requests to channels (fulfilment, tracking, cancellation) and
//!   their retry schedule.
//!
//! Nothing here does I/O (docs/adr/0014): the server verifies and hands over raw bytes,
//! the app stores the result.

pub mod demo;
pub mod push;
pub mod rules;
pub mod shopify;
pub mod state;
pub mod types;
pub mod webhooks;
pub mod woocommerce;

pub use rules::{LinkError, LinkedLocation, best_listing, check_links};
pub use state::{ChannelIntake, ChannelStatus, ChannelTransitionError};
pub use types::{
    ChannelCode, ChannelKind, ChannelListing, ChannelName, ChannelPlatform, ChannelValueError,
    ExternalId, ItemRef, LocationPriority, ShipByHours,
};
pub use webhooks::{
    OrderTopic, SignatureError, UnsupportedTopic, sign_shopify, sign_woocommerce, verify_shopify,
    verify_woocommerce, woocommerce_ping,
};

crate::typed_id!(
    /// A sales channel of one merchant.
    ChannelId
);
crate::typed_id!(
    /// A channel listing: one SKU as sold on one channel.
    ChannelListingId
);
