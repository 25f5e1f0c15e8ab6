"""The data files: the shipped ones load, broken ones fail with one clear message."""

import pytest

from harness import catalog


def test_shipped_languages_and_scenarios_load():
    languages = catalog.load_languages()
    assert set(languages) >= {"csharp", "go", "java", "python"}
    scenarios = catalog.load_scenarios()
    assert set(scenarios) >= {"json-key", "json-no-auth", "json-token", "server-error", "bad-credentials", "timeout"}
    for scenario in scenarios.values():
        # A scenario where nothing may reach the service (a failed handshake, a bad key) judges the failure instead.
        rules = scenario.expect.stderr
        judged = scenario.expect.exit_code != 0 and rules.one_line and (rules.pattern or rules.contains)
        assert scenario.requests or judged, f"{scenario.name} expects no request and judges no failure"
        assert scenario.summary


def write(tmp_path, name, text):
    path = tmp_path / f"{name}.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("summary = 'x'\ncolour = 1\n", "unknown key(s) colour"),
        ("[stub]\nauth = 'magic'\n", "auth must be none, key or token"),
        ("[expect]\nexit_code = 'sometimes'\n", "exit_code"),
        ("[expect]\nstdout = 'loud'\n", "expect.stdout"),
        ("[[expect.requests]]\nverb = 'POST'\n", "unknown key(s) verb"),
        ("[[expect.requests]]\nbody.json_file = 'payloads/nope.json'\n", "nope.json"),
        ("[expect.stderr]\npattern = '(['\n", "pattern"),
        ("this is not toml", "bad.toml"),
        ("[[expect.requests]]\ntimes = 0\n", "times is a whole number of at least 1"),
        ("[[expect.requests]]\nbody.file = 'payloads/nope.png'\n", "nope.png does not exist"),
        ("[stub]\ninput = 'video'\n", "input must be json, binary or multipart"),
        ("[[expect.requests]]\nbody.multipart = { field = 'images' }\n", "give content_type, field, file, filename"),
        ("[expect]\nmin_retry_gaps = 1\n", "unknown key(s) min_retry_gaps"),
        ("[[expect.requests]]\ntimes = '+'\n", 'or "N+"'),
        ("[[expect.requests]]\ntimes = 'many'\n", 'or "N+"'),
        ("[[expect.requests]]\nbody.patterns = { 'meta.uuid' = 'x' }\n", "not a path like $.meta.uuid"),
        ("[[expect.requests]]\nbody.patterns = { '$.meta.uuid' = '(' }\n", "body.patterns['$.meta.uuid']"),
        ("[stub]\njobs = { second = 2 }\n", "unknown key(s) second"),
    ],
)
def test_broken_scenario_files_are_named(tmp_path, text, fragment):
    with pytest.raises(catalog.CatalogError) as err:
        catalog.load_scenario(write(tmp_path, "bad", text))
    assert fragment in str(err.value)
    assert "bad.toml" in str(err.value)


def test_broken_language_files_are_named(tmp_path):
    with pytest.raises(catalog.CatalogError, match="client folder clients/nope does not exist"):
        catalog.load_language(write(tmp_path, "x", "client = 'clients/nope'\n"))
    with pytest.raises(catalog.CatalogError, match="missing 'run'"):
        catalog.load_language(write(tmp_path, "y", "client = 'clients/go'\n[toolchains.a]\nbuild = []\n"))
    with pytest.raises(catalog.CatalogError, match="non-empty list of strings"):
        catalog.load_language(write(tmp_path, "z", "client = 'clients/go'\n[toolchains.a]\nbuild=[]\nrun='go'\n"))
    with pytest.raises(catalog.CatalogError, match=r"unknown toolchain\(s\) b; defined: a"):
        text = "client = 'clients/go'\nlocal = ['b']\n[toolchains.a]\nbuild=[]\nrun=['go']\n"
        catalog.load_language(write(tmp_path, "w", text))
    with pytest.raises(catalog.CatalogError, match="toolchain names"):
        catalog.load_language(write(tmp_path, "v", "client = 'clients/go'\n[[local]]\nname = 'a'\n"))


def test_missing_toolchain_commands_are_listed():
    chain = catalog.Toolchain("t", ("definitely-not-a-command-xyz",), (), ("x",), files=("/no/such/file",))
    assert chain.missing() == ["definitely-not-a-command-xyz", "/no/such/file"]


def test_select_keeps_catalogue_order_and_refuses_unknown_names():
    items = {"a": 1, "b": 2, "c": 3}
    assert catalog.select(items, ["c", "a"], "language") == [1, 3]
    assert catalog.select(items, None, "language") == [1, 2, 3]
    with pytest.raises(catalog.CatalogError, match="unknown language"):
        catalog.select(items, ["d"], "language")


def test_render_fills_placeholders_and_refuses_unknown_ones():
    assert catalog.render({"h": ["Bearer {key}"], "n": 1}, {"key": "k"}) == {"h": ["Bearer k"], "n": 1}
    with pytest.raises(catalog.CatalogError, match="unknown placeholder {nope}"):
        catalog.render("x {nope}", {"key": "k"})


