"""JavaScript, TypeScript and Rust blocks: fences, content detection, run-or-skip, projects (no toolchain runs)."""

import json
import tomllib
from pathlib import Path

import pytest

from harness.docs import data as docs_data
from harness.docs import placeholders
from harness.docs.check import plan_pages
from harness.docs.classify import classify
from harness.docs.data import DocsError
from harness.docs.extract import Block
from harness.docs.scaffold import imports, scaffold
from tests.docs.test_extract import PAGES

PAGE = PAGES / "js-rust.md"
JS = (
    'const uri = "<your web service URI>";\nconst response = await fetch(uri, {\n  method: "POST",\n'
    "  headers: { Authorization: `Bearer <your key>` },\n  body: JSON.stringify({ data: [[1.5]] }),\n});\n"
    "console.log(JSON.stringify(await response.json()));\n"
)
RUST = (
    "use reqwest::blocking::Client;\n\nfn main() -> Result<(), reqwest::Error> {\n"
    '    let body = serde_json::json!({"data": [[1.5]]});\n'
    '    let text = Client::new().post("<scoring-uri>").json(&body).send()?.text()?;\n'
    '    println!("{}", text);\n    Ok(())\n}\n'
)


@pytest.fixture(scope="module")
def data():
    return docs_data.load()


def plan(data, code: str, fence: str, **hints):
    return classify(Block(Path("page.md"), 10, 10 + code.count("\n"), fence, code, hints), data)


@pytest.mark.parametrize("fence", ["js", "javascript", "mjs", "node", "JS"])
def test_javascript_fences(data, fence):
    p = plan(data, JS, fence)
    assert (p.language.name, p.runnable, p.scenario) == ("javascript", True, "json-key"), p.reason


@pytest.mark.parametrize("fence", ["rust", "rs"])
def test_rust_fences(data, fence):
    p = plan(data, RUST, fence)
    assert (p.language.name, p.runnable, p.scenario) == ("rust", True, "json-no-auth"), p.reason


@pytest.mark.parametrize("fence", ["ts", "typescript"])
def test_typescript_is_recognised_and_skipped_saying_so(data, fence):
    p = plan(data, JS, fence, run="")  # not even a run hint runs it
    assert (p.shown, p.runnable) == ("typescript", False)
    assert p.reason.startswith("TypeScript: not run yet")


def test_reqwest_bearer_auth_asks_for_a_key(data):
    p = plan(data, RUST.replace(".json(&body)", ".bearer_auth(key).json(&body)"), "rust")
    assert p.scenario == "json-key" and "`bearer_auth(`" in p.reason


def test_fragments_and_non_clients_are_skipped(data):
    tip = plan(data, "const result = await response.json();\nconsole.log(result);\n", "js")
    assert not tip.runnable and tip.reason == "no HTTP call: not a client of a service"
    call = plan(data, "const r = await fetch(url);\nconsole.log(await r.json());\n", "js")
    assert not call.runnable and "fragment" in call.reason
    # A script that reads its settings from the environment is whole, though it imports nothing.
    env = plan(data, "const r = await fetch(process.env.SCORING_URI);\nconsole.log(await r.text());\n", "js")
    assert env.runnable, env.reason
    no_main = plan(data, 'let r = reqwest::blocking::get("<scoring-uri>")?;\n', "rust")
    assert not no_main.runnable and "fn main()" in no_main.reason
    server = plan(data, "import express from 'express';\nconst app = express();\napp.listen(3000);\n", "js")
    assert server.reason.startswith("server-side code (a web app that serves requests)")


def test_a_command_running_a_program_file_is_skipped_but_curl_runs(data):
    cmd = plan(data, "SCORING_URI=http://localhost:5001/score node score.mjs\n", "sh")
    assert not cmd.runnable and cmd.reason.startswith("a command that runs a program file")
    assert "(`node score.mjs`)" in cmd.reason


