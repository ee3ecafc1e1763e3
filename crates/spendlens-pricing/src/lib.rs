//! The spendlens price book: dated Claude rates and the rules that turn token counts into dollars.
//!
//! The book is data ([`prices.toml`](../prices.toml), embedded) merged with an optional user file in
//! the same shape (contract discounts, a model released yesterday). It resolves the model ids real
//! data carries (dated snapshots, aliases, `anthropic/` and Bedrock/Vertex forms) to one canonical
//! id. An unknown model is an error naming the model, never a price of $0.
//!
//! No I/O: callers hand over the text of a user file. Pricing is linear in every quantity, so a
//! rollup of many lines that share model, tier, bucket and date prices exactly like its parts.

mod book;
mod model_id;
mod price;

pub use book::{Discount, LongContext, ModelPrices, PriceBook, RateCard, Rules};
pub use model_id::normalise_model_id;
pub use price::{Component, ComponentKind, Cost, PriceError, PriceQuery, Priced, Pricer, RateKey};

#[cfg(test)]
mod tests;
