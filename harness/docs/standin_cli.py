"""A stand-in for a cloud CLI (az, kubectl, gcloud...) in a page's shell sample: never the real one.

Copied by standins.py under each CLI's name into a folder put first on PATH, next to
``answers.json`` (session.toml's answers, their values filled in).  It prints the first answer whose
pattern is in its command line, and appends the line and what it printed to ``standins.log``.
"""

import json
import re
import sys
from pathlib import Path

here = Path(__file__).resolve().parent
table = json.loads((here / "answers.json").read_text(encoding="utf-8"))
line = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])
# What the line asks for: its query or output format first (`--query scoring_uri`, `-o jsonpath='{.status.url}'`),
# then the line without the names it gives (`-n token-classifier`), so a resource's name decides nothing.
QUERY = r"(?:--query|--output|-o|--format|--jsonpath)[= ]\s*(\S+)|jsonpath=(\S+)"
NAMES = r"(?:--name|-n|--namespace|--resource-group|-g|--workspace-name|-w)[= ]\s*\S+"
asked = " ".join(a or b for a, b in re.findall(QUERY, line))
rest = re.sub(NAMES, "", line)
answer = next((a for text in (asked, rest) if text for a in table["answers"] if re.search(a["match"], text)), None)
if answer is None:
    out, what = "", "a stand-in printed nothing (the real CLI never runs)"
elif re.search(table["single"], line) or not answer.get("json"):
    out, what = answer["value"], f"a stand-in printed {answer['what']} (the real CLI never runs)"
else:
    out = json.dumps(answer["json"], indent=2)
    what = f"a stand-in printed a JSON object with {answer['what']} (the real CLI never runs)"
with (here / "standins.log").open("a", encoding="utf-8") as log:
    log.write(json.dumps({"line": line, "what": what}) + "\n")
if out:
    print(out)