@pytest.mark.parametrize(
    "build_and_run, found",
    [
        ("go build -o scoring-client .\n{env}./scoring-client", "go build"),
        ("cargo build --locked\n{env}./target/debug/score      # or: cargo run", "cargo build"),
        ("{env}./scoring-client", "./scoring-client"),
        ("mvn -q -B package\n{env}java -cp target/app.jar com.example.Main", "mvn -q -B package"),
        ("{env}java -cp target/app.jar com.example.Main", "java -cp"),
        ("{env}java ScoreMin.java", "java ScoreMin.java"),
        ("{env}dotnet bin/Release/net10.0/App.dll", "dotnet bin/Release/net10.0/App.dll"),
        ("{env}mono /tmp/cs/App.exe", "mono /tmp/cs/App.exe"),
    ],
)
def test_a_block_building_or_running_the_folders_program_is_skipped(data, build_and_run, found):
    """A README's build-and-run commands name the service's address but call nothing themselves."""
    env = "export SCORING_URI=http://127.0.0.1:5001/api/v1/service/x/score\nexport SCORING_KEY=<your key>\n"
    p = plan(data, build_and_run.format(env=env) + "\n", "sh")
    assert not p.runnable and p.reason.startswith("a command that runs a program file"), p.reason
    assert f"(`{found}" in p.reason
    curl = plan(data, "curl -X POST http://localhost:5001/score -d '[1]'\nnode check.mjs\n", "sh")
    assert curl.runnable, curl.reason


@pytest.mark.parametrize(
    "code, language",
    [
        (JS, "javascript"),
        ("const axios = require('axios');\naxios.post(url, {}).then((r) => console.log(r.data));\n", "javascript"),
        (RUST, "rust"),
        ('#[tokio::main]\nasync fn main() {\n    let mut n = 0;\n    println!("{n}");\n}\n', "rust"),
        # Not taken for JavaScript or Rust: Go's quoted import, Python's print.
        ('package main\n\nimport "net/http"\n\nfunc main() {\n\tfmt.Println(http.StatusOK)\n}\n', "go"),
        ("import requests\nprint(requests.post('<scoring-uri>', json={}).json())\n", "python"),
    ],
)
def test_unlabelled_block_language_from_content(data, code, language):
    p = plan(data, code, "")
    assert p.shown == language, p.why
    assert p.why.startswith(f"language: {language} (from content:")


def test_bash_fence_holding_javascript_is_javascript(data):
    p = plan(data, JS, "bash")
    assert p.language.name == "javascript" and p.runnable, p.why


def test_placeholders_replaced_in_javascript_and_rust(data):
    """The same placeholders as in any language, replaced literally: in a template literal, in a Rust &str."""
    values = {"uri": "http://stub/score", "key": "K"}
    found = placeholders.find(JS, data.placeholders)
    assert [(f.kind, f.text) for f in found] == [("uri", "<your web service URI>"), ("key", "<your key>")]
    out = placeholders.replace(JS, found, values)
    assert 'const uri = "http://stub/score";' in out and "Authorization: `Bearer K`" in out
    found = placeholders.find(RUST, data.placeholders)
    assert [(f.kind, f.text) for f in found] == [("uri", "<scoring-uri>")]  # Result<(), ...> is no placeholder
    assert '.post("http://stub/score")' in placeholders.replace(RUST, found, values)


def test_page_plan(data):
    plans = {p.block.start: p for p in plan_pages([PAGE], data)}
    runs = [(s, p.shown) for s, p in plans.items() if p.runnable]
    assert runs == [(16, "javascript"), (58, "javascript"), (85, "javascript"), (134, "rust"), (175, "rust")]
    assert plans[52].reason == "no curl command: not a client of a service"  # npm install axios
    assert plans[107].shown == "javascript" and "from content" in plans[107].reason  # a bare fence
    assert plans[116].reason.startswith("TypeScript: not run yet")
    assert {plans[n].reason for n in (44, 126)} == {"json: data, not a program", "toml: data, not a program"}
    assert "fn main()" in plans[165].reason


def test_javascript_project_gets_package_json_with_its_imports(tmp_path, data):
    code = (
        "import axios from 'axios';\nimport fetch, { Headers } from \"node-fetch\";\n"
        "import { readFile } from 'node:fs/promises';\nimport * as path from 'path';\nimport 'dotenv/config';\n"
        "import {\n  DefaultAzureCredential,\n} from '@azure/identity';\nimport { helper } from './lib.js';\n"
    )
    assert imports("javascript", code) == ["axios", "node-fetch", "node:fs", "path", "dotenv", "@azure/identity", "."]
    project = scaffold(data.languages["javascript"], code, tmp_path, data.packages["javascript"])
    assert project.file == "score.mjs" and (tmp_path / "score.mjs").read_text() == code  # line for line
    manifest = json.loads((tmp_path / "package.json").read_text())
    assert manifest["type"] == "module"
    assert manifest["dependencies"] == {k: data.packages["javascript"][k] for k in ("axios", "node-fetch", "dotenv")}
    assert project.notes == [
        "no npm package known for import '@azure/identity': the build gets nothing for it "
        "(add one to harness/docs/packages.toml)"
    ]


