//! `code_enum!`: closed sets of values stored and sent as stable snake_case codes (channel
//! kinds, order states, hold reasons, timeline events). One macro so that every such enum
//! has the same `code()` / `parse()` / `ALL` / `Display` contract.

/// A code that is not one of an enum's known codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be one of: {expected}")]
pub struct UnknownCode {
    /// The accepted codes, space-separated (for the error message).
    pub expected: &'static str,
}

/// Declares a fieldless enum whose variants each have a stable code.
macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $code)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable stored code.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code),+
                }
            }

            /// Parses a stored code (exact match).
            pub fn parse(raw: &str) -> Result<Self, $crate::codes::UnknownCode> {
                match raw {
                    $($code => Ok(Self::$variant),)+
                    _ => Err($crate::codes::UnknownCode {
                        expected: concat!($($code, " "),+),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

pub(crate) use code_enum;
