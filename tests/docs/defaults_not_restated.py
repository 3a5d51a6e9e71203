"""Each default in one place (issue 13, part 2, item 5): the server's defaults are set in
server/config/load_server_config.cc and server/config/limits.h, and shown in
configs/server/itaclip-server.textproto (held equal to them by ExampleConfigTest). The config's
schema (proto/itaclip/v1/server_config.proto) and the server's flag help texts
(server/config/server_flags.cc) must not restate them: a restated default went stale once already
(the description weight's). This finds a number or a quoted value given as a default there:
"(default 2)", "(64)", "(1 GiB)", "default \"voc21\"", "\"0.0.0.0:50051\"".

usage: defaults_not_restated.py REPO
"""
import re
import sys

# A parenthesised number, with an optional unit: "(64)", "(1 GiB)", "(40 000 000)", "(2)".
PARENTHESISED_NUMBER = re.compile(r"\((?:default:? )?\d[\d ,._]*(?: ?(?:[KMG]i?B|s|ms))?[);]")
# "default 2", "default: 20", "default \"voc21\"", "default auto".
DEFAULT_VALUE = re.compile(r"\bdefault:? +(?:\d|\"|auto\b|false\b|true\b)")
# An address literal: "0.0.0.0:9464".
ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+:\d+")


def restatements(text, what):
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        for pattern in (PARENTHESISED_NUMBER, DEFAULT_VALUE, ADDRESS):
            match = pattern.search(line)
            if match:
                problems.append("%s:%d restates a default (%r): %s" %
                                (what, number, match.group(0), line.strip()))
                break
    return problems


def comments_of(proto_text):
    """The proto's comments, one per line (the rest of each line blanked)."""
    return "\n".join(line[line.index("//"):] if "//" in line else ""
                     for line in proto_text.splitlines())


def help_texts_of(flags_text):
    """The ABSL_FLAG help strings' lines (their fourth argument onwards), others blanked."""
    out = []
    in_flag = False
    for line in flags_text.splitlines():
        if line.startswith("ABSL_FLAG("):
            in_flag = True
        out.append(line if in_flag else "")
        if in_flag and line.rstrip().endswith(");"):
            in_flag = False
    # The flag's own default argument (the "not given" sentinel: "" or -1) is not help text.
    return "\n".join(re.sub(r"^ABSL_FLAG\([^,]+, \w+, (?:\"\"|-1),", "", l) for l in out)


def main():
    repo = sys.argv[1]
    problems = restatements(comments_of(open(repo + "/proto/itaclip/v1/server_config.proto").read()),
                            "proto/itaclip/v1/server_config.proto")
    problems += restatements(help_texts_of(open(repo + "/server/config/server_flags.cc").read()),
                             "server/config/server_flags.cc")
    for problem in problems:
        print(problem)
    if not problems:
        print("ok: no default restated in the config schema's comments or the flags' help")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
