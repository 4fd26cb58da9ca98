//! A Glacier2-compatible router. Not written yet: nothing here works.
