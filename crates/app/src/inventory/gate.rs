//! The sold-out gate (ADR 0025): an in-memory note, per stock level, that the database
//! just refused a reservation there with nothing left to sell. While the note is fresh,
//! [`reserve`](super::reservations::reserve) answers the same `409 insufficient-stock` the
//! database would, without opening a transaction, so a flash sale's thousands of late
//! buyers do not queue on the write path behind the last real reservations.
//!
//! The gate only ever refuses what the database refused a moment ago; it never admits
//! anything (every yes comes from the database's conditional update) and it is not a
//! second source of truth:
//! - it starts empty and learns only from the database's own refusals, so a restart
//!   rebuilds it from the database by construction;
//! - every stock movement and every released reservation at a level clears its note
//!   (stock may have come back), and a note expires after [`SoldOutGate::TTL`], which bounds
//!   how long a change it did not see (another instance's, a backorder switched on) can go
//!   unnoticed;
//! - a buyer whose reference already holds a reservation at the level is let through, so
//!   asking again returns their reservation, as it always did.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use jiff::{SignedDuration, Timestamp};
use omnihub_domain::ids::MerchantId;
use uuid::Uuid;

use super::reservations::ReserveLine;

type Level = (MerchantId, Uuid, Uuid);

#[derive(Debug)]
struct Note {
    at: Timestamp,
    /// References holding an open reservation at the level when it sold out.
    holders: HashSet<String>,
}

/// The per-process notes.
#[derive(Debug, Default)]
pub struct SoldOutGate {
    notes: Mutex<HashMap<Level, Note>>,
}

impl SoldOutGate {
    /// How long a note is trusted.
    pub const TTL: SignedDuration = SignedDuration::from_secs(1);

    /// The first line (SKU, location, units) the gate refuses, if any: one on a level noted
    /// sold out less than [`Self::TTL`] ago whose reference holds nothing there.
    pub fn refuses(
        &self,
        merchant: MerchantId,
        lines: &[ReserveLine],
        now: Timestamp,
    ) -> Option<(Uuid, Uuid, i64)> {
        let notes = self.notes.lock().unwrap_or_else(PoisonError::into_inner);
        if notes.is_empty() {
            return None;
        }
        lines.iter().find_map(|l| {
            let level = (merchant, l.sku_id.as_uuid(), l.location_id.as_uuid());
            let note = notes.get(&level)?;
            let fresh = now.duration_since(note.at) < Self::TTL;
            (fresh && !note.holders.contains(l.reference.trim()))
                .then_some((level.1, level.2, l.quantity))
        })
    }

    /// Notes that the database has nothing left to sell at a level, and who holds it.
    pub fn note_sold_out(
        &self,
        merchant: MerchantId,
        sku: Uuid,
        location: Uuid,
        holders: HashSet<String>,
        now: Timestamp,
    ) {
        let mut notes = self.notes.lock().unwrap_or_else(PoisonError::into_inner);
        notes.insert((merchant, sku, location), Note { at: now, holders });
    }

    /// Forgets a level's note: its stock changed.
    pub fn clear(&self, merchant: MerchantId, sku: Uuid, location: Uuid) {
        let mut notes = self.notes.lock().unwrap_or_else(PoisonError::into_inner);
        if !notes.is_empty() {
            notes.remove(&(merchant, sku, location));
        }
    }

    /// Forgets every note of a SKU (its backorder setting changed).
    pub fn clear_sku(&self, merchant: MerchantId, sku: Uuid) {
        let mut notes = self.notes.lock().unwrap_or_else(PoisonError::into_inner);
        notes.retain(|level, _| !(level.0 == merchant && level.1 == sku));
    }

    /// Whether a level is noted sold out right now (for tests and the status page).
    pub fn is_sold_out(
        &self,
        merchant: MerchantId,
        sku: Uuid,
        location: Uuid,
        now: Timestamp,
    ) -> bool {
        let notes = self.notes.lock().unwrap_or_else(PoisonError::into_inner);
        notes
            .get(&(merchant, sku, location))
            .is_some_and(|n| now.duration_since(n.at) < Self::TTL)
    }
}

#[cfg(test)]
mod tests {
    use omnihub_domain::catalog::SkuId;
    use omnihub_domain::inventory::LocationId;

    use super::*;

    fn line(reference: &str, sku: Uuid, location: Uuid) -> ReserveLine {
        ReserveLine {
            reference: reference.to_owned(),
            sku_id: SkuId::from_uuid(sku),
            location_id: LocationId::from_uuid(location),
            quantity: 1,
        }
    }

    #[test]
    fn refuses_only_fresh_notes_and_lets_holders_through() {
        let gate = SoldOutGate::default();
        let m = MerchantId::from_uuid(Uuid::from_u128(1));
        let (sku, loc, other) = (Uuid::from_u128(2), Uuid::from_u128(3), Uuid::from_u128(4));
        let t0: Timestamp = "2026-12-01T10:00:00Z".parse().unwrap();
        assert_eq!(gate.refuses(m, &[line("b1", sku, loc)], t0), None);
        gate.note_sold_out(m, sku, loc, HashSet::from(["holder".to_owned()]), t0);
        let later = t0 + SignedDuration::from_millis(999);
        assert_eq!(
            gate.refuses(m, &[line("b1", sku, loc)], later),
            Some((sku, loc, 1))
        );
        assert_eq!(gate.refuses(m, &[line("holder", sku, loc)], later), None);
        assert_eq!(gate.refuses(m, &[line("b1", other, loc)], later), None);
        let other_merchant = MerchantId::from_uuid(Uuid::from_u128(9));
        assert_eq!(
            gate.refuses(other_merchant, &[line("b1", sku, loc)], later),
            None
        );
        assert_eq!(
            gate.refuses(m, &[line("b1", sku, loc)], t0 + SoldOutGate::TTL),
            None
        );
        gate.note_sold_out(m, sku, loc, HashSet::new(), t0);
        gate.clear(m, sku, loc);
        assert_eq!(gate.refuses(m, &[line("b1", sku, loc)], t0), None);
        assert!(!gate.is_sold_out(m, sku, loc, t0));
    }
}
