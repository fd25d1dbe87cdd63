//! FEC reader (to be written).
