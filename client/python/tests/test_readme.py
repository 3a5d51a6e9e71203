"""The README's notebook example, run as written against the test server (only the address and
the shared/ folder substituted)."""
import re
from pathlib import Path

import numpy as np


def test_readme_example(server, source_dir: Path, shared: Path, capsys) -> None:
    readme = (source_dir / "README.md").read_text()
    match = re.search(r"<!-- python-client-example -->\n```python\n(.*?)```", readme, re.DOTALL)
    assert match, "README.md has no python-client-example block"
    lines = match.group(1).rstrip("\n").split("\n")
    assert len(lines) <= 10
    code = "\n".join(lines[:-1]).replace('"localhost:50051"', repr(server.address))
    code = code.replace("../shared", str(shared))
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    shown = eval(lines[-1], namespace)  # a notebook displays the last expression
    seg = namespace["seg"]
    assert shown.size == (seg.labels.shape[1] + 260, seg.labels.shape[0])
    assert np.array_equal(np.asarray(shown), seg.overlay())
    printed = capsys.readouterr().out
    assert "(513, 513) (21, 513, 513)" in printed
    namespace["client"].close()
