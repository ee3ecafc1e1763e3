//! spendlens forecasting: each path forecast on its own driver, the rolling-origin backtest that
//! scores and calibrates it, and the commitment sized on the forecast (a newsvendor problem).
//!
//! Pure: a daily history and an outlook in, distributions out; no clock, disk or network. The
//! time-series statistics are Grafana's `augurs` (MSTL, AutoETS); this crate holds them apart so
//! the rest of the workspace does not compile their linear algebra.
//!
//! - [`model`]: one daily series forecast (holidays, launches, scaling around augurs);
//! - [`engine`]: the paths on their drivers, the backtest, intervals from its errors, months;
//! - [`commit`]: the commitment minimising expected cost, and its sensitivity;
//! - [`plans`]: the headcount plan and discount-tier files;
//! - [`calendar`]: the holidays honoured.

pub mod calendar;
pub mod commit;
pub mod engine;
pub mod model;
pub mod plans;

pub use commit::{Level, Sizing, Terms, Tier, level, sensitivity, size};
pub use engine::{Forecast, History, Outlook, PathKind, Score, Unit, forecast, months_from, rolling, score};
pub use plans::{HeadcountPlan, PlanError, read_headcount, read_tiers};
