//! Session privilege levels: the appliance's one definition, from the decision core.

pub use postern_decision::Privilege;
