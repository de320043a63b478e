#!/usr/bin/env python3
"""Every example is a test: extract the example commands of README.md (```sh blocks) or of one
command's --help ("examples:" section), shrink each (one run, tiny budgets, no plots) and run it
in a scratch directory that holds the files the examples name (big.txt, x.py, ./server, ...).
Any example that exits with a status other than its documented success fails the test.

    test_examples.py SOURCE BUILD_DIR SOURCE_DIR
    SOURCE: readme | help:COMMAND | help:faultline | help:faultline-gbench
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

source, build, src = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])
FL = os.path.join(build, "faultline")
SANITIZED = "FAULTLINE_SANITIZED 1" in open(os.path.join(build, "config.h")).read()
GB = os.path.join(build, "faultline-gbench")


def help_examples(argv):
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit("FAIL: %s exits %d" % (" ".join(argv), out.returncode))
    lines, on, cmds = out.stdout.splitlines(), False, []
    for line in lines:
        if line.strip() == "examples:":
            on = True
            continue
        if on and not line.startswith("  "):
            break
        if on:
            if cmds and cmds[-1].endswith("\\"):
                cmds[-1] = cmds[-1][:-1] + " " + line.strip()
            else:
                cmds.append(line.strip())
    if not cmds:
        sys.exit("FAIL: %s has no examples section" % " ".join(argv))
    return cmds


def readme_examples():
    cmds, in_sh = [], False
    for line in open(os.path.join(src, "README.md")):
        if line.startswith("```"):
            in_sh = line.strip() == "```sh"
            continue
        line = line.strip()
        if in_sh and line.startswith("build/faultline"):
            cmds.append(line[len("build/"):])
    return cmds


# Arguments the examples use as placeholders, and their stand-ins in the scratch directory.
SUBST = {"results/runs/<id>": "results/runs/fixture", "<id>": "fixture",
         "results/runs/<bench-id>": "results/runs/bench"}

# Options that shrink a command, per subcommand: (option to force, value) pairs.
SHRINK = {
    "run": [("--runs", "1")],
    "sweep": [("--runs", "1"), ("--fake-measure", None)],
    "seed": [("--runs", "1")],
    "exec": [("--runs", "1"), ("--timeout", "60")],
    "tune": [("--runs", "1"), ("--budget", "2")],
    "check": [("--ops", "2000")],
    "report": [("--no-plots", None)],
}
VALUE_OPTS = {"--runs": "-r", "--budget": None, "--ops": None, "--timeout": None}


def shrink(words):
    """words: argv without the program. Force the SHRINK options (replace given values)."""
    cmd = words[0] if words else ""
    rules = SHRINK.get(cmd, [])
    if not rules:
        return words
    stop = words.index("--") if "--" in words else len(words)
    head, tail = words[:stop], words[stop:]
    for opt, val in rules:
        short = VALUE_OPTS.get(opt)
        keep = []
        i = 0
        while i < len(head):
            w = head[i]
            if val is not None and (w == opt or (short and w == short)):
                i += 2
                continue
            if val is not None and w.startswith(opt + "="):
                i += 1
                continue
            if val is None and w == opt:
                i += 1
                continue
            keep.append(w)
            i += 1
        head = keep + ([opt, val] if val is not None else [opt])
    if cmd == "tune" and "--workload" in head:
        head += ["--quiet"]
    return head + tail


def scratch():
    d = tempfile.mkdtemp(prefix="fl-examples-")
    with open(os.path.join(d, "big.txt"), "w") as f:
        f.write("".join("%d line\n" % ((i * 7919) % 1000) for i in range(2000)))
    with open(os.path.join(d, "data.bin"), "wb") as f:
        f.write(os.urandom(64 << 10))
    for name in ("x.py", "script.py"):
        with open(os.path.join(d, name), "w") as f:
            f.write("print(sum(range(1000)))\n")
    for name in ("server", "my-service"):
        p = os.path.join(d, name)
        with open(p, "w") as f:
            f.write("#!/bin/sh\nexec sort big.txt >/dev/null\n")
        os.chmod(p, 0o755)
    os.makedirs(os.path.join(d, "results/baseline"))
    shutil.copy(os.path.join(src, "results/baseline/ci.json"), os.path.join(d, "results/baseline"))
    # a results directory for report/compare examples, and sweep shards for merge
    subprocess.run([FL, "run", "-b", "glibc", "-w", "churn:count=5", "--runs", "1",
                    "--fake-measure", "--quiet", "--out", "results/runs/fixture"],
                   cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # a bench directory (one results directory per report below it) for report --front
    subprocess.run([FL, "run", "-b", "glibc", "-w", "churn:count=5", "--runs", "1",
                    "--fake-measure", "--quiet", "--out", "results/runs/bench/suite"],
                   cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for k in (1, 2):
        subprocess.run([FL, "sweep", "-b", "hybrid:threshold=4K..32K:x2", "-w", "churn:count=2",
                        "--runs", "1", "--fake-measure", "--quiet", "--shard", "%d/2" % k,
                        "--out", "shard%d" % k], cwd=d, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return d


def run_one(line, d):
    words = shlex.split(line, comments=True)
    prog = words[0]
    words = [SUBST.get(w, w) for w in words[1:]]
    if prog == "faultline":
        argv = [FL] + shrink(words)
        ok = {0}
        if words and words[0] == "compare":
            # the example's NEW is a placeholder: compare the baseline with itself
            argv = [FL, "compare"] + ["results/baseline/ci.json" if w.startswith("results/runs")
                                      else w for w in words[1:]]
        if SANITIZED and words[:1] == ["seed"]:
            print("skip (ASan owns malloc, seed's glibc:mmap_threshold cells cannot apply; "
                  "Release runs it): " + line)
            return True
        if SANITIZED and words[:1] == ["tune"] and "--workload" in words:
            print("skip (ASan owns malloc, no glibc setting applies; Release runs it): " + line)
            return True
        if words and words[0] == "check":
            ok = {0, 1}  # documented: 1 = a peer violates the contract (mimalloc does)
    elif prog == "faultline-gbench":
        if not os.path.exists(GB):
            print("skip (no faultline-gbench): " + line)
            return True
        argv = [GB] + words + ["--benchmark_min_time=0.01"]
        ok = {0}
    else:
        print("FAIL: not a faultline command: " + line)
        return False
    r = subprocess.run(argv, cwd=d, capture_output=True, text=True, timeout=300, check=False)
    shown = " ".join(shlex.quote(a) for a in argv).replace(build + "/", "")
    if r.returncode not in ok:
        print("FAIL: exit %d: %s\n%s" % (r.returncode, shown, (r.stderr or r.stdout)[-2000:]))
        return False
    if prog == "faultline-gbench" and "--benchmark_filter" in line and \
            not re.search(r"^\S+/\S+\s", r.stdout, re.M):
        print("FAIL: the filter matched no benchmark: %s\n%s" % (shown, r.stdout[-1000:]))
        return False
    print("ok: " + shown)
    return True


def main():
    if source == "readme":
        cmds = readme_examples()
    elif source == "help:faultline":
        cmds = help_examples([FL, "--help"])
    elif source == "help:faultline-gbench":
        if not os.path.exists(GB):
            print("SKIP: faultline-gbench not built (no libbenchmark)")
            sys.exit(77)
        cmds = help_examples([GB, "--help"])
    elif source.startswith("help:"):
        cmds = help_examples([FL, source[5:], "--help"])
    else:
        sys.exit("FAIL: unknown source " + source)
    d = scratch()
    try:
        bad = sum(not run_one(c, d) for c in cmds)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("%d of %d examples of %s ran" % (len(cmds) - bad, len(cmds), source))
    sys.exit(1 if bad else 0)


main()
