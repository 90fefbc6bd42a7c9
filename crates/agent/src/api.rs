//! The Cluster API v1 bodies live in the `brightrun-api` crate, shared with the client; re-exported here so
//! the agent's modules keep naming them `crate::api::…`.

pub use brightrun_api::v1::*;
