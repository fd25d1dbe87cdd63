//! Payment matching (to be written).
