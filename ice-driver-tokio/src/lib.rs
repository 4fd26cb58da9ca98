//! Tokio runtime for `ice-driver`. Not written yet: nothing here works.
