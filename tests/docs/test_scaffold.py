"""A sample -> a project laid out like its language's client, with the build file it lacks."""

import pytest

from harness.docs import data as docs_data
from harness.docs.extract import read_page
from harness.docs.scaffold import java_main_class, python_imports, scaffold, shell_script
from tests.docs.test_extract import SEED


@pytest.fixture(scope="module")
def data():
    return docs_data.load()


def seed_code(fence: str) -> str:
    return next(b.code for b in read_page(SEED) if b.fence == fence)


def test_csharp_gets_a_csproj_with_newtonsoft(tmp_path, data):
    project = scaffold(data.languages["csharp"], seed_code("csharp"), tmp_path, data.packages["csharp"])
    assert project.file == "Program.cs" and project.packages == ["Newtonsoft.Json:13.0.3"]
    csproj = (tmp_path / "ScoringClient.csproj").read_text()
    assert '<PackageReference Include="Newtonsoft.Json" Version="13.0.3" />' in csproj
    assert "<TreatWarningsAsErrors>false</TreatWarningsAsErrors>" in csproj
    assert (tmp_path / "Program.cs").read_text() == seed_code("csharp")  # line for line


def test_java_gets_a_pom_with_fluent_hc_and_json_simple_and_its_main_class(tmp_path, data):
    project = scaffold(data.languages["java"], seed_code("java"), tmp_path, data.packages["java"])
    assert project.file == "src/main/java/App.java" and project.main_class == "App"
    assert project.packages == [
        "org.apache.httpcomponents:fluent-hc:4.5.14",
        "org.apache.httpcomponents:httpclient:4.5.14",
        "com.googlecode.json-simple:json-simple:1.1.1",
    ]
    pom = (tmp_path / "pom.xml").read_text()
    assert "<main.class>App</main.class>" in pom and "<artifactId>json-simple</artifactId>" in pom
    assert "-Werror" not in pom and "<arg>-Xlint:all</arg>" in pom  # warnings are findings, not failures


def test_java_package_and_main_class():
    code = (
        "package com.acme.docs;\nimport java.net.http.HttpClient;\nclass Helper {}\npublic class Demo {\n"
        "  public static void main(String[] a) {}\n}\n"
    )
    assert java_main_class(code) == ("com.acme.docs.Demo", "Demo")


def test_java_unknown_import_is_a_note(tmp_path, data):
    code = "import com.example.Mystery;\npublic class A { public static void main(String[] a) {} }\n"
    project = scaffold(data.languages["java"], code, tmp_path, data.packages["java"])
    assert project.notes == [
        "no Maven artifact known for import 'com.example.Mystery': the build gets nothing for it "
        "(add one to harness/docs/packages.toml)"
    ]
    assert (tmp_path / "src/main/java/A.java").is_file()


def test_go_gets_a_go_mod(tmp_path, data):
    code = (
        'package main\n\nimport (\n\t"fmt"\n\t"github.com/google/uuid"\n)\n\nfunc main() { fmt.Println(uuid.New()) }\n'
    )
    project = scaffold(data.languages["go"], code, tmp_path, data.packages["go"])
    gomod = (tmp_path / "go.mod").read_text()
    assert gomod == "module example.com/scoring-client\n\ngo 1.24\nrequire github.com/google/uuid v1.6.0\n"
    assert project.file == "main.go"
    stdlib_only = scaffold(data.languages["go"], seed_code("go"), tmp_path / "seed", data.packages["go"])
    assert stdlib_only.packages == [] and not stdlib_only.notes


def test_python_requirements_from_imports(tmp_path, data):
    code = "import json, os\nimport requests\nfrom urllib3.util import Retry\nimport azureml.core as aml\n"
    assert python_imports(code) == ["json", "os", "requests", "urllib3", "azureml"]
    project = scaffold(data.languages["python"], code, tmp_path, data.packages["python"])
    assert (tmp_path / "requirements.txt").read_text() == "requests==2.34.2\nurllib3==2.8.0\n"
    assert project.notes == [
        "no package known for import 'azureml': the build gets nothing for it (add one to harness/docs/packages.toml)"
    ]


def test_shell_transcript_keeps_commands_line_for_line():
    block = "$ curl -s <scoring-uri> \\\n    -d '[1]'\n[217.6]\n$ echo done\ndone\n"
    assert shell_script(block) == "curl -s <scoring-uri> \\\n    -d '[1]'\n\necho done\n\n"
    assert shell_script("curl -s x\n# comment\n") == "curl -s x\n# comment\n"
