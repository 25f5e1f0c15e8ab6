"""Security findings: each rule finds what it is for in its language, and its clean twin finds nothing."""

import pytest

from harness.docs import data, security
from harness.docs.data import DocsError
from harness.redact import Redactor

LANGS = data.load().languages
SECRET = "Zk3Jq8vLmN2pR7sT4wX9"

# (language, code that a reader must not copy, the rule it breaks, its fixed twin)
CASES = [
    ("python", "requests.post(u, json=b, verify=False)", "tls-verify-off", "requests.post(u, json=b, verify=ca_path)"),
    ("python", "requests.post(u, verify = False)", "tls-verify-off", "requests.post(u, verify=True)"),
    ("python", "ctx = ssl._create_unverified_context()", "tls-verify-off", "ctx = ssl.create_default_context()"),
    ("python", "ctx.verify_mode = ssl.CERT_NONE", "tls-verify-off", "ctx.verify_mode = ssl.CERT_REQUIRED"),
    ("shell", "curl -k https://h/score", "tls-verify-off", "curl --cacert ca.pem https://h/score"),
    ("shell", "curl -sSk -X POST https://h/score", "tls-verify-off", "curl -sS -X POST https://h/score"),
    ("shell", "curl -s \\\n  --insecure https://h/score", "tls-verify-off", "curl -s \\\n  --cacert c.pem https://h"),
    ("shell", "export NODE_TLS_REJECT_UNAUTHORIZED=0", "tls-verify-off", "export NODE_TLS_REJECT_UNAUTHORIZED=1"),
    ("go", "c := &tls.Config{InsecureSkipVerify: true}", "tls-verify-off", "c := &tls.Config{RootCAs: pool}"),
    (
        "csharp",
        "h.ServerCertificateCustomValidationCallback = (m, c, ch, e) => true;",
        "tls-verify-off",
        "h.ServerCertificateCustomValidationCallback = (m, c, ch, e) => e == SslPolicyErrors.None;",
    ),
    (
        "csharp",
        "ServicePointManager.ServerCertificateValidationCallback += delegate { return true; };",
        "tls-verify-off",
        "ServicePointManager.SecurityProtocol = SecurityProtocolType.Tls12;",
    ),
    (
        "csharp",
        "var v = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator;",
        "tls-verify-off",
        "var h = new HttpClientHandler();",
    ),
    (
        "java",
        "public void checkServerTrusted(X509Certificate[] c, String a) throws CertificateException { /* all */ }",
        "tls-verify-off",
        "public void checkServerTrusted(X509Certificate[] c, String a) throws CertificateException { tm.check(c, a); }",
    ),
    (
        "java",
        "b.loadTrustMaterial(null, TrustAllStrategy.INSTANCE);",
        "tls-verify-off",
        "b.loadTrustMaterial(ks, null);",
    ),
    ("java", "b.setSSLHostnameVerifier(NoopHostnameVerifier.INSTANCE);", "tls-hostname-off", "b.setSSLContext(ssl);"),
    (
        "java",
        "conn.setHostnameVerifier(SSLConnectionSocketFactory.ALLOW_ALL_HOSTNAME_VERIFIER);",
        "tls-hostname-off",
        "",
    ),
    ("javascript", "new https.Agent({ rejectUnauthorized: false })", "tls-verify-off", "new https.Agent({ ca })"),
    ("javascript", 'process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";', "tls-verify-off", "const a = 0;"),
    (
        "rust",
        "builder.danger_accept_invalid_certs(true)",
        "tls-verify-off",
        "builder.danger_accept_invalid_certs(false)",
    ),
    ("python", f'api_key = "{SECRET}"', "credential-in-code", 'api_key = os.environ["SCORING_KEY"]'),
    ("python", f"headers = {{'Authorization': 'Bearer {SECRET}'}}", "credential-in-code", "h = {'Authorization': k}"),
    ("shell", f'curl -H "Authorization: Bearer {SECRET}" https://h', "credential-in-code", 'curl -H "api-key: $KEY" h'),
    ("shell", f"export SCORING_KEY={SECRET}", "credential-in-code", 'export SCORING_KEY="$(cat key.txt)"'),
    ("go", f'apiKey := "{SECRET}"', "credential-in-code", 'apiKey := os.Getenv("SCORING_KEY")'),
    (
        "csharp",
        f'new AuthenticationHeaderValue("Bearer", "{SECRET}")',
        "credential-in-code",
        'const string apiKey = "";',
    ),
    ("java", f'String apiKey = "{SECRET}";', "credential-in-code", 'String apiKey = System.getenv("SCORING_KEY");'),
    ("javascript", f'const headers = {{ "x-api-key": "{SECRET}" }};', "credential-in-code", "const k = process.env.K;"),
    ("rust", f'let token = "{SECRET}";', "credential-in-code", 'let token = std::env::var("SCORING_TOKEN")?;'),
    (
        "python",
        "t = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzY29yaW5nIn0.c2lnbmF0dXJlX2hlcmU'",
        "credential-in-code",
        "t = '<your-token>'",
    ),
]


