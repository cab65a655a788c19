//! Demo data for `omnihub demo seed` (issue 7): a catalogue, customers and a 90-day order
//! book for one merchant, all derived from a seed with a tiny deterministic generator, so
//! the same seed gives the same data. Pure: the seed command turns these plans into calls
//! of the real use cases.

pub mod catalog;
pub mod orders;
pub mod people;
pub mod rng;

pub use catalog::{BRANDS, CATEGORIES, DemoCategory, DemoProduct, DemoSku, demo_catalog};
pub use orders::{
    DemoChannel, DemoDelays, DemoFate, DemoLineRef, DemoPayment, OrderPlanSpec, PlannedOrder,
    REVIEW_THRESHOLD_FEN, SkuKey, demand_ranking, plan_orders, scarce_and_low, stock_plan,
};
pub use people::{DemoAddress, DemoCustomer, domestic_customer, foreign_customer};
pub use rng::{DemoRng, Zipf};
