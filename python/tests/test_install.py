# SPDX-License-Identifier: LGPL-2.1-or-later
"""The installed package: `cmake --install` of the python component into a prefix, then
camrec and camrec-canmv used from there, without the build tree on the path."""
import os
import subprocess
import sys

import pytest


def test_installed_package_and_runner_work(tmp_path):
    build = os.environ.get("CAMREC_BUILD_DIR") or pytest.skip("CAMREC_BUILD_DIR is not set: run through ctest")
    prefix = tmp_path / "prefix"
    subprocess.run(["cmake", "--install", build, "--prefix", str(prefix), "--component", "python"], check=True,
                   capture_output=True)
    site = [os.path.join(root) for root, dirs, files in os.walk(prefix) if "camrec" in dirs]
    assert len(site) == 1, site
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = site[0]
    out = tmp_path / "a.mp4"
    code = (f"import camrec; r = camrec.Recorder({str(out)!r}, frames=5, fast=True, width=320, height=240); r.run();"
            f"print(camrec.info({str(out)!r})['tracks'][0]['samples'], camrec.__file__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    samples, where = r.stdout.split()
    assert samples == "5" and where.startswith(str(prefix))
    script = tmp_path / "s.py"
    script.write_text("import os, uctypes\nfrom mpp.mp4_format import kd_mp4_create\nos.exitpoint()\nprint('ok')\n")
    r = subprocess.run([str(prefix / "bin" / "camrec-canmv"), str(script)], capture_output=True, text=True, env=env)
    assert (r.returncode, r.stdout.strip()) == (0, "ok"), r.stderr
