//! A payment's state machine: pending → authorized → captured → partially refunded →
//! refunded, with failed reachable before capture. Each move is a function refusing
//! illegal ones with a [`PaymentMoveError`] whose `code()` the app turns into a 409.

use crate::codes::code_enum;

code_enum!(
    /// How the customer paid.
    PaymentMethod {
        /// A bank card through a provider (the number never reaches us).
        Card = "card",
        /// Alipay QR code.
        Alipay = "alipay",
        /// WeChat Pay QR code.
        WechatPay = "wechat_pay",
        /// Digital RMB (e-CNY).
        DigitalRmb = "digital_rmb",
        /// Bank transfer.
        BankTransfer = "bank_transfer",
        /// Cash collected by the courier on delivery.
        CashOnDelivery = "cash_on_delivery",
        /// Collected by the marketplace the order came from.
        Marketplace = "marketplace",
    }
);

code_enum!(
    /// Where one payment is.
    PaymentState {
        /// Recorded, nothing confirmed yet.
        Pending = "pending",
        /// The provider reserved the money.
        Authorized = "authorized",
        /// The money was taken.
        Captured = "captured",
        /// Declined, expired or abandoned; it counts for nothing.
        Failed = "failed",
        /// Part of the captured amount given back.
        PartiallyRefunded = "partially_refunded",
        /// All of the captured amount given back.
        Refunded = "refunded",
    }
);

/// An illegal move of a payment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentMoveError {
    /// The move does not start from this state.
    #[error("a {from} payment cannot be {action}")]
    State {
        /// Current state's code.
        from: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// A refund of nothing, or of more than is left to refund.
    #[error("the refund must be more than 0 and at most the {left} minor units not yet refunded")]
    RefundAmount {
        /// What may still be refunded, in minor units.
        left: i64,
    },
}

impl PaymentMoveError {
    /// A stable kebab-case code: `payment-state` or `refund-amount`.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::State { .. } => "payment-state",
            Self::RefundAmount { .. } => "refund-amount",
        }
    }
}

impl PaymentState {
    fn refuse(self, action: &'static str) -> PaymentMoveError {
        PaymentMoveError::State {
            from: self.code(),
            action,
        }
    }

    /// The provider reserved the money: pending → authorized.
    pub fn authorize(self) -> Result<Self, PaymentMoveError> {
        match self {
            Self::Pending => Ok(Self::Authorized),
            other => Err(other.refuse("authorized")),
        }
    }

    /// The money was taken: pending or authorized → captured.
    pub fn capture(self) -> Result<Self, PaymentMoveError> {
        match self {
            Self::Pending | Self::Authorized => Ok(Self::Captured),
            other => Err(other.refuse("captured")),
        }
    }

    /// Declined or abandoned: pending or authorized → failed.
    pub fn fail(self) -> Result<Self, PaymentMoveError> {
        match self {
            Self::Pending | Self::Authorized => Ok(Self::Failed),
            other => Err(other.refuse("failed")),
        }
    }

    /// Gives back `amount` of a captured payment of `total` of which `refunded` was
    /// already given back; returns the new state and the new refunded sum.
    pub fn refund(
        self,
        total: i64,
        refunded: i64,
        amount: i64,
    ) -> Result<(Self, i64), PaymentMoveError> {
        if !matches!(self, Self::Captured | Self::PartiallyRefunded) {
            return Err(self.refuse("refunded"));
        }
        let left = total.saturating_sub(refunded);
        if amount <= 0 || amount > left {
            return Err(PaymentMoveError::RefundAmount { left });
        }
        let now = refunded + amount;
        let next = if now == total {
            Self::Refunded
        } else {
            Self::PartiallyRefunded
        };
        Ok((next, now))
    }

    /// Whether the payment still counts towards what the order is owed (not failed and not
    /// fully given back).
    pub const fn counts(self) -> bool {
        !matches!(self, Self::Failed | Self::Refunded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payments_move_forward_only() {
        let p = PaymentState::Pending.authorize().unwrap();
        assert_eq!(p.capture().unwrap(), PaymentState::Captured);
        assert_eq!(PaymentState::Pending.fail().unwrap(), PaymentState::Failed);
        assert_eq!(
            PaymentState::Captured.fail().unwrap_err().code(),
            "payment-state"
        );
        assert!(PaymentState::Failed.capture().is_err());
        assert!(PaymentState::Captured.authorize().is_err());
        assert!(PaymentState::Refunded.refund(10, 10, 1).is_err());
        assert!(PaymentState::Pending.refund(10, 0, 1).is_err());
    }

    #[test]
    fn refunds_add_up_to_the_captured_amount_and_no_further() {
        let (s, r) = PaymentState::Captured.refund(100, 0, 30).unwrap();
        assert_eq!((s, r), (PaymentState::PartiallyRefunded, 30));
        let (s, r) = s.refund(100, r, 70).unwrap();
        assert_eq!((s, r), (PaymentState::Refunded, 100));
        let over = PaymentState::PartiallyRefunded.refund(100, 30, 71);
        assert_eq!(over, Err(PaymentMoveError::RefundAmount { left: 70 }));
        assert_eq!(over.unwrap_err().code(), "refund-amount");
        assert!(PaymentState::Captured.refund(100, 0, 0).is_err());
    }

    #[test]
    fn codes_round_trip() {
        for s in PaymentState::ALL {
            assert_eq!(PaymentState::parse(s.code()).unwrap(), *s);
        }
        for m in PaymentMethod::ALL {
            assert_eq!(PaymentMethod::parse(m.code()).unwrap(), *m);
        }
    }
}
