//! `BRIGHTRUN_CA_FILE`: extra certificate authorities for the cluster client.

use brightrun_core::cluster::client::http_client;

/// A company CA comes from `BRIGHTRUN_CA_FILE`; a file that holds no certificate is an error that names it,
/// not a silently ignored setting. (Alone in its test binary: it changes the environment.)
#[test]
fn a_ca_file_without_certificates_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("company-ca.pem");
    std::fs::write(&bad, "not a certificate\n").unwrap();
    std::env::set_var(brightrun_core::cluster::client::CA_FILE_ENV, &bad);
    let err = http_client().unwrap_err();
    std::env::remove_var(brightrun_core::cluster::client::CA_FILE_ENV);
    assert!(err.to_string().contains("company-ca.pem"), "{err}");
}
