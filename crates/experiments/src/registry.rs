//! The registry: every study the CLI offers, by id. A new study is one module
//! in [`crate::studies`] and one line here.

use serde::{Deserialize, Serialize};

use crate::studies::{self, Study};

/// Declares [`StudyId`] (one variant per line, in the report's order) and its
/// lookup of the study.
macro_rules! registry {
    ($($variant:ident => $study:expr),* $(,)?) => {
        /// A study, by name. Serialized as the variant's name in `config.json`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[allow(missing_docs)] // each study's own docs describe it
        pub enum StudyId {
            $($variant),*
        }

        impl StudyId {
            /// Every study, in the report's order.
            pub const ALL: &'static [StudyId] = &[$(StudyId::$variant),*];

            /// The study itself.
            pub fn study(self) -> &'static dyn Study {
                match self {
                    $(StudyId::$variant => &$study),*
                }
            }
        }
    };
}

registry! {
    Fig2 => studies::fig2::Fig2,
    Fig3 => studies::fig3::Fig3,
    Fig4 => studies::fig4::Fig4,
    Fig5 => studies::fig5::Fig5,
    Fig6 => studies::fig6::Fig6,
    Fig7 => studies::fig7::Fig7,
    Fig8 => studies::fig8::Fig8,
    Fig9 => studies::fig9::Fig9,
    Fig10 => studies::fig10::Fig10,
    Fig11 => studies::fig11::Fig11,
    Fig12 => studies::fig12::Fig12,
    Table1 => studies::table1::Table1,
    Jacobian => studies::jacobian::Jacobian,
    Headline => studies::headline::Headline,
    Reproduce => studies::reproduce::Reproduce,
    Nielsen => studies::nielsen::Nielsen,
    InitDemo => studies::cs231n::InitDemoStudy,
}

impl StudyId {
    /// Its subcommand: `fig2`, `table1`, `init-demo`, ...
    pub fn command(self) -> &'static str {
        self.study().command()
    }

    /// The study whose subcommand is `command`.
    pub fn from_command(command: &str) -> Option<StudyId> {
        StudyId::ALL.iter().copied().find(|id| id.command() == command)
    }
}
