//! async-std / async-io runtime for `ice-driver`. Not written yet: nothing here works.
