"""The README's Limits table against the source (issue 13: "each default in one place"): every
field of LimitsConfig (proto/itaclip/v1/server_config.proto) has a row, the table names no field
that does not exist, and no row restates a default number (the defaults live in
server/config/limits.h and configs/server/itaclip-server.textproto; a restated default went stale
once already).

usage: limits_documented.py REPO
"""
import re
import sys


def limits_fields(proto_text):
    body = re.search(r"message LimitsConfig \{(.*?)\n\}", proto_text, re.S).group(1)
    return set(re.findall(r"^\s*(?:int32|int64|double)\s+(\w+)\s*=", body, re.M))


def limits_table_rows(readme_text):
    section = readme_text[readme_text.index("**Limits**"):]
    rows = []
    for line in section.splitlines()[1:]:
        if line.startswith("| `"):
            rows.append(line)
        elif rows and not line.startswith("|"):
            break
    return rows


def main():
    repo = sys.argv[1]
    fields = limits_fields(open(repo + "/proto/itaclip/v1/server_config.proto").read())
    rows = limits_table_rows(open(repo + "/README.md").read())
    failures = []
    named = set()
    for row in rows:
        first_cell = row.split("|")[1]
        names = set(re.findall(r"`(?:scheduling\.)?(\w+)`", first_cell))
        named |= names
        if re.search(r"\b\d[\d ,.]*\s*(?:MiB|GiB|M|s|bytes)?\b", first_cell):
            failures.append("a default restated in the row of %s" % sorted(names))
    for field in sorted(fields - named):
        failures.append("LimitsConfig.%s has no row in the README's Limits table" % field)
    for name in sorted(named - fields - {"max_pending_requests"}):
        failures.append("the Limits table names %s, which LimitsConfig does not have" % name)
    for failure in failures:
        print("FAIL " + failure)
    print("%d fields, %d rows, %d failures" % (len(fields), len(rows), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
