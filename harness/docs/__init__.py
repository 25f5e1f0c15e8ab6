"""``python -m harness docs check PAGE...``: the code samples inside documentation pages, checked.

extract (page -> blocks) -> session (blocks joined by a hint; the page's shell
setup and notebook files for the samples after them) -> classify (run or skip;
scenario) -> placeholders
-> scaffold (a project like the language's client) -> check (build, lint,
run against the stub, the matrix's checks) -> report.  What varies by
language, placeholder, package and scenario is data: languages.toml,
placeholders.toml, packages.toml, infer.toml, session.toml (setup commands,
cloud CLI stand-ins) and templates/.
"""
