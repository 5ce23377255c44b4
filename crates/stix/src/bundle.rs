//! Reading many objects: a TAXII envelope or bundle in memory, or a stream (bundle or JSON lines)
//! of any size without holding it whole.
