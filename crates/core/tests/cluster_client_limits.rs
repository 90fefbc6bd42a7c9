//! The client against a server that does not keep to the Cluster API: a JSON answer larger than any real one
//! and a download longer than its announced size both end in an error, never in memory or disk without bound.
//! The server is a few lines of raw HTTP on 127.0.0.1, answering every request the same way.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;

use brightrun_core::cluster::client::{http_client, Artifact};
use brightrun_core::cluster::{ClientError, ClusterClient, Sensitive};

/// Serves `body` (with `Content-Length`) to every connection, on a thread; returns the base URL.
fn lying_server(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8) {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

fn client(url: &str) -> ClusterClient {
    ClusterClient::new(http_client().unwrap(), url, Sensitive::new("k".to_string())).unwrap()
}

#[tokio::test]
async fn an_oversized_json_answer_is_refused() {
    // 40 MiB of one JSON string: valid JSON, far beyond any Cluster API answer.
    let mut body = b"{\"jobs\": [], \"padding\": \"".to_vec();
    body.extend(std::iter::repeat_n(b'a', 40 << 20));
    body.extend_from_slice(b"\"}");
    let url = lying_server(body);
    let err = client(&url).jobs().await.unwrap_err();
    assert!(matches!(err, ClientError::BadResponse { .. }), "{err}");
    assert!(err.to_string().contains("larger than"), "{err}");
}

#[tokio::test]
async fn a_download_stops_at_the_announced_size() {
    let url = lying_server(vec![b'x'; 1 << 20]);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("adapter_model.safetensors");
    let artifact = Artifact {
        name: "adapter_model.safetensors".to_string(),
        size: 1000,
        sha256: "0".repeat(64),
    };
    let err = client(&url)
        .download_artifact("job", &artifact, &dest, &mut |_| {})
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("more than the announced 1000 bytes"),
        "{err}"
    );
    assert!(!dest.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(
        leftovers.is_empty(),
        "the oversized part file was kept: {leftovers:?}"
    );
}