def scan(lang: str, code: str, redactor: Redactor | None = None):
    return security.scan(code + "\n", LANGS[lang], 10, redactor or Redactor())


@pytest.mark.parametrize(
    ("lang", "bad", "rule", "good"), CASES, ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)]
)
def test_each_rule_finds_its_problem_and_not_its_fixed_twin(lang, bad, rule, good):
    found = scan(lang, bad)
    assert [f.rule for f in found] == [rule], found
    assert found[0].tool == "security" and found[0].line >= 10
    assert found[0].level == ("error" if rule == "credential-in-code" else "warning")
    assert scan(lang, good) == []


def test_languages_covered_by_the_cases_are_every_runnable_language():
    runnable = {name for name, lang in LANGS.items() if not lang.not_run}
    assert runnable <= {c[0] for c in CASES}


@pytest.mark.parametrize(
    "placeholder",
    ["<your-api-key>", "YOUR_API_KEY", "xxxxxxxxxxxx", "$SCORING_KEY", "${KEY}", "{api_key}", "SCORING_KEY", "***..."],
)
def test_placeholders_are_not_credentials(placeholder):
    for code in (f'api_key = "{placeholder}"', f'curl -H "Authorization: Bearer {placeholder}" h'):
        assert scan("python" if code.startswith("api") else "shell", code) == []


def test_words_and_paths_are_not_credentials():
    for code in ('key = "Content-Type"', 'key_file = "/etc/ssl/key.pem"', 'token_url = "https://login/x1"'):
        assert scan("python", code) == [], code


def test_a_secret_is_masked_in_the_message_and_learnt_by_the_redactor():
    redactor = Redactor()
    [found] = scan("python", f'api_key = "{SECRET}"', redactor)
    assert SECRET not in found.message and "****4wX9" in found.message
    assert redactor.text(f"log: {SECRET}") == "log: ****4wX9"


def test_comments_and_strings_about_a_setting_are_not_the_setting():
    code = '# never pass verify=False\nprint("verify=False trusts any server")\nrequests.get(u, verify=True)'
    assert scan("python", code) == []
    assert scan("go", "// InsecureSkipVerify: true is for tests only\n/* InsecureSkipVerify: true */") == []


def test_the_finding_is_at_the_page_line_of_the_match():
    found = scan("python", "import requests\n\nr = requests.get(u,\n    verify=False)")
    assert [(f.line, f.rule) for f in found] == [(13, "tls-verify-off")]  # the block starts at page line 10


def test_one_finding_per_secret_even_when_two_rules_see_it():
    found = scan("python", f"headers = {{'X-Auth-Token': '{SECRET}', 'Authorization': 'Bearer {SECRET}'}}")
    assert [f.rule for f in found] == ["credential-in-code", "credential-in-code"]  # two places, each once


def test_a_bad_rules_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "security.toml"
    bad.write_text('[[rule]]\nid = "x"\nlanguages = ["python"]\nmatch = "a"\nmessage = "m"\nlevel = "fatal"\n')
    with pytest.raises(DocsError, match="level must be one of error, warning, note"):
        security.load(bad)
    bad.write_text('[[rule]]\nid = "x"\nlanguages = ["python"]\nmatch = "("\nmessage = "m"\n')
    with pytest.raises(DocsError, match="bad regular expression"):
        security.load(bad)