def test_commonjs_sample_is_a_cjs_file_and_no_imports_is_valid_json(tmp_path, data):
    js = data.languages["javascript"]
    cjs = scaffold(js, "const got = require('got');\n", tmp_path / "a", data.packages["javascript"])
    assert cjs.file == "score.cjs" and (tmp_path / "a" / "score.cjs").is_file()
    assert json.loads((tmp_path / "a" / "package.json").read_text())["dependencies"] == {"got": "16.1.0"}
    esm = "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n"
    assert scaffold(js, esm, tmp_path / "b", {}).file == "score.mjs"
    bare = scaffold(js, JS, tmp_path / "c", data.packages["javascript"])
    assert bare.file == "score.mjs" and not bare.packages
    assert json.loads((tmp_path / "c" / "package.json").read_text())["dependencies"] == {}


def test_rust_project_gets_cargo_toml_with_the_crates_it_names(tmp_path, data):
    code = RUST + "#[tokio::main]\nasync fn other() { let m = u64::MAX; let v = std::env::args(); mine::f(); }\n"
    # std's modules named after `use std::{env, time::Duration}`, and a turbofish, are no crates.
    code += 'use std::{env, time::Duration};\nfn f() { env::var("X"); s.collect::<Vec<_>>(); }\n'
    assert imports("rust", code) == ["reqwest", "serde_json", "tokio", "u64", "std", "mine", "time", "env"]
    project = scaffold(data.languages["rust"], code, tmp_path, data.packages["rust"])
    assert project.file == "src/main.rs" and (tmp_path / "src" / "main.rs").read_text() == code
    cargo = tomllib.loads((tmp_path / "Cargo.toml").read_text())
    assert cargo["package"]["edition"] == "2021" and cargo["bin"] == [{"name": "scoring-client", "path": "src/main.rs"}]
    # Named after the code: another sample is another package (their compiled crates are shared).
    other = scaffold(data.languages["rust"], code.replace("1.5", "2.5"), tmp_path / "other", data.packages["rust"])
    names = {tomllib.loads((p.folder / "Cargo.toml").read_text())["package"]["name"] for p in (project, other)}
    assert len(names) == 2 and all(n.startswith("docs-sample-") for n in names)
    assert set(cargo["dependencies"]) == {"reqwest", "serde_json", "tokio"}
    assert set(cargo["dependencies"]["reqwest"]["features"]) >= {"blocking", "json"}
    assert project.notes == [
        "no crate known for import 'mine': the build gets nothing for it (add one to harness/docs/packages.toml)"
    ]


def test_run_error_patterns_find_the_runtimes_own_message(data):
    node = (
        "file:///b/src/score.mjs:10\n  return await respones.json();\n  ^\n\n"
        "ReferenceError: respones is not defined\n    at score (file:///b/src/score.mjs:10:3)\n\nNode.js v20.20.2\n"
    )
    assert data.languages["javascript"].error.search(node).group(0) == "ReferenceError: respones is not defined"
    rust = data.languages["rust"].error
    panic = "thread 'main' panicked at src/main.rs:8:10:\ncalled `Result::unwrap()` on an `Err` value: x\nnote: run"
    assert rust.search(panic).group("message") == "called `Result::unwrap()` on an `Err` value: x"
    err = rust.search("Error: reqwest::Error { kind: Status(401) }\n")
    assert err.group("message") is None and err.group(0) == "Error: reqwest::Error { kind: Status(401) }"
    assert rust.search("warning: unused variable\n") is None


def test_a_language_needs_a_way_to_run_or_a_reason_not_to(data):
    where, chains = "languages.toml", data.toolchains
    with pytest.raises(DocsError, match=r"\[kotlin\] needs a toolchain, a run command or not_run"):
        docs_data._language("kotlin", {"fences": ["kt"], "file": "a.kt"}, where, chains)
    with pytest.raises(DocsError, match=r"\[kotlin\]\.build is a list of commands"):
        docs_data._language("kotlin", {"fences": ["kt"], "file": "a.kt", "run": ["x"], "build": "make"}, where, chains)
    lang = docs_data._language("kotlin", {"fences": ["kt"], "file": "a.kt", "not_run": "later"}, where, chains)
    assert lang.not_run == "later" and not lang.run
