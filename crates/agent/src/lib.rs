//! `brightrun-agent`: the Cluster API v1 server for a GPU machine. It stores job state in SQLite, starts the
//! Python trainer for each job, and serves progress, logs and the trained adapter over HTTP.

pub mod api;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod generator;
pub mod gpu;
pub mod jobs;
pub mod listener;
pub mod models;
pub mod openapi;
pub mod proc;
pub mod routes;
pub mod runtime;
pub mod serve;
pub mod slurm;
pub mod state;
