//! Lifecycle status effects (to be written).