@pytest.mark.parametrize("profile", catalog.PROFILES)
def test_every_language_has_a_docker_toolchain_and_an_image_per_profile(profile):
    import tomllib

    from harness.backends.docker_images import IMAGES_DIR

    images = tomllib.loads((IMAGES_DIR / "images.toml").read_text())[profile]
    assert "stub" in images
    for lang in catalog.load_languages().values():
        toolchain = catalog.docker_toolchain(lang, profile)
        assert (toolchain.build or toolchain.build_each) and toolchain.run, lang.name
        assert lang.name in images, f"images.toml [{profile}] has no image for {lang.name}"
        if profile == "debian":
            assert (IMAGES_DIR / images[lang.name]).is_file(), images[lang.name]
        else:
            assert ":" in images[lang.name], f"{images[lang.name]}: official images are pinned by tag"


def test_a_profile_section_overrides_the_shared_docker_section():
    csharp = catalog.load_languages()["csharp"]
    assert catalog.docker_toolchain(csharp, "official").run[0] == "dotnet"
    assert catalog.docker_toolchain(csharp, "debian").run[0] == "mono"
    go = catalog.load_languages()["go"]
    official, debian = (catalog.docker_toolchain(go, p) for p in ("official", "debian"))
    assert (official.build, official.run, official.env, official.caches) == (
        debian.build,
        debian.run,
        debian.env,
        debian.caches,
    )


def test_docker_sections_with_unknown_keys_are_named(tmp_path):
    client = tmp_path / "client"
    client.mkdir()
    head = f"title = 'X'\nclient = '{client}'\n[toolchains.t]\nbuild = []\nrun = ['x']\n"
    text = head + "[toolchains.t.docker]\nimage = 'x'\n"
    with pytest.raises(catalog.CatalogError) as err:
        catalog.load_language(write(tmp_path, "lang", text))
    assert "[toolchains.t].docker" in str(err.value) and "image" in str(err.value)
    text = f"title = 'X'\nclient = '{client}'\n[toolchains.t]\nbuild = []\nrun = ['x']\n[docker]\nwindows = 't'\n"
    with pytest.raises(catalog.CatalogError, match=r"unknown key\(s\) windows"):
        catalog.load_language(write(tmp_path, "lang", text))


def test_times_n_plus_marks_the_last_copy_as_repeating(tmp_path):
    text = "[[expect.requests]]\nmethod = 'GET'\npath = '/p'\ntimes = '2+'\n"
    scenario = catalog.load_scenario(write(tmp_path, "poll", text))
    assert [r.repeats for r in scenario.requests] == [False, True]


def test_a_scenario_names_its_program_and_languages_name_theirs(tmp_path):
    assert catalog.load_scenario(write(tmp_path, "a", "summary = 'x'\n")).program == catalog.DEFAULT_PROGRAM
    assert catalog.load_scenario(write(tmp_path, "b", "program = 'modelarts'\n")).program == "modelarts"
    for language in catalog.load_languages().values():
        assert catalog.DEFAULT_PROGRAM in language.programs
    with pytest.raises(catalog.CatalogError, match="must name the 'score' program"):
        catalog.load_language(write(tmp_path, "p", "client = 'clients/go'\n[programs]\nother = 'x'\n"))


def test_every_shipped_scenario_program_exists_in_every_language():
    """A scenario for a dialect no client has would only ever fail: each language ships each program."""
    programs = {s.program for s in catalog.load_scenarios().values()}
    for language in catalog.load_languages().values():
        assert programs <= set(language.programs), f"{language.name} lacks {programs - set(language.programs)}"


def test_each_toolchain_knows_how_its_client_trusts_an_extra_ca():
    """[tls] is data: the language's default, or a toolchain's own (Mono and the .NET SDK differ)."""
    from harness.backends import tls_steps

    languages = catalog.load_languages()
    variables = {"src": "/s", "out": "/o", "ca_file": "/ca/ca.pem"}
    python = catalog.docker_toolchain(languages["python"], "debian")
    assert tls_steps(languages["python"], python, variables) == ([], {"tls_env": {"REQUESTS_CA_BUNDLE": "/ca/ca.pem"}})
    mono, dotnet = (
        catalog.docker_toolchain(languages["csharp"], "debian"),
        catalog.docker_toolchain(languages["csharp"], "official"),
    )
    prepare, fields = tls_steps(languages["csharp"], mono, variables)
    assert prepare == [["env", "HOME=/o/tls-home", "cert-sync", "--quiet", "--user", "/ca/ca.pem"]]
    assert fields == {"tls_env": {"HOME": "/o/tls-home"}}
    assert tls_steps(languages["csharp"], dotnet, variables)[1] == {"tls_env": {"SSL_CERT_FILE": "/ca/ca.pem"}}
    java = languages["java"]
    prepare, fields = tls_steps(java, java.local[0], variables)
    assert prepare[0][:2] == ["keytool", "-importcert"]
    score = fields["tls_programs"]["score"]
    assert "-Djavax.net.ssl.trustStore=/o/truststore.p12" in score and score[-1] == "com.example.scoring.ScoringClient"
    assert tls_steps(java, java.local[0], {"src": "/s", "out": "/o"}) == ([], {})  # no CA in this run


def test_a_bad_tls_table_is_named(tmp_path):
    text = "client = 'clients/go'\n[tls]\nenvironment = {}\n"
    with pytest.raises(catalog.CatalogError, match=r"unknown key\(s\) environment"):
        catalog.load_language(write(tmp_path, "t", text))
    scenario = "[client]\ntrust = true\n"
    with pytest.raises(catalog.CatalogError, match=r"unknown key\(s\) trust"):
        catalog.load_scenario(write(tmp_path, "s", scenario))
