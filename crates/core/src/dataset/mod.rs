//! Dataset formats, streaming validation, statistics, token counting and normalisation.
