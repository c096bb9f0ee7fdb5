//! What several studies share: the training runs and their learning-rate
//! searches ([`runs`]), the initialization probes of Figs. 6–8 and the
//! Jacobian study ([`init`]), and Table 1's orderings and curves ([`orderings`]).

pub mod init;
pub mod orderings;
pub mod runs;
