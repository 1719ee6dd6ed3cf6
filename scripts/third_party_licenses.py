"""Writes the licence texts of every crate compiled into a pgready binary, as its
licences require a binary to carry them (MIT, ISC, BSD-3-Clause, Unicode-3.0, Zlib,
CDLA-Permissive-2.0: see deny.toml). The crate list is the binary's own (cargo
auditable's .dep-v0 section, build-time crates left out); the texts come from each
crate's sources as cargo fetched them (`cargo metadata`).

    python3 scripts/third_party_licenses.py DEPS.json OUT
"""

import json
import pathlib
import subprocess
import sys

NAMES = ("LICENSE", "LICENCE", "COPYING", "NOTICE", "UNLICENSE")


def main(deps_path, out_path):
    packages = json.loads(pathlib.Path(deps_path).read_text())["packages"]
    shipped = {(p["name"], p["version"]) for p in packages if p.get("kind", "runtime") == "runtime" and p.get("source") != "local"}
    meta = json.loads(subprocess.run(["cargo", "metadata", "--locked", "--format-version", "1"],
                                     check=True, capture_output=True, text=True).stdout)
    parts = []
    for pkg in sorted(meta["packages"], key=lambda p: (p["name"], p["version"])):
        if (pkg["name"], pkg["version"]) not in shipped:
            continue
        root = pathlib.Path(pkg["manifest_path"]).parent
        files = sorted(f for f in root.iterdir() if f.is_file() and f.name.upper().startswith(NAMES))
        head = f"{'=' * 78}\n{pkg['name']} {pkg['version']} — {pkg.get('license') or 'see below'}\n{pkg.get('repository') or ''}\n{'=' * 78}\n"
        body = "".join(f"\n--- {f.name} ---\n{f.read_text(errors='replace')}" for f in files)
        parts.append(head + (body or f"\n(no licence file in the crate; the standard text of {pkg.get('license')} applies)\n"))
        shipped.discard((pkg["name"], pkg["version"]))
    if shipped:
        sys.exit(f"third_party_licenses: not in cargo metadata: {sorted(shipped)}")
    pathlib.Path(out_path).write_text("Licences of the crates compiled into pgready\n\n" + "\n".join(parts))
    print(f"third_party_licenses: {len(parts)} crates")


main(*sys.argv[1:])
