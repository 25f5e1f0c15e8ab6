// The smallest complete client: two rows in, the predictions out (src/bin/score.rs adds retries).
use std::{env, process, time::Duration};
use ureq::tls::{RootCerts, TlsConfig};

fn main() {
    let uri = env::var("SCORING_URI").unwrap_or_else(|_| fail(2, "set SCORING_URI"));
    let timeout = env::var("SCORING_TIMEOUT").unwrap_or("30".into());
    let timeout = (timeout.parse().ok().and_then(|s| Duration::try_from_secs_f64(s).ok()))
        .unwrap_or_else(|| fail(2, "SCORING_TIMEOUT must be a number of seconds"));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout)) // the whole call
        .http_status_as_error(false) // an error answer's body says why
        .tls_config(TlsConfig::builder().root_certs(RootCerts::PlatformVerifier).build())
        .build()
        .into();
    let mut request = agent.post(&uri).content_type("application/json");
    if let Some(key) = env::var("SCORING_KEY").ok().filter(|k| !k.is_empty()) {
        request = request.header("Authorization", format!("Bearer {key}"));
    }
    let rows = r#"{"data": [
        [0.0199132141783263, 0.0506801187398187, 0.104808689473925, 0.0700725447072635,
         -0.0359677812752396, -0.0266789028311707, -0.0249926566315915, -0.00259226199818282,
         0.00371173823343597, 0.0403433716478807],
        [-0.0127796318808497, -0.044641636506989, 0.0606183944448076, 0.0528581912385822,
         0.0479653430750293, 0.0293746718291555, -0.0176293810234174, 0.0343088588777263,
         0.0702112981933102, 0.00720651632920303]]}"#;
    let mut response = request.send(rows).unwrap_or_else(|e| fail(1, &format!("{uri}: {e}")));
    let answer = response.body_mut().read_to_string().unwrap_or_else(|e| fail(1, &e.to_string()));
    if !response.status().is_success() {
        fail(1, &format!("HTTP {}: {answer}", response.status()));
    }
    println!("{}", answer.trim()); // the predictions, as the service wrote them
}

fn fail(code: i32, message: &str) -> ! {
    eprintln!("error: {}", message.split_whitespace().collect::<Vec<_>>().join(" "));
    process::exit(code)
}
